"""Upload limits: every uploaded file is checked for size and for a type its content confirms."""

from __future__ import annotations

import codecs
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# extension -> accepted leading bytes (None: a text format, checked as decodable text)
SIGNATURES: dict[str, tuple[bytes, ...] | None] = {
    ".pdf": (b"%PDF",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".xlsx": (b"PK\x03\x04",),
    ".docx": (b"PK\x03\x04",),
    ".csv": None,
    ".txt": None,
}
DOCUMENT_TYPES = (".pdf", ".png", ".jpg", ".jpeg", ".docx", ".xlsx")
SPREADSHEET_TYPES = (".csv", ".xlsx")


def _looks_like_text(head: bytes) -> bool:
    """Whether a file's first bytes are UTF-8 or GB18030 text; a character cut at the end of the
    sample is no reason to refuse it."""
    if b"\x00" in head:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)
            return True
        except UnicodeDecodeError:
            continue
    return False


def validate_upload(upload, allowed: tuple[str, ...] = DOCUMENT_TYPES) -> None:
    """Raise ValidationError unless `upload` is small enough and really of an allowed type."""
    name = getattr(upload, "name", "") or ""
    extension = Path(name).suffix.lower()
    if extension not in allowed:
        raise ValidationError(
            _("Files of type %(ext)s are not accepted. Allowed: %(allowed)s."),
            code="file_type",
            params={"ext": extension or "?", "allowed": ", ".join(allowed)},
        )
    size = getattr(upload, "size", 0) or 0
    if size > settings.MAX_UPLOAD_SIZE:
        raise ValidationError(
            _("The file is too large (%(size)s MB); the limit is %(limit)s MB."),
            code="file_size",
            params={"size": round(size / 1048576, 1), "limit": settings.MAX_UPLOAD_SIZE // 1048576},
        )
    if size == 0:
        raise ValidationError(_("The file is empty."), code="file_empty")
    position = upload.tell() if hasattr(upload, "tell") else 0
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(position)
    signatures = SIGNATURES[extension]
    ok = (
        _looks_like_text(head)
        if signatures is None
        else any(head.startswith(sig) for sig in signatures)
    )
    if not ok:
        raise ValidationError(
            _("The file's content does not match its %(ext)s extension."),
            code="file_content",
            params={"ext": extension},
        )


def validate_document(upload) -> None:
    validate_upload(upload, DOCUMENT_TYPES)


def validate_spreadsheet(upload) -> None:
    validate_upload(upload, SPREADSHEET_TYPES)
