"""Who is acting: the role and scope that every service function checks.

Scoping is enforced in the service layer: each service that reads or writes county or
enterprise data takes a keyword-only ``principal`` and filters or refuses by it. The faces
(API, web, CLI, scheduler) only find out who the principal is.
"""

from __future__ import annotations

from dataclasses import dataclass

from ecogov.choices import LabelledChoice


class Role(LabelledChoice):
    """The roles of the bureau's platform, from the city administrator to the public."""

    CITY_ADMIN = "city_admin", "市局管理员", "city administrator"
    CITY_ANALYST = "city_analyst", "市局分析员", "city analyst"
    COUNTY_OFFICER = "county_officer", "区县分局人员", "county officer"
    ENFORCEMENT_OFFICER = "enforcement_officer", "执法人员", "enforcement officer"
    ENTERPRISE_USER = "enterprise_user", "企业用户", "enterprise user"
    PUBLIC = "public", "公众", "public"
    SYSTEM = "system", "系统", "system (scheduler and ingest)"


@dataclass(frozen=True, slots=True)
class Principal:
    """The acting user, reduced to what scoping needs.

    Parameters
    ----------
    role
        The account's role.
    user_id
        ``user_account.id``; ``None`` for the public and for the system.
    username
        Shown in history and audit records.
    county_code
        GB/T 2260 code of the county a county officer (or a county enforcement officer)
        belongs to; ``None`` means city-wide.
    enterprise_id
        ``enterprise.id`` of an enterprise user; ``None`` for every other role.
    """

    role: Role
    user_id: int | None = None
    username: str = ""
    county_code: str | None = None
    enterprise_id: int | None = None

    @property
    def is_city_wide(self) -> bool:
        """True when the principal sees every county (city staff, the system)."""
        if self.role in (Role.CITY_ADMIN, Role.CITY_ANALYST, Role.SYSTEM):
            return True
        return self.role is Role.ENFORCEMENT_OFFICER and self.county_code is None

    @property
    def is_staff(self) -> bool:
        """True for bureau staff (city and county), false for enterprises and the public."""
        return self.role in (
            Role.CITY_ADMIN,
            Role.CITY_ANALYST,
            Role.COUNTY_OFFICER,
            Role.ENFORCEMENT_OFFICER,
        )

    def may_see_county(self, county_code: str | None) -> bool:
        """Whether data of ``county_code`` (a GB/T 2260 code) is within this principal's scope."""
        if self.is_city_wide:
            return True
        if self.role in (Role.COUNTY_OFFICER, Role.ENFORCEMENT_OFFICER):
            return county_code is not None and county_code == self.county_code
        return False

    def may_see_enterprise(self, enterprise_id: int, county_code: str | None) -> bool:
        """Whether enterprise ``enterprise_id`` located in ``county_code`` is within scope."""
        if self.role is Role.ENTERPRISE_USER:
            return enterprise_id == self.enterprise_id
        return self.is_staff and self.may_see_county(county_code)


PUBLIC = Principal(role=Role.PUBLIC, username="public")
"""The anonymous visitor: published aggregates only."""

SYSTEM = Principal(role=Role.SYSTEM, username="system")
"""The scheduler and the ingest server acting on their own."""


class AccessDeniedError(PermissionError):
    """The principal may not read or change this; the message says what and whose scope it lies in.

    Raised by service functions; the API answers 403 (401 for the public: sign in first).
    """

    def __init__(self, principal: Principal, message: str) -> None:
        super().__init__(f"{principal.role.label_en} {principal.username!r}: {message}")
        self.principal = principal
        self.message = message
