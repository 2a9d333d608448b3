"""HJ/T 212-2005 factor codes ↔ HJ 212-2017 codes, from the parameter catalogue.

The mapping is the 原编码 column of HJ 212-2017 Tables B.1 and B.2, as held by
:mod:`ecogov.registry.catalogue`; this module only indexes it by system code (ST).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

from ecogov.registry.catalogue import PARAMETERS, Medium

__all__ = [
    "FACTOR_CODE_2017",
    "code_letter_for",
    "legacy_code_for",
    "translate_legacy_code",
]

#: Shape of an HJ 212-2017 factor code: one lower-case letter and five digits.
FACTOR_CODE_2017: Final = re.compile(r"[a-z]\d{5}")

#: The letter that Appendix B puts before the digits, by the medium of the system code.
_LETTER_BY_MEDIUM: Final[Mapping[Medium, str]] = {
    Medium.AMBIENT_AIR: "a",
    Medium.FLUE_GAS: "a",
    Medium.SURFACE_WATER: "w",
    Medium.SEAWATER: "w",
    Medium.WASTEWATER: "w",
}


def _media_by_system_code() -> dict[str, tuple[Medium, ...]]:
    table: dict[str, tuple[Medium, ...]] = {}
    for medium in Medium:
        table[medium.system_code] = (*table.get(medium.system_code, ()), medium)
    return table


_MEDIA: Final = _media_by_system_code()
_TO_2017: Final[Mapping[Medium, Mapping[str, str]]] = {
    medium: {
        parameter.legacy_code_2005: parameter.code
        for parameter in PARAMETERS
        if parameter.medium is medium and parameter.legacy_code_2005
    }
    for medium in Medium
}
_TO_2005: Final[Mapping[Medium, Mapping[str, str]]] = {
    medium: {code: legacy for legacy, code in table.items()} for medium, table in _TO_2017.items()
}


def _unique(candidates: set[str]) -> str | None:
    return next(iter(candidates)) if len(candidates) == 1 else None


def translate_legacy_code(code: str, system_code: str | None) -> str | None:
    """Translate an HJ/T 212-2005 factor code into its HJ 212-2017 code.

    Parameters
    ----------
    code : str
        The code as received (``011``, ``B01``, ``02``, ``S01`` …).
    system_code : str or None
        ST of the packet; it selects the medium (``32`` wastewater, ``31`` flue gas …). When
        it names no catalogued medium, every medium is searched and a unique answer is used.

    Returns
    -------
    str or None
        The 2017 code, or None when the catalogue has no unique translation.

    References
    ----------
    HJ 212-2017 Appendix B, Tables B.1 and B.2, column 原编码.
    """
    media = _MEDIA.get(system_code or "") or tuple(Medium)
    return _unique({_TO_2017[m][code] for m in media if code in _TO_2017[m]})


def legacy_code_for(code: str, system_code: str | None) -> str | None:
    """The HJ/T 212-2005 code of an HJ 212-2017 factor code (inverse of the above)."""
    media = _MEDIA.get(system_code or "") or tuple(Medium)
    return _unique({_TO_2005[m][code] for m in media if code in _TO_2005[m]})


def code_letter_for(system_code: str | None) -> str | None:
    """The Appendix B letter (``w`` water, ``a`` air) for the medium of ``system_code``."""
    letters = {_LETTER_BY_MEDIUM[m] for m in _MEDIA.get(system_code or "", ())}
    return _unique(letters)
