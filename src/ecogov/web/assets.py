"""The workspace's static files: content-hashed URLs, long caching and precompressed bodies.

A page links a file as ``/static/web/<path>?v=<hash>`` (:func:`static_url`), the first
12 hex digits of the SHA-256 of its content. A request naming the current hash may be cached
for a year (``immutable``): a changed file gets a new URL. A request without it, or with an old
one, is answered with ``no-cache`` (revalidated by its ETag). Text files (scripts, style sheets,
SVG, JSON) are gzip-compressed once per version and sent compressed to clients that accept it.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from fastapi import HTTPException
from fastapi.responses import Response

STATIC_DIR: Final = Path(__file__).parent / "static"
LONG_CACHE: Final = "public, max-age=31536000, immutable"
REVALIDATE: Final = "no-cache"
COMPRESSED_TYPES: Final[dict[str, str]] = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".json": "application/json",
}
"""Media types of the files worth compressing (images and fonts are compressed already)."""


@dataclass(frozen=True, slots=True)
class StaticFile:
    """One version of a static file: its bytes, their gzip form and the content hash."""

    body: bytes
    gzipped: bytes | None
    version: str
    media_type: str | None


_lock = threading.Lock()
_files: dict[Path, tuple[int, int, StaticFile]] = {}


def _resolve(path: str) -> Path:
    target = (STATIC_DIR / path).resolve()
    if not target.is_relative_to(STATIC_DIR.resolve()) or not target.is_file():
        raise HTTPException(404, f"path={path!r}: no such static file")
    return target


def _load(target: Path) -> StaticFile:
    """The file's current version (read again when its size or modification time changed)."""
    stat = target.stat()
    with _lock:
        known = _files.get(target)
        if known is not None and known[:2] == (stat.st_mtime_ns, stat.st_size):
            return known[2]
    body = target.read_bytes()
    media_type = COMPRESSED_TYPES.get(target.suffix)
    loaded = StaticFile(
        body=body,
        gzipped=gzip.compress(body, compresslevel=9, mtime=0) if media_type else None,
        version=hashlib.sha256(body).hexdigest()[:12],
        media_type=media_type,
    )
    with _lock:
        _files[target] = (stat.st_mtime_ns, stat.st_size, loaded)
    return loaded


def static_url(path: str) -> str:
    """URL of a file under ``static/`` with its content hash, e.g. ``/static/web/js/common.js?v=…``."""
    return f"/static/web/{path}?v={_load(_resolve(path)).version}"


def generated_version(body: str) -> str:
    """Content hash of a generated file (e.g. the standards' colours), as :func:`static_url` gives."""
    return hashlib.sha256(body.encode()).hexdigest()[:12]


def static_response(path: str, version: str | None, accept_encoding: str, if_none_match: str) -> Response:
    """The file at ``path`` under ``static/``; 404 naming the path when there is none.

    Parameters
    ----------
    path : str
        Path under ``static/``.
    version : str or None
        The ``v`` the URL carried: cached for a year when it is the current content hash.
    accept_encoding : str
        The request's ``Accept-Encoding``: ``gzip`` in it gets the compressed body.
    if_none_match : str
        The request's ``If-None-Match``: the current ETag in it is answered 304 without a body.
    """
    found = _load(_resolve(path))
    etag = f'"{found.version}"'
    headers = {
        "Cache-Control": LONG_CACHE if version == found.version else REVALIDATE,
        "ETag": etag,
        "Vary": "Accept-Encoding",
    }
    if etag in if_none_match:
        return Response(status_code=304, headers=headers)
    media_type = found.media_type or mimetypes.guess_type(path)[0] or "application/octet-stream"
    if found.gzipped is not None and "gzip" in accept_encoding.lower():
        headers["Content-Encoding"] = "gzip"
        return Response(found.gzipped, media_type=media_type, headers=headers)
    return Response(found.body, media_type=media_type, headers=headers)
