"""Valid registry data for tests, and assertion helpers for registry refusals.

Rows are in import form (natural keys, as the create schemas and files take them), so the same
dicts serve service calls, file imports and API posts. Areas use real GB/T 2260 codes of
Wenzhou (温州市 330300 and its districts); coordinates lie inside Wenzhou.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ecogov.accounts.principal import SYSTEM
from ecogov.db.base import Base
from ecogov.registry import codes, service

CITY = "330300"  # 温州市 (GB/T 2260)
COUNTIES = ("330302", "330303", "330304")  # 鹿城区, 龙湾区, 瓯海区
CENTRE = (120.70, 28.00)  # Wenzhou, degrees east / north


def credit_code(serial: int, prefix: str = "91330300MA") -> str:
    """A valid GB 32100-2015 credit code: ``prefix`` + serial in the code charset + check char."""
    charset = codes.CREDIT_CODE_CHARSET
    body = ""
    for _ in range(17 - len(prefix)):
        serial, digit = divmod(serial, len(charset))
        body = charset[digit] + body
    first_seventeen = prefix + body
    return first_seventeen + codes.credit_code_check_character(first_seventeen)


def permit_number(credit: str, sequence: int = 1, letter: str = "P") -> str:
    """HJ 608-2017 permit number: credit code + 3-digit sequence + letter."""
    return f"{credit}{sequence:03d}{letter}"


def area_rows() -> list[dict[str, Any]]:
    """The city and three districts, parents first."""
    return [
        {"code": CITY, "name": "温州市", "name_en": "Wenzhou", "level": "city"},
        {"code": COUNTIES[0], "name": "鹿城区", "level": "county", "parent_code": CITY},
        {"code": COUNTIES[1], "name": "龙湾区", "level": "county", "parent_code": CITY},
        {"code": COUNTIES[2], "name": "瓯海区", "level": "county", "parent_code": CITY},
    ]


def air_station_row(code: str = "AQ001", **overrides: Any) -> dict[str, Any]:
    return {
        "code": code,
        "name": f"监测站{code}",
        "area_code": COUNTIES[0],
        "longitude": CENTRE[0],
        "latitude": CENTRE[1],
        "tier": "national",
    } | overrides


def water_section_row(code: str = "WS001", **overrides: Any) -> dict[str, Any]:
    return {
        "code": code,
        "name": f"断面{code}",
        "area_code": COUNTIES[1],
        "longitude": CENTRE[0] + 0.1,
        "latitude": CENTRE[1] - 0.05,
        "waterbody_type": "river",
        "waterbody_name": "瓯江",
        "target_class": 3,
        "assessment_level": "national",
    } | overrides


def enterprise_row(serial: int = 1, **overrides: Any) -> dict[str, Any]:
    return {
        "credit_code": credit_code(serial),
        "name": f"温州测试化工有限公司{serial}",
        "industry_code": "2614",
        "area_code": COUNTIES[1],
        "address": "龙湾区滨海园区",
        "longitude": CENTRE[0] + 0.2,
        "latitude": CENTRE[1] - 0.1,
        "key_categories": ["water", "air"],
    } | overrides


def permit_row(credit: str, sequence: int = 1, **overrides: Any) -> dict[str, Any]:
    return {
        "permit_number": permit_number(credit, sequence),
        "management_class": "key",
        "valid_from": "2024-01-01",
        "valid_to": "2028-12-31",
    } | overrides


def outlet_row(permit: str, code: str = "DA001", **overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "permit_number": permit,
        "code": code,
        "name": f"排放口{code}",
        "longitude": CENTRE[0] + 0.2,
        "latitude": CENTRE[1] - 0.1,
        "emission_standard": "GB 13223-2011" if code.startswith("DA") else "GB 8978-1996",
    }
    if code.startswith("DA"):
        row |= {"height_m": 80.0, "reference_o2": 6.0}
    return row | overrides


def outlet_limit_row(permit: str, outlet_code: str = "DA001", **overrides: Any) -> dict[str, Any]:
    return {
        "permit_number": permit,
        "outlet_code": outlet_code,
        "parameter_code": "a21026",  # SO2 in flue gas, HJ 212-2017 Table B.2
        "limit_value": 35.0,
        "unit": "mg/m³",
        "averaging_period": "hour",
        "standard": "GB 13223-2011",
    } | overrides


def device_row(mn: str, source_type: str, source_code: str, **overrides: Any) -> dict[str, Any]:
    return {
        "mn": mn,
        "password": "123456",
        "source_type": source_type,
        "source_code": source_code,
    } | overrides


def create(session: Session, kind_name: str, row: dict[str, Any]) -> dict[str, Any]:
    """Create one record through the service, validating ``row`` with the kind's create schema."""
    kind = service.KINDS[kind_name]
    return service.create(session, kind, kind.create.model_validate(row), principal=SYSTEM)


@dataclass(frozen=True)
class Chain:
    """The natural keys of one enterprise with a permit, an air and a water outlet."""

    area_code: str
    credit_code: str
    permit_number: str
    air_outlet: str
    water_outlet: str


def make_areas(session: Session) -> None:
    """The city and its districts, unless already there."""
    if session.get(service.KINDS["areas"].model, CITY) is None:
        for row in area_rows():
            create(session, "areas", row)


def make_chain(session: Session, serial: int = 1) -> Chain:
    """Areas → enterprise → permit → outlets DA001 (air) and DW001 (water); flushed, not committed."""
    make_areas(session)
    enterprise = create(session, "enterprises", enterprise_row(serial))
    permit = create(session, "permits", permit_row(enterprise["credit_code"]))
    number = permit["permit_number"]
    air = create(session, "outlets", outlet_row(number, "DA001"))
    water = create(session, "outlets", outlet_row(number, "DW001"))
    return Chain(
        enterprise["area_code"],
        enterprise["credit_code"],
        number,
        air["national_code"],
        water["national_code"],
    )


def count(session: Session, model: type[Base]) -> int:
    """Number of rows of ``model``'s table."""
    return session.scalar(select(func.count()).select_from(model)) or 0


def assert_refused(error: pytest.ExceptionInfo[service.RegistryError], field: str, value: object) -> None:
    """The refusal names ``field`` and ``value``, in its attributes and in its message."""
    assert error.value.field == field
    assert error.value.value == value
    assert field in str(error.value)
    assert repr(value) in str(error.value)
