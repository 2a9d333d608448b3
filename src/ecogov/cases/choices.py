"""Enumerations of the case engine, each value with its Chinese and English label."""

from __future__ import annotations

from ecogov.choices import LabelledChoice


class DeadlineUnit(LabelledChoice):
    """How the time allowed in a state is counted (see :mod:`ecogov.cases.calendar`)."""

    WORKING_DAYS = "working_days", "工作日", "working days"
    CALENDAR_DAYS = "calendar_days", "自然日", "calendar days"
    HOURS = "hours", "小时", "hours"


class CaseOutcome(LabelledChoice):
    """What a terminal state says about the case; the supervision metrics count by it."""

    RESOLVED = "resolved", "办结", "resolved"
    FALSE_ALARM = "false_alarm", "误报", "false alarm"


class CaseEventKind(LabelledChoice):
    """Kinds of entries in a case's history; every write to a case leaves one."""

    OPENED = "opened", "立案登记", "opened"
    TRANSITION = "transition", "流转", "transition"
    OVERDUE = "overdue", "超期", "overdue"
    ESCALATED = "escalated", "督办", "escalated"


class SubjectKind(LabelledChoice):
    """What a case is about."""

    ALERT = "alert", "预警", "alert"
    CASE = "case", "关联案件", "linked case"
    MANUAL = "manual", "人工登记", "entered by hand"


class EscalationLevel(LabelledChoice):
    """Who takes over supervision of an overdue case."""

    CITY = "city", "市局", "city bureau"


class FieldKind(LabelledChoice):
    """Type of a value a transition asks for."""

    TEXT = "text", "文本", "text"
    CHOICE = "choice", "选项", "choice"
    NUMBER = "number", "数值", "number"
    DATE = "date", "日期", "date"


class CalendarBeyondCoverage(LabelledChoice):
    """What working-day arithmetic does for a year the holiday calendar does not cover."""

    WEEKDAYS = "weekdays", "按周一至周五计", "Monday to Friday are working days"
    REFUSE = "refuse", "拒绝计算", "refuse to compute"
