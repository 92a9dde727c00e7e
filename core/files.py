"""Stored files (uploads, generated PDFs and zips, exports, job results) through the storage API
only (DESIGN §10): the default storage is a local folder or a private S3-compatible bucket shared
by every web host and worker, so no code here or elsewhere assumes a file is on this machine.

A file leaves the portal only through the scoped view that offers it (`stored_file_response`):
the bucket is private and no page links to it.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import PurePosixPath

from django.db.models.fields.files import FieldFile
from django.http import FileResponse

_COPY_CHUNK = 1 << 20


def stored_file_response(file: FieldFile, *, filename: str) -> FileResponse:
    """Stream a stored file to the browser as an attachment named `filename`; the caller has
    already fetched its record through the user's scope (a 404 otherwise)."""
    return FileResponse(file.open("rb"), as_attachment=True, filename=filename)


@contextlib.contextmanager
def stored_file_local_path(file: FieldFile) -> Iterator[str]:
    """A path on this machine to read a stored file from, for the readers that need one (CSV
    sniffing, openpyxl, COPY): the file itself when the storage is a local folder, otherwise a
    temporary copy read through the storage, with the name's suffix, removed on exit."""
    try:
        local = file.storage.path(file.name)
    except NotImplementedError:
        local = None
    if local is not None:
        yield local
        return
    with tempfile.NamedTemporaryFile(suffix=PurePosixPath(file.name).suffix) as copy:
        with file.storage.open(file.name, "rb") as source:
            shutil.copyfileobj(source, copy, _COPY_CHUNK)
        copy.flush()
        yield copy.name
