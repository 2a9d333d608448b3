"""The registered data loggers as the receiving platform needs them: one profile per MN.

A profile carries what checking and storing a packet needs without touching the database:
the password, the CRC policy and dialect, the source the device serves, and for every factor
the factor by which a value in the device's unit becomes a value in ecogov's canonical unit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ecogov.choices import CrcPolicy as RegistryCrcPolicy
from ecogov.choices import ProtocolVersion as RegistryProtocolVersion
from ecogov.choices import SourceType
from ecogov.monitoring.models import Interval, Statistic
from ecogov.monitoring.store import SeriesKey
from ecogov.protocols.hj212 import CrcPolicy, Dialect
from ecogov.registry import catalogue
from ecogov.registry.models import Device, Outlet
from ecogov.registry.service import PLACE_MEDIUM, outlet_medium
from ecogov.units import UnitError, conversion_factor

DIALECT_OF_VERSION: Mapping[RegistryProtocolVersion, Dialect] = {
    RegistryProtocolVersion.HJ212_2005: Dialect.HJ212_2005,
    RegistryProtocolVersion.HJ212_2017: Dialect.HJ212_2017,
    RegistryProtocolVersion.HJ212_2025: Dialect.HJ212_2025,
}
"""The codec dialect for each protocol version a device can be registered with."""


@dataclass(frozen=True, slots=True)
class FactorConversion:
    """How one factor of one device is stored.

    Attributes
    ----------
    factor : float
        Multiply a value in the device's unit by this to get the canonical unit.
    device_unit, canonical_unit : str
        For messages and the quarantine detail.
    """

    factor: float
    device_unit: str
    canonical_unit: str


_TOKENS: dict[SeriesKey, int] = {}


def series_token(key: SeriesKey) -> int:
    """A small number standing for ``key`` in this process, the same for every target of the key.

    The ingest writer sends tokens to its committer process instead of series keys (announcing
    each key once); one per series known to the registry, so their number is bounded.
    """
    token = _TOKENS.get(key)
    if token is None:
        token = _TOKENS[key] = len(_TOKENS) + 1
    return token


@dataclass(frozen=True, slots=True)
class ValueTarget:
    """Where the values of one factor and field suffix of one device's uploads are stored.

    Attributes
    ----------
    key : SeriesKey
        The series (source, parameter, interval, statistic).
    scale : float
        Multiply a value in the device's unit by this to get the canonical unit.
    token : int
        :func:`series_token` of ``key``.
    """

    key: SeriesKey
    scale: float
    token: int


@dataclass(frozen=True, slots=True)
class DeviceProfile:
    """A registered data logger, ready for the hot path.

    Attributes
    ----------
    unit_problems : Mapping of str to str
        Factors whose declared unit cannot be converted (``factor → reason``); their values
        are not stored and the frame records why.
    """

    device_id: int
    mn: str
    password: str
    active: bool
    dialect: Dialect
    crc_policy: CrcPolicy
    source_type: SourceType
    source_id: int
    medium: catalogue.Medium
    conversions: Mapping[str, FactorConversion] = field(default_factory=dict)
    unit_problems: Mapping[str, str] = field(default_factory=dict)
    targets: dict[tuple[str, int], dict[str, ValueTarget]] = field(
        default_factory=dict, compare=False, repr=False
    )
    """Where this device's values go, by (factor, CN) and field suffix: filled by
    :func:`ecogov.ingest.decode.decode_values` for factors with a unit conversion and suffixes
    that are stored, so a logger cannot grow it at will."""

    def new_target(self, factor: str, interval: Interval, statistic: Statistic) -> ValueTarget | None:
        """The target of a value of ``factor`` with ``interval`` and ``statistic``, or None when
        the device's unit of ``factor`` cannot be converted (then nothing is stored)."""
        conversion = self.conversions.get(factor)
        if conversion is None:
            return None
        key = SeriesKey(
            source_type=self.source_type,
            source_id=self.source_id,
            medium=self.medium,
            parameter_code=factor,
            interval=interval,
            statistic=statistic,
        )
        return ValueTarget(key, conversion.factor, series_token(key))


def _conversions(
    medium: catalogue.Medium, factor_units: Mapping[str, str]
) -> tuple[dict[str, FactorConversion], dict[str, str]]:
    conversions: dict[str, FactorConversion] = {}
    problems: dict[str, str] = {}
    for parameter in catalogue.for_medium(medium):
        device_unit = factor_units.get(parameter.code, parameter.default_unit)
        try:
            factor = conversion_factor(device_unit, parameter.canonical_unit)
        except UnitError as error:
            problems[parameter.code] = str(error)
            continue
        conversions[parameter.code] = FactorConversion(factor, device_unit, parameter.canonical_unit)
    return conversions, problems


def load_profiles(session: Session, mn: str | None = None) -> dict[str, DeviceProfile]:
    """Read the device registry (all devices, or the one with ``mn``) into profiles by MN."""
    query = select(Device, Outlet.kind).outerjoin(
        Outlet, (Device.source_type == SourceType.OUTLET) & (Outlet.id == Device.source_id)
    )
    if mn is not None:
        query = query.where(Device.mn == mn)
    profiles: dict[str, DeviceProfile] = {}
    for device, outlet_kind in session.execute(query):
        medium = outlet_medium(outlet_kind) if outlet_kind is not None else PLACE_MEDIUM[device.source_type]
        conversions, problems = _conversions(medium, device.factor_units or {})
        profiles[device.mn] = DeviceProfile(
            device_id=device.id,
            mn=device.mn,
            password=device.password,
            active=device.active,
            dialect=DIALECT_OF_VERSION[RegistryProtocolVersion(device.protocol_version)],
            crc_policy=CrcPolicy(RegistryCrcPolicy(device.crc_policy).value),
            source_type=SourceType(device.source_type),
            source_id=device.source_id,
            medium=medium,
            conversions=conversions,
            unit_problems=problems,
        )
    return profiles
