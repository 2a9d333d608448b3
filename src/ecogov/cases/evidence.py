"""Evidence files attached to transitions: checked, then kept on disk under their SHA-256.

A file is stored once per content at ``<attachments_dir>/<first two hex digits>/<sha256>``
(written to a temporary name and renamed, so a reader never sees half a file); its metadata —
name, content type, size, digest, who and when — is a :class:`~ecogov.cases.models.CaseAttachment`
row. Content addressing makes a retry after a rolled-back transaction harmless: the file is
already there and is simply referenced again.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from ecogov.cases.errors import CaseError

ALLOWED_CONTENT_TYPES: frozenset[str] = frozenset(
    {
        "application/pdf",
        "image/jpeg",
        "image/png",
        "text/plain",
        "text/csv",
        "video/mp4",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
)
"""Content types accepted as evidence: documents, photos, site video, spreadsheets."""

SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (b"PK\x03\x04",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (b"PK\x03\x04",),
}
"""Leading bytes a file of these content types must start with (a renamed file is refused)."""

MAX_FILENAME_LENGTH = 255


@dataclass(frozen=True, slots=True)
class AttachmentUpload:
    """A file handed in with a transition."""

    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True, slots=True)
class CheckedAttachment:
    """An upload that passed every check, with its digest and clean file name."""

    filename: str
    content_type: str
    content: bytes
    sha256: str

    @property
    def size_bytes(self) -> int:
        """Size of the file, bytes."""
        return len(self.content)


def clean_filename(name: str, position: int) -> str:
    """The last component of ``name`` (either path convention), refused when empty or odd."""
    field = f"attachments[{position}].filename"
    base = PureWindowsPath(PurePosixPath(name).name).name.strip()
    if not base or base in {".", ".."}:
        raise CaseError(field, name, "a file name is required")
    if any(ord(character) < 32 for character in base):
        raise CaseError(field, name, "control characters are not allowed in a file name")
    if len(base) > MAX_FILENAME_LENGTH:
        raise CaseError(field, name, f"longer than {MAX_FILENAME_LENGTH} characters")
    return base


def check_upload(
    upload: AttachmentUpload,
    position: int,
    *,
    max_bytes: int,
    allowed_content_types: frozenset[str] = ALLOWED_CONTENT_TYPES,
) -> CheckedAttachment:
    """Check one upload's name, content type, size and leading bytes.

    Parameters
    ----------
    upload
        The file as received.
    position
        Its index among the transition's attachments (named in refusals).
    max_bytes
        Largest accepted size, bytes.
    allowed_content_types
        Accepted MIME types.

    Raises
    ------
    CaseError
        Naming ``attachments[i].<field>`` and the offending value.
    """
    filename = clean_filename(upload.filename, position)
    content_type = upload.content_type.split(";")[0].strip().lower()
    if content_type not in allowed_content_types:
        raise CaseError(
            f"attachments[{position}].content_type",
            upload.content_type,
            f"not accepted as evidence; accepted: {', '.join(sorted(allowed_content_types))}",
        )
    size = len(upload.content)
    if size == 0:
        raise CaseError(f"attachments[{position}].size_bytes", 0, f"{filename} is empty")
    if size > max_bytes:
        raise CaseError(
            f"attachments[{position}].size_bytes",
            size,
            f"{filename} is larger than the limit of {max_bytes} bytes",
        )
    signatures = SIGNATURES.get(content_type)
    if signatures and not upload.content.startswith(signatures):
        raise CaseError(
            f"attachments[{position}].content_type",
            content_type,
            f"{filename} does not start like a {content_type} file",
        )
    return CheckedAttachment(
        filename, content_type, upload.content, hashlib.sha256(upload.content).hexdigest()
    )


def blob_path(directory: Path, sha256: str) -> Path:
    """Where the file with digest ``sha256`` lies under ``directory``."""
    return directory / sha256[:2] / sha256


def store(directory: Path, attachment: CheckedAttachment) -> Path:
    """Write ``attachment`` under its digest unless it is already there; return its path."""
    path = blob_path(directory, attachment.sha256)
    if path.exists() and path.stat().st_size == attachment.size_bytes:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(attachment.content)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path
