"""The one writer of CSV and XLSX exports, and the registry of list exports (DESIGN §8.1).

Exported text often comes from people outside the vendor (a partner's legal name typed into the
public application form, a description, an import's cell): a spreadsheet would run text that starts
with = + - @ (or a tab or carriage return before one) as a formula. Every export goes through
`export_cell`, which turns such text into plain text with a leading quote; numbers, dates and
Decimals are left as they are, so a negative amount stays a number.

Every list registers its export here (`export_register`, from the app's `exports.py`): how to
rebuild exactly what the list shows from a user and the list's query string. Small results are
written while the user waits (`export_response`); larger ones run as a job
(`core.export_jobs`).
"""

from __future__ import annotations

import csv
import datetime
import functools
import io
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext as _

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {"csv": CSV_CONTENT_TYPE, "xlsx": XLSX_CONTENT_TYPE}
# Up to this many rows the file is written while the user waits; more run as a job.
EXPORT_SYNC_MAX_ROWS = 2_000
# Rows read, masked, audited and written at a time.
EXPORT_CHUNK_ROWS = 1_000


def export_cell(value: Any) -> Any:
    """A value as it may go into a spreadsheet: text a spreadsheet would run is quoted; an aware
    time becomes the reader's local time (spreadsheets know no time zones)."""
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None, microsecond=0)
    return value


@functools.lru_cache(maxsize=512)
def _choice_labels(model: type, field_name: str, language: str | None) -> dict[Any, str]:
    return {value: str(label) for value, label in model._meta.get_field(field_name).flatchoices}


def export_choice(obj: Any, field_name: str) -> str:
    """What `get_<field>_display()` shows, looked up once per language: Django's own display
    hashes every lazy choice label on each call, most of an export's time over many rows."""
    value = getattr(obj, field_name)
    return _choice_labels(type(obj), field_name, get_language()).get(value, value)


def export_row(row: Iterable[Any]) -> list[Any]:
    return [export_cell(value) for value in row]


def csv_write(target, rows: Iterable[Sequence[Any]], *, bom: bool = True) -> None:
    """Write neutralised rows to a text stream (a UTF-8 BOM first, so Excel reads Chinese)."""
    if bom:
        target.write("\ufeff")
    writer = csv.writer(target)
    for row in rows:
        writer.writerow(export_row(row))


def csv_bytes(rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    csv_write(buffer, rows)
    return buffer.getvalue().encode("utf-8")


def _sheet_title(title: str) -> str:
    # Excel refuses sheet titles longer than 31 characters or holding []:*?/\
    return "".join(c for c in str(title) if c not in "[]:*?/\\")[:31] or "Sheet"


def xlsx_write(target: IO[bytes], rows: Iterable[Sequence[Any]], *, sheet_title: str = "") -> None:
    """One worksheet of neutralised rows, written row by row (openpyxl's write-only mode keeps
    memory flat); numbers and Decimals stay numeric cells."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_sheet_title(sheet_title))
    for row in rows:
        sheet.append(export_row(row))
    workbook.save(target)


def xlsx_bytes(rows: Iterable[Sequence[Any]], *, sheet_title: str = "") -> bytes:
    buffer = io.BytesIO()
    xlsx_write(buffer, rows, sheet_title=sheet_title)
    return buffer.getvalue()


def csv_response(rows: Iterable[Sequence[Any]], *, filename: str) -> HttpResponse:
    """A CSV download written row by row as `rows` is iterated."""
    response = HttpResponse(content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    csv_write(response, rows)
    return response


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_stream(rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    """Neutralised CSV lines as they are produced, for a streaming response."""
    writer = csv.writer(_Echo())
    yield "\ufeff".encode()
    for row in rows:
        yield writer.writerow(export_row(row)).encode("utf-8")


# --- the registry of list exports -------------------------------------------------------------
@dataclass(frozen=True)
class ExportRows:
    """The rows of one export: the records the list shows, filtered and ordered as on its page,
    how one record becomes a row, and what each chunk of records passes through before it is
    written (e.g. masking customer data and logging the read: `prepare(records, door=, format=)`).
    """

    records: QuerySet
    row: Callable[[Any], Sequence[Any]]
    prepare: Callable[..., list] | None = None


@dataclass(frozen=True)
class ListExport:
    """One list's export: its key (the URL's), title, column headers and how to rebuild its rows
    from a user and the list's query string (`rows_for`, which raises `ValidationError` with field
    messages on bad filters). `roles` limits who may export (administrators always may; None:
    whoever may see the list, which `rows_for` scopes); `allowed` is a finer rule of the app."""

    key: str
    title: Any
    columns: Sequence[Any]
    rows_for: Callable[[Any, Mapping[str, Any]], ExportRows]
    roles: frozenset[str] | None = None
    allowed: Callable[[Any], bool] | None = field(default=None)

    def allows(self, user) -> bool:
        if not getattr(user, "is_authenticated", False):
            return False
        if self.roles is not None and not (user.is_admin or user.role in self.roles):
            return False
        return self.allowed is None or bool(self.allowed(user))

    def header(self) -> list[str]:
        return [str(column) for column in self.columns]

    def filename(self, export_format: str) -> str:
        return f"{self.key}-{timezone.localdate():%Y%m%d}.{export_format}"


_EXPORTS: dict[str, ListExport] = {}


def export_register(
    key: str,
    *,
    rows_for: Callable[[Any, Mapping[str, Any]], ExportRows],
    columns: Sequence[Any],
    title: Any,
    roles: Iterable[str] | None = None,
    allowed: Callable[[Any], bool] | None = None,
) -> ListExport:
    """Register a list's export under `key` (a slug, unique across the apps)."""
    if key in _EXPORTS and _EXPORTS[key].rows_for is not rows_for:
        raise ValueError(f"export {key!r} is registered twice")
    export = ListExport(
        key=key,
        title=title,
        columns=tuple(columns),
        rows_for=rows_for,
        roles=frozenset(roles) if roles is not None else None,
        allowed=allowed,
    )
    _EXPORTS[key] = export
    return export


