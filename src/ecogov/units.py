"""Units of measure and conversions at the edge of ecogov.

Inside ecogov every parameter has one canonical unit (see :mod:`ecogov.registry.catalogue`);
values arriving in another unit are converted once, at ingest or import, with
:func:`conversion_factor`. Units are written as HJ 212 and the standards print them.
"""

from __future__ import annotations

from typing import Final

# Each unit maps to (dimension, factor to the dimension's base unit).
_UNITS: Final[dict[str, tuple[str, float]]] = {
    # mass concentration in gas, base mg/m³
    "mg/m³": ("mass_concentration_gas", 1.0),
    "µg/m³": ("mass_concentration_gas", 1e-3),
    "ng/m³": ("mass_concentration_gas", 1e-6),
    # mass concentration in liquid, base mg/L
    "mg/L": ("mass_concentration_liquid", 1.0),
    "µg/L": ("mass_concentration_liquid", 1e-3),
    "ng/L": ("mass_concentration_liquid", 1e-6),
    # volumetric flow, base m³/h
    "m³/h": ("volume_flow", 1.0),
    "m³/s": ("volume_flow", 3600.0),
    "L/s": ("volume_flow", 3.6),
    "m³/d": ("volume_flow", 1.0 / 24.0),
    # volume, base m³
    "m³": ("volume", 1.0),
    "L": ("volume", 1e-3),
    # mass, base kg
    "kg": ("mass", 1.0),
    "g": ("mass", 1e-3),
    "t": ("mass", 1e3),
    # annual mass, base t/a
    "t/a": ("annual_mass", 1.0),
    "kg/a": ("annual_mass", 1e-3),
    # pressure, base kPa
    "kPa": ("pressure", 1.0),
    "Pa": ("pressure", 1e-3),
    "hPa": ("pressure", 0.1),
    # others with a single unit
    "%": ("fraction_percent", 1.0),
    "°C": ("temperature", 1.0),
    "m/s": ("speed", 1.0),
    "°": ("angle", 1.0),
    "m²": ("area", 1.0),
    "µS/cm": ("conductivity", 1.0),
    "mS/m": ("conductivity", 10.0),
    "dB": ("sound_level", 1.0),
    "NTU": ("turbidity", 1.0),
    "个/L": ("count_per_litre", 1.0),
    "1": ("dimensionless", 1.0),
}

ALIASES: Final[dict[str, str]] = {
    "ug/m3": "µg/m³",
    "μg/m³": "µg/m³",  # Greek mu (U+03BC) written for the micro sign (U+00B5)
    "ug/m³": "µg/m³",
    "mg/m3": "mg/m³",
    "ng/m3": "ng/m³",
    "mg/l": "mg/L",
    "ug/L": "µg/L",
    "ug/l": "µg/L",
    "μg/L": "µg/L",
    "m3/h": "m³/h",
    "m3/s": "m³/s",
    "m3/d": "m³/d",
    "m3": "m³",
    "l/s": "L/s",
    "degC": "°C",
    "℃": "°C",
    "uS/cm": "µS/cm",
    "μS/cm": "µS/cm",
    "pH": "1",
    "-": "1",
    "": "1",
}

KNOWN_UNITS: Final[tuple[str, ...]] = tuple(sorted(_UNITS))


class UnitError(ValueError):
    """A unit that ecogov does not know, or two units that cannot be converted."""


def normalise_unit(unit: str) -> str:
    """Return the canonical spelling of ``unit`` (``ug/m3`` → ``µg/m³``).

    Raises
    ------
    UnitError
        If the unit is unknown; the message lists the known units.
    """
    spelled = ALIASES.get(unit.strip(), unit.strip())
    if spelled not in _UNITS:
        raise UnitError(f"unit={unit!r} is not known; use one of: {', '.join(KNOWN_UNITS)}")
    return spelled


def conversion_factor(from_unit: str, to_unit: str) -> float:
    """Return the factor ``f`` such that ``value_in_to_unit = f * value_in_from_unit``.

    Raises
    ------
    UnitError
        If either unit is unknown or they measure different quantities.
    """
    source, target = normalise_unit(from_unit), normalise_unit(to_unit)
    source_dimension, source_scale = _UNITS[source]
    target_dimension, target_scale = _UNITS[target]
    if source_dimension != target_dimension:
        raise UnitError(f"cannot convert {source!r} ({source_dimension}) to {target!r} ({target_dimension})")
    return source_scale / target_scale
