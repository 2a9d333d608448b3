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

from ecogov.ingest.devices import DeviceProfile
from ecogov.monitoring.models import Interval, Statistic
from ecogov.monitoring.store import SeriesKey
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

StoredValue = tuple[SeriesKey, int, float, str]
"""(series key, period start in UTC epoch seconds, value in the canonical unit, data flag)."""


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
    interval = UPLOAD_INTERVALS.get(packet.command_code)
    decoded = DecodedPacket(data_time=data_time)
    if interval is None or data_time is None:
        return decoded
    for factor, fields in parameters.factors.items():
        conversion = profile.conversions.get(factor)
        if conversion is None:
            reason = profile.unit_problems.get(factor, f"not a {profile.medium.value} parameter")
            decoded.skipped.append(f"{factor}: {reason}")
            continue
        flag = (fields.get("Flag") or DEFAULT_FLAG)[:2]
        scale = conversion.factor
        for suffix, text in fields.items():
            statistic = SUFFIX_STATISTICS.get(suffix)
            if statistic is None:
                continue
            value = finite_number(text)
            if value is None:
                decoded.skipped.append(f"{factor}-{suffix}={text!r}: not a finite number")
                continue
            key = profile.series_key(factor, interval, statistic)
            decoded.values.append((key, data_time, value * scale, flag))
    return decoded