def export_get(key: str) -> ListExport | None:
    return _EXPORTS.get(key)


def export_keys() -> list[str]:
    return sorted(_EXPORTS)


def exports_for(user) -> list[ListExport]:
    return [export for export in _EXPORTS.values() if export.allows(user)]


def export_chunks(
    rows: ExportRows, *, door: str, export_format: str, chunk: int | None = None
) -> Iterator[list[Sequence[Any]]]:
    """The export's rows, a chunk at a time: each chunk's records are read with one server-side
    cursor, passed through `prepare` (masking, the audit of the read) and turned into rows."""
    chunk = chunk or EXPORT_CHUNK_ROWS
    records = rows.records.iterator(chunk_size=chunk)
    while batch := list(islice(records, chunk)):
        if rows.prepare is not None:
            batch = rows.prepare(batch, door=door, export_format=export_format)
        yield [rows.row(record) for record in batch]


def export_response(
    export: ListExport, rows: ExportRows, *, export_format: str, door: str
) -> HttpResponse | StreamingHttpResponse:
    """A small export written while the user waits: CSV streamed, XLSX written in write-only mode.
    The records are read (and their read audited) before the first byte goes out."""
    body = [
        row
        for batch in export_chunks(rows, door=door, export_format=export_format)
        for row in batch
    ]
    lines = [export.header(), *body]
    disposition = f'attachment; filename="{export.filename(export_format)}"'
    if export_format == "csv":
        response = StreamingHttpResponse(csv_stream(lines), content_type=CSV_CONTENT_TYPE)
    else:
        response = HttpResponse(
            xlsx_bytes(lines, sheet_title=str(export.title)), content_type=XLSX_CONTENT_TYPE
        )
    response["Content-Disposition"] = disposition
    return response


def export_filters_clean(form) -> dict[str, Any]:
    """The cleaned filters of a list's filter form, or `ValidationError` with its field messages:
    an export never silently widens to more than the user asked for."""
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    return form.cleaned_data


def export_choice_clean(params: Mapping[str, Any], name: str, choices: Iterable[str]) -> str:
    """One single-choice filter of a list: blank, or one of `choices` (a field message otherwise)."""
    value = params.get(name) or ""
    if value and value not in set(choices):
        raise ValidationError(
            {
                name: [
                    _("Select a valid choice. %(value)s is not one of the available choices.")
                    % {"value": value[:50]}
                ]
            }
        )
    return value


def export_list_rows(definition, *, user, params: Mapping[str, Any]):
    """Exactly the rows a framework list (`core.lists.ListDefinition`) shows for these query
    parameters, filtered and sorted; bad filters raise `ValidationError` with field messages."""
    filterset = definition.filterset_for(user=user, params=params)
    export_filters_clean(filterset.form)
    return filterset.qs


def export_filters_of(params: Mapping[str, Any]) -> dict[str, str]:
    """The filters asked, as text (for the read audit of customer data)."""
    return {
        key: ",".join(params.getlist(key)) if hasattr(params, "getlist") else str(params[key])
        for key in params
        if key not in ("page", "after", "page_size", "format", "export")
    }
