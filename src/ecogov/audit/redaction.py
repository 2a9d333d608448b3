"""Keep secrets out of log lines, whichever code logs them.

:func:`install_log_redaction` wraps the logging record factory, so every record of every
logger — ecogov's, uvicorn's, SQLAlchemy's, third parties' — is redacted when it is created,
before any handler formats it: HJ 212 device passwords (``PW=…``), API tokens (``ecg_…``),
argon2 hashes and ``password``/``secret``/``token`` values written as ``key=value`` or
``"key": "value"``. SQLAlchemy's DEBUG lines of result rows are replaced as a whole (statement
parameters are already hidden by the engines, see :func:`ecogov.db.engine.make_engine`).
"""

from __future__ import annotations

import logging
import re
from typing import Any, Final

REDACTED: Final = "***"

_PATTERNS: Final[tuple[tuple[re.Pattern[str], str], ...]] = (
    (re.compile(r"(?<![A-Za-z])PW=[^;&\s]*"), f"PW={REDACTED}"),  # HJ 212-2017 §6.3.2 data segment field
    (re.compile(r"ecg_[A-Za-z0-9_\-]{8,}"), f"ecg_{REDACTED}"),
    (re.compile(r"\$argon2(?:id|i|d)\$[^\s'\"]+"), f"$argon2id${REDACTED}"),
    (
        re.compile(
            r"""(?i)(["']?\b(?:password|passwd|new_password|current_password|secret|secret_key|token)\b["']?"""
            r"""\s*[:=]\s*)("[^"]*"|'[^']*'|[^\s,;&)}\]]+)"""
        ),
        rf"\1{REDACTED}",
    ),
)


def redact(text: str) -> str:
    """``text`` with every recognised secret replaced by :data:`REDACTED`."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _is_redacting(factory: Any) -> bool:
    return getattr(factory, "redacts_secrets", False) is True


def install_log_redaction() -> None:
    """Redact every log record from now on (idempotent; reinstalled if the factory was replaced)."""
    original = logging.getLogRecordFactory()
    if _is_redacting(original):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = original(*args, **kwargs)
        if record.name.startswith("sqlalchemy.engine") and str(record.msg).startswith("Row "):
            # SQLAlchemy's DEBUG log of result rows would show any column (a device's PW).
            record.msg, record.args = "Row [values hidden]", None
            return record
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed record: leave it to the handler's error path
            return record
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return record

    factory.redacts_secrets = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
