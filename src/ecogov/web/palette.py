"""Display colours, taken from the standards: AQI levels (HJ 633) and water-quality status.

The AQI colours are the RGB values of HJ 633—2012 Table 2 / HJ 633—2026 Table 1
(:data:`ecogov.standards.aqi.BANDS`). The 2011 water evaluation method names a colour per
status (:data:`ecogov.standards.water.SECTION_STATUS`, blue … red); the shade drawn for each
named colour is chosen here.
"""

from __future__ import annotations

from typing import Final

from ecogov.standards import aqi
from ecogov.standards import water as water_standard

NO_DATA_COLOUR: Final = "#BBBBBB"

WATER_SHADES: Final[dict[str, str]] = {
    "blue": "#3B8BD4",
    "green": "#2F9E44",
    "yellow": "#F2D022",
    "orange": "#F08C00",
    "red": "#D9363E",
}
"""The shade drawn for each colour name of the 2011 method's 水质状况 table."""


def aqi_colour(level: int | None) -> str:
    """Hex colour of AQI level 1–6 (grey when there is no AQI)."""
    if not level:
        return NO_DATA_COLOUR
    return aqi.BANDS[level - 1].colour.hex


def water_colour(water_class: int | None) -> str:
    """Hex colour of a GB 3838 class 1–6 by its 水质状况 (grey when not evaluated)."""
    status = water_standard.SECTION_STATUS.get(water_class or 0)
    return WATER_SHADES[status.colour_en] if status else NO_DATA_COLOUR


def stylesheet() -> str:
    """CSS classes ``aqi-1`` … ``aqi-6`` and ``wq-1`` … ``wq-6`` in the standards' colours."""
    rules = [f".aqi-0, .wq-0 {{ background: {NO_DATA_COLOUR}; }}"]
    for band in aqi.BANDS:
        red, green, blue = band.colour.rgb
        ink = "#000" if (red * 299 + green * 587 + blue * 114) / 1000 > 140 else "#fff"
        rules.append(f".aqi-{band.level} {{ background: {band.colour.hex}; color: {ink}; }}")
    for water_class in range(1, 7):
        colour = water_colour(water_class)
        ink = "#000" if colour in (WATER_SHADES["yellow"], WATER_SHADES["orange"]) else "#fff"
        rules.append(f".wq-{water_class} {{ background: {colour}; color: {ink}; }}")
    return "\n".join(rules) + "\n"
