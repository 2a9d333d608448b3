"""The case types the bureau runs, declared as data and validated on import.

The time allowed in each state is the bureau's service level, not a national rule: no national
text fixes how fast an online-monitoring alert must be checked, handled and answered. The
values below are the platform's defaults, chosen to be strict enough for daily supervision
(respond within a working day, close an ordinary alert within about three working weeks);
the bureau confirms or changes them here, in one place (docs/cases.md lists them).

``monitoring_alert`` — 在线监测预警
    待核查 → 核查 → 处置 → 反馈 → 办结, or 误报 (with a reason) from 待核查 or 核查; an overdue
    case is supervised by the city bureau (督办); from 核查 or 处置 an enforcement case (立案)
    can be opened and linked. The enterprise concerned sees its cases, may explain during 核查
    and may submit the 处置 feedback with its evidence.
``enforcement`` — 执法案件
    立案 → 调查 → 处罚决定 → 执行 → 结案, or 结案 without a penalty after 调查.
"""

from __future__ import annotations

from ecogov.accounts.principal import Role
from ecogov.cases.declaration import CaseTypeDeclaration, CaseTypeRegistry

_STAFF_ACTORS = [Role.COUNTY_OFFICER.value, Role.ENFORCEMENT_OFFICER.value, Role.CITY_ADMIN.value]
_DECIDERS = [Role.COUNTY_OFFICER.value, Role.CITY_ADMIN.value]
_ENFORCERS = [Role.ENFORCEMENT_OFFICER.value, Role.COUNTY_OFFICER.value, Role.CITY_ADMIN.value]

MONITORING_ALERT = CaseTypeDeclaration.model_validate(
    {
        "code": "monitoring_alert",
        "label_zh": "在线监测预警",
        "label_en": "online-monitoring alert",
        "description": "An alert raised by the detection rules, checked, handled and answered by the county.",
        "subject_kinds": ["alert", "manual"],
        "open_roles": [Role.SYSTEM.value, *_STAFF_ACTORS],
        "enterprise_visible": True,
        "initial_state": "pending_check",
        "states": [
            {
                "code": "pending_check",
                "label_zh": "待核查",
                "label_en": "awaiting check",
                "deadline": {"amount": 1, "unit": "working_days"},
            },
            {
                "code": "checking",
                "label_zh": "核查",
                "label_en": "checking",
                "deadline": {"amount": 3, "unit": "working_days"},
            },
            {
                "code": "handling",
                "label_zh": "处置",
                "label_en": "handling",
                "deadline": {"amount": 10, "unit": "working_days"},
            },
            {
                "code": "feedback",
                "label_zh": "反馈",
                "label_en": "feedback under review",
                "deadline": {"amount": 3, "unit": "working_days"},
            },
            {
                "code": "closed",
                "label_zh": "办结",
                "label_en": "closed",
                "terminal": True,
                "outcome": "resolved",
            },
            {
                "code": "false_alarm",
                "label_zh": "误报",
                "label_en": "false alarm",
                "terminal": True,
                "outcome": "false_alarm",
            },
        ],
        "transitions": [
            {
                "action": "start_check",
                "label_zh": "开始核查",
                "label_en": "start checking",
                "from_states": ["pending_check"],
                "to_state": "checking",
                "roles": _STAFF_ACTORS,
            },
            {
                "action": "explain",
                "label_zh": "企业说明",
                "label_en": "enterprise explains",
                "from_states": ["checking"],
                "to_state": "checking",
                "roles": [Role.ENTERPRISE_USER.value],
                "comment_required": True,
            },
            {
                "action": "mark_false_alarm",
                "label_zh": "认定误报",
                "label_en": "mark as false alarm",
                "from_states": ["pending_check", "checking"],
                "to_state": "false_alarm",
                "roles": _DECIDERS,
                "fields": [
                    {
                        "name": "reason",
                        "label_zh": "误报原因",
                        "label_en": "reason",
                        "kind": "choice",
                        "choices": ["设备故障", "数据标记错误", "停产检修", "校准维护", "规则误判", "其他"],
                    },
                    {
                        "name": "explanation",
                        "label_zh": "情况说明",
                        "label_en": "explanation",
                        "min_length": 5,
                    },
                ],
            },
            {
                "action": "confirm",
                "label_zh": "核实属实，转入处置",
                "label_en": "confirm and hand over for handling",
                "from_states": ["checking"],
                "to_state": "handling",
                "roles": _STAFF_ACTORS,
                "fields": [
                    {"name": "finding", "label_zh": "核查结论", "label_en": "finding", "min_length": 5}
                ],
            },
            {
                "action": "open_enforcement",
                "label_zh": "移送立案",
                "label_en": "open an enforcement case",
                "from_states": ["checking", "handling"],
                "to_state": "handling",
                "roles": _ENFORCERS,
                "fields": [
                    {"name": "violation", "label_zh": "违法事实", "label_en": "violation", "min_length": 5}
                ],
                "opens_case_type": "enforcement",
            },
            {
                "action": "submit_feedback",
                "label_zh": "提交处置反馈",
                "label_en": "submit handling feedback",
                "from_states": ["handling"],
                "to_state": "feedback",
                "roles": [Role.ENTERPRISE_USER.value, *_STAFF_ACTORS],
                "fields": [
                    {
                        "name": "measures",
                        "label_zh": "处置措施",
                        "label_en": "measures taken",
                        "min_length": 5,
                    }
                ],
                "min_attachments": 1,
            },
            {
                "action": "return_for_rework",
                "label_zh": "退回重新处置",
                "label_en": "return for more handling",
                "from_states": ["feedback"],
                "to_state": "handling",
                "roles": _DECIDERS,
                "comment_required": True,
            },
            {
                "action": "close",
                "label_zh": "办结",
                "label_en": "close",
                "from_states": ["feedback"],
                "to_state": "closed",
                "roles": _DECIDERS,
                "comment_required": True,
            },
        ],
        "escalation": {"level": "city", "label_zh": "督办", "label_en": "supervised by the city bureau"},
    }
)

