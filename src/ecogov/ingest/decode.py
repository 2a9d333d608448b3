"""From a parsed HJ 212 packet to storable values: series, time, canonical value, data flag.

The storage key of a value is (MN, CN, DataTime, factor, suffix) — HJ 212 reference R7 — which
ecogov maps one to one onto (series, time): the MN gives the source, the CN the interval, the
factor the parameter and the suffix the statistic. A retransmitted or back-filled packet
therefore lands on the same rows and never duplicates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from ecogov.ingest.devices import DeviceProfile, ValueTarget
from ecogov.monitoring.models import Interval, Statistic
from ecogov.protocols.hj212 import CommandCode, DataFlag, Packet
from ecogov.protocols.hj212.packet import finite_number

UPLOAD_INTERVALS: Final[Mapping[int, Interval]] = {
    CommandCode.REALTIME_DATA: Interval.REALTIME,
    CommandCode.MINUTE_DATA: Interval.MINUTE,
    CommandCode.HOURLY_DATA: Interval.HOUR,
    CommandCode.DAILY_DATA: Interval.DAY,
}
"""Data uploads whose values ecogov stores, by CN (HJ 212-2017 Appendix C.13–C.46).

2021 (facility state), 2041 (daily running time) and 2081 (logger restart) are archived as
frames but carry no pollutant values."""

SUFFIX_STATISTICS: Final[Mapping[str, Statistic]] = {
    "Rtd": Statistic.VALUE,
    "Avg": Statistic.AVERAGE,
    "Min": Statistic.MINIMUM,
    "Max": Statistic.MAXIMUM,
    "Cou": Statistic.CUMULATIVE,
    "ZsRtd": Statistic.CORRECTED_VALUE,
    "ZsAvg": Statistic.CORRECTED_AVERAGE,
}
"""Field suffixes stored as series (HJ 212-2017 Table 4); others (``SampleTime``, ``EFlag``,
``ZsMin`` …) stay in the archived frame."""

DEFAULT_FLAG: Final = DataFlag.NORMAL.value

StoredValue = tuple[ValueTarget, int, float, str]
"""(where it is stored, period start in UTC epoch seconds, value in the canonical unit, data flag)."""


@dataclass(frozen=True, slots=True)
class DecodedPacket:
    """The values of one data upload, ready for the writer.

    Attributes
    ----------
    data_time : int or None
        ``DataTime`` as UTC epoch seconds.
    values : list of StoredValue
    skipped : list of str
        One sentence per value not stored (unknown factor, unit not convertible, not a number).
    """

    data_time: int | None
    values: list[StoredValue] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def decode_values(packet: Packet, profile: DeviceProfile) -> DecodedPacket:
    """Turn the CP of a data upload into canonical values for ``profile``'s source.

    Parameters
    ----------
    packet : Packet
        A parsed upload whose CN is in :data:`UPLOAD_INTERVALS` (others give no values).
    profile : DeviceProfile
        The registered device that sent it.

    Returns
    -------
    DecodedPacket
        Values in the parameter's canonical unit (device unit × conversion factor). The data
        flag is the factor's ``-Flag`` (Table 8), ``N`` when absent.

    References
    ----------
    HJ 212-2017 §6.3.3 and Table 4 (CP fields, ``DataTime`` is the period start for
    2031/2051/2061 and the sampling instant for 2011), Table 8 (data flags).
    """
    parameters = packet.parameters
    data_time = int(parameters.data_time.timestamp()) if parameters.data_time is not None else None
    command_code = packet.command_code
    interval = UPLOAD_INTERVALS.get(command_code)
    decoded = DecodedPacket(data_time=data_time)
    if interval is None or data_time is None:
        return decoded
    for factor, fields in parameters.factors.items():
        decode_factor(
            profile, factor, fields, command_code, interval, data_time, decoded.values, decoded.skipped
        )
    return decoded


def decode_factor(
    profile: DeviceProfile,
    factor: str,
    fields: Mapping[str, str],
    command_code: int,
    interval: Interval,
    data_time: int,
    values: list[StoredValue],
    skipped: list[str],
) -> None:
    """Append the stored values of one factor of an upload to ``values``, and to ``skipped`` one
    sentence per value that cannot be stored (see :func:`decode_values`).

    Storage targets are cached on the profile by (factor, CN) and suffix, for factors with a
    unit conversion and suffixes that are stored, so a logger cannot grow the cache at will.
    """
    if factor not in profile.conversions:
        reason = profile.unit_problems.get(factor, f"not a {profile.medium.value} parameter")
        skipped.append(f"{factor}: {reason}")
        return
    flag = (fields.get("Flag") or DEFAULT_FLAG)[:2]
    by_suffix = profile.targets.get((factor, command_code))
    if by_suffix is None:
        by_suffix = profile.targets[(factor, command_code)] = {}
    for suffix, text in fields.items():
        target = by_suffix.get(suffix)
        if target is None:
            statistic = SUFFIX_STATISTICS.get(suffix)
            if statistic is None:
                continue
            found = profile.new_target(factor, interval, statistic)
            assert found is not None  # the factor has a conversion
            target = by_suffix[suffix] = found
        value = finite_number(text)
        if value is None:
            skipped.append(f"{factor}-{suffix}={text!r}: not a finite number")
            continue
        values.append((target, data_time, value * target.scale, flag))
