"""The one writer of CSV and XLSX exports (DESIGN §8.1).

Exported text often comes from people outside the vendor (a partner's legal name typed into the
public application form, a description, an import's cell): a spreadsheet would run text that starts
with = + - @ (or a tab or carriage return before one) as a formula. Every export goes through
`export_cell`, which turns such text into plain text with a leading quote; numbers, dates and
Decimals are left as they are, so a negative amount stays a number.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpResponse
from django.utils.functional import Promise

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_cell(value: Any) -> Any:
    """A value as it may go into a spreadsheet: text a spreadsheet would run is quoted."""
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def export_row(row: Iterable[Any]) -> list[Any]:
    return [export_cell(value) for value in row]


def csv_write(target, rows: Iterable[Sequence[Any]]) -> None:
    """Write neutralised rows to a text stream (a UTF-8 BOM first, so Excel reads Chinese)."""
    target.write("\ufeff")
    writer = csv.writer(target)
    for row in rows:
        writer.writerow(export_row(row))


def csv_bytes(rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    csv_write(buffer, rows)
    return buffer.getvalue().encode("utf-8")


def xlsx_bytes(rows: Iterable[Sequence[Any]], *, sheet_title: str = "") -> bytes:
    """One worksheet of neutralised rows; numbers and Decimals stay numeric cells."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    if sheet_title:
        # Excel refuses sheet titles longer than 31 characters or holding []:*?/\
        sheet.title = "".join(c for c in sheet_title if c not in "[]:*?/\\")[:31] or "Sheet"
    for row in rows:
        sheet.append(export_row(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_response(rows: Iterable[Sequence[Any]], *, filename: str) -> HttpResponse:
    """A CSV download written row by row as `rows` is iterated."""
    response = HttpResponse(content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    csv_write(response, rows)
    return response
