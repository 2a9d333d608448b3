"""Typed errors of the HJ 212 codec.

Every error names the field (or framing part) that is wrong and the value found, so that
the ingest layer can store it next to the quarantined raw frame and an operator can read
it without the hex dump.
"""

from __future__ import annotations

__all__ = [
    "BuildError",
    "CommandParameterError",
    "CrcError",
    "FramingError",
    "HeaderError",
    "Hj212Error",
]


class Hj212Error(ValueError):
    """Base class of every error raised by :mod:`ecogov.protocols.hj212`.

    Parameters
    ----------
    field : str
        The protocol field or framing part that is wrong (``"length"``, ``"CN"``, ``"CRC"`` …).
    value : object
        The value found on the wire (or given to a builder).
    reason : str
        What is wrong with it, in one sentence.
    """

    def __init__(self, field: str, value: object, reason: str) -> None:
        self.field = field
        self.value = value
        self.reason = reason
        super().__init__(f"{field}={value!r}: {reason}")


class FramingError(Hj212Error):
    """The bytes are not one HJ 212 frame (HJ 212-2017 §6.2, Table 2)."""


class CrcError(Hj212Error):
    """The CRC does not match under the device's CRC policy (HJ 212-2017 Appendix A).

    Parameters
    ----------
    expected : str
        The four upper-case hex digits computed over the data segment.
    received : str
        The CRC text found in the frame.
    policy : str
        The CRC policy that refused the frame.
    """

    def __init__(self, expected: str, received: str, policy: str) -> None:
        self.expected = expected
        self.received = received
        self.policy = policy
        super().__init__(
            "CRC",
            received,
            f"expected {expected} (HJ 212 Appendix A CRC of the data segment) under policy {policy!r}",
        )


class HeaderError(Hj212Error):
    """A data-segment header field is missing or malformed (HJ 212-2017 §6.3.2, Table 3)."""


class CommandParameterError(Hj212Error):
    """The ``CP=&&…&&`` command-parameter field cannot be read (HJ 212-2017 §6.3.3)."""


class BuildError(Hj212Error):
    """A builder was given a value the standard does not allow (HJ 212-2017 Table 4)."""