ENFORCEMENT = CaseTypeDeclaration.model_validate(
    {
        "code": "enforcement",
        "label_zh": "执法案件",
        "label_en": "enforcement case",
        "description": "An administrative-penalty case (立案 to 结案), opened from an alert or by hand.",
        "subject_kinds": ["case", "manual"],
        "open_roles": _ENFORCERS,
        "enterprise_visible": False,
        "initial_state": "filed",
        "states": [
            {
                "code": "filed",
                "label_zh": "立案",
                "label_en": "filed",
                "deadline": {"amount": 3, "unit": "working_days"},
            },
            {
                "code": "investigating",
                "label_zh": "调查",
                "label_en": "investigating",
                "deadline": {"amount": 60, "unit": "calendar_days"},
            },
            {
                "code": "decided",
                "label_zh": "处罚决定",
                "label_en": "penalty decided",
                "deadline": {"amount": 15, "unit": "working_days"},
            },
            {
                "code": "executing",
                "label_zh": "执行",
                "label_en": "executing",
                "deadline": {"amount": 90, "unit": "calendar_days"},
            },
            {
                "code": "concluded",
                "label_zh": "结案",
                "label_en": "concluded",
                "terminal": True,
                "outcome": "resolved",
            },
        ],
        "transitions": [
            {
                "action": "start_investigation",
                "label_zh": "开展调查",
                "label_en": "start the investigation",
                "from_states": ["filed"],
                "to_state": "investigating",
                "roles": _ENFORCERS,
                "fields": [
                    {
                        "name": "investigators",
                        "label_zh": "承办人员",
                        "label_en": "investigators",
                        "min_length": 2,
                    }
                ],
            },
            {
                "action": "decide_penalty",
                "label_zh": "作出处罚决定",
                "label_en": "decide the penalty",
                "from_states": ["investigating"],
                "to_state": "decided",
                "roles": _ENFORCERS,
                "fields": [
                    {"name": "decision_number", "label_zh": "决定书文号", "label_en": "decision number"},
                    {
                        "name": "penalty_yuan",
                        "label_zh": "罚款金额（元）",
                        "label_en": "fine, yuan",
                        "kind": "number",
                    },
                ],
                "min_attachments": 1,
            },
            {
                "action": "close_without_penalty",
                "label_zh": "不予处罚结案",
                "label_en": "conclude without a penalty",
                "from_states": ["investigating"],
                "to_state": "concluded",
                "roles": _ENFORCERS,
                "fields": [
                    {"name": "reason", "label_zh": "不予处罚理由", "label_en": "reason", "min_length": 5}
                ],
            },
            {
                "action": "start_execution",
                "label_zh": "执行处罚",
                "label_en": "start execution",
                "from_states": ["decided"],
                "to_state": "executing",
                "roles": _ENFORCERS,
            },
            {
                "action": "conclude",
                "label_zh": "结案",
                "label_en": "conclude",
                "from_states": ["executing"],
                "to_state": "concluded",
                "roles": _ENFORCERS,
                "comment_required": True,
                "min_attachments": 1,
            },
        ],
        "escalation": {"level": "city", "label_zh": "督办", "label_en": "supervised by the city bureau"},
    }
)

CASE_TYPES = CaseTypeRegistry([MONITORING_ALERT, ENFORCEMENT])
"""Every case type the engine runs."""
