"""The language of a page: Chinese first, English on request (``?lang=en`` or a cookie)."""

from __future__ import annotations

from typing import Final, Literal

from fastapi import HTTPException, Request

from ecogov.choices import LabelledChoice

Language = Literal["zh", "en"]
LANGUAGES: Final[tuple[Language, ...]] = ("zh", "en")
LANGUAGE_COOKIE: Final = "ecogov_lang"
"""Cookie that remembers the language chosen with the switch in the header."""


def page_language(request: Request) -> Language:
    """The language asked for by ``?lang=``, else the cookie, else Chinese.

    Raises
    ------
    HTTPException
        422 when ``lang`` is neither ``zh`` nor ``en``, naming the value.
    """
    asked = request.query_params.get("lang")
    if asked is not None:
        if asked not in LANGUAGES:
            raise HTTPException(422, f"lang={asked!r} is not offered; use zh or en")
        return "en" if asked == "en" else "zh"
    return "en" if request.cookies.get(LANGUAGE_COOKIE) == "en" else "zh"


def label(choice: LabelledChoice | None, language: Language) -> str:
    """The label of an enumeration member in the page's language ('' for ``None``)."""
    if choice is None:
        return ""
    return choice.label_en if language == "en" else choice.label_zh
