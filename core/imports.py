"""The import pipeline (DESIGN §9): upload a CSV or XLSX, validate every row, import all or nothing.

An importer declares its columns and how to save valid rows:

    @register
    class FxRateImporter(Importer):
        kind = "fx_rates"
        label = _("FX rates")
        roles = {Role.FINANCE}
        columns = [Column("date", parse_date), Column("rate", parse_decimal), ...]

        def save(self, rows, batch): ...   # inside one transaction, set-based

`core.import_batches.import_batch_create` stores the upload and queues `import_batch_run` (a
Celery task with progress). An importer of large files subclasses `StagedImporter` instead: it
COPYs the file into a staging table (`copy_csv`), validates and stores it with set-based SQL in its
`load`, all or nothing. This module never imports the tasks that run it, so the two do not form a
cycle.
"""

from __future__ import annotations

import abc
import contextlib
import csv
import datetime
import io
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import psycopg2
from django.core.exceptions import ValidationError
from django.db import DataError, transaction
from django.db.backends.utils import CursorWrapper
from django.utils import timezone
from django.utils.translation import gettext as _

from .jobs import job_failed, job_kind, job_progress, job_started, job_succeeded
from .models import ImportBatch, ImportStatus

MAX_REPORTED_ERRORS = 1000
PROGRESS_EVERY = 5000


@dataclass(frozen=True)
class Column:
    name: str
    parse: Callable[[str], Any] = str
    required: bool = True
    help: str = ""


class RowError(Exception):
    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column = column
        self.message = message


# --- cell parsers: raise ValueError with a readable message --------------------------------
def parse_text(value: str) -> str:
    return value.strip()


def parse_decimal(value: str) -> Decimal:
    try:
        number = Decimal(value.replace(",", "").strip())
    except InvalidOperation as exc:
        raise ValueError(_("“%(value)s” is not a number.") % {"value": value}) from exc
    if not number.is_finite():
        raise ValueError(_("“%(value)s” is not a number.") % {"value": value})
    return number


def parse_int(value: str) -> int:
    try:
        return int(value.strip())
    except ValueError as exc:
        raise ValueError(_("“%(value)s” is not a whole number.") % {"value": value}) from exc


def parse_date(value: str) -> datetime.date:
    text = value.strip()[:10]
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(_("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": value}) from exc


def parse_currency(value: str) -> str:
    from .money import MINOR_UNITS

    code = value.strip().upper()
    if code not in MINOR_UNITS:
        raise ValueError(_("“%(value)s” is not a supported currency.") % {"value": value})
    return code


class Importer(abc.ABC):
    kind: str = ""
    label: Any = ""
    roles: frozenset[str] = frozenset()
    columns: list[Column] = []
    description: Any = ""

    def can_use(self, user) -> bool:
        return bool(user.is_authenticated and (user.is_admin or user.role in self.roles))

    def clean_row(self, row: dict[str, Any]) -> dict[str, Any]:
        """Cross-column checks on one parsed row; raise RowError. Default: no extra checks."""
        return row

    @abc.abstractmethod
    def save(self, rows: list[dict[str, Any]], batch: ImportBatch) -> int:
        """Store the valid rows (called once, inside a transaction); return how many were stored."""

    # --- the generic run: parse, validate every row, then save all in one transaction ------
    def run(
        self, batch: ImportBatch, report: Callable[[int, int | None], None]
    ) -> tuple[int, list[dict]]:
        errors: list[dict] = []
        rows: list[dict[str, Any]] = []
        error_total = 0
        count = 0
        for count, (line, raw) in enumerate(read_table(batch.file.path, self.columns), start=1):
            try:
                parsed = self.parse_row(raw)
                rows.append(self.clean_row(parsed) | {"_line": line})
            except RowError as exc:
                error_total += 1
                if len(errors) < MAX_REPORTED_ERRORS:
                    errors.append({"row": line, "column": exc.column, "message": exc.message})
            if count % PROGRESS_EVERY == 0:
                report(count, None)
        batch.row_count = count
        if error_total:
            batch.error_count = error_total
            return 0, errors
        if count == 0:
            return 0, [{"row": 1, "column": "", "message": _("The file has no data rows.")}]
        with transaction.atomic():
            saved = self.save(rows, batch)
        return saved, []

    def parse_row(self, raw: dict[str, str]) -> dict[str, Any]:
        parsed: dict[str, Any] = {}
        for column in self.columns:
            value = (raw.get(column.name) or "").strip()
            if not value:
                if column.required:
                    raise RowError(column.name, _("This value is required."))
                parsed[column.name] = None
                continue
            try:
                parsed[column.name] = column.parse(value)
            except (ValueError, ValidationError) as exc:
                message = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
                raise RowError(column.name, message) from exc
        return parsed


class FileFormatError(Exception):
    pass


def _normalise_header(cell: Any) -> str:
    return str(cell or "").strip().lower().replace(" ", "_")


def read_table(path: str, columns: list[Column]) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, {column: text}) from a CSV or XLSX file; the first row is the header."""
    suffix = Path(path).suffix.lower()
    rows = _read_xlsx(path) if suffix == ".xlsx" else _read_csv(path)
    try:
        header = [_normalise_header(c) for c in next(rows)]
    except StopIteration as exc:
        raise FileFormatError(_("The file is empty.")) from exc
    missing = [c.name for c in columns if c.required and c.name not in header]
    if missing:
        raise FileFormatError(_("Missing column(s): %(cols)s.") % {"cols": ", ".join(missing)})
    for line, values in enumerate(rows, start=2):
        if not any(str(v or "").strip() for v in values):
            continue
        yield (
            line,
            {
                name: _cell_text(values[i]) if i < len(values) else ""
                for i, name in enumerate(header)
            },
        )


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value) if not value.is_integer() else str(int(value))
    return str(value)


def _read_csv(path: str) -> Iterator[list[str]]:
    raw = Path(path).read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileFormatError(_("The file is not UTF-8 or GB18030 text."))
    dialect = csv.excel
    with contextlib.suppress(csv.Error):
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    yield from csv.reader(io.StringIO(text), dialect)


def _read_xlsx(path: str) -> Iterator[list[Any]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise FileFormatError(
            _("The spreadsheet could not be read: %(error)s") % {"error": exc}
        ) from exc
    try:
        for row in workbook.worksheets[0].iter_rows(values_only=True):
            yield list(row)
    finally:
        workbook.close()


# --- staged imports: COPY into a staging table, validate and store with set-based SQL ------
def staged_header(line: str, *, columns: Sequence[str], optional: Collection[str]) -> list[str]:
    """The columns of a CSV header line, in file order; refuses unknown and missing columns."""
    cells = next(csv.reader([line]))
    header = [_normalise_header(c) for c in cells]
    unknown = [c for c in header if c not in columns]
    if unknown:
        raise FileFormatError(_("Unknown column(s): %(cols)s.") % {"cols": ", ".join(unknown)})
    missing = [c for c in columns if c not in header and c not in optional]
    if missing:
        raise FileFormatError(_("Missing column(s): %(cols)s.") % {"cols": ", ".join(missing)})
    return header


def copy_csv(
    cursor: CursorWrapper, *, table: str, header: Sequence[str], stream: io.TextIOBase
) -> None:
    """COPY the rest of a CSV stream into `table`'s `header` columns; a file PostgreSQL cannot
    read as CSV is a `FileFormatError`. `table` and `header` are constant or checked names."""
    try:
        cursor.copy_expert(
            f"COPY {table} ({', '.join(header)}) FROM STDIN WITH (FORMAT csv)", stream, 1 << 20
        )
    except (DataError, psycopg2.DataError, UnicodeDecodeError) as exc:
        raise FileFormatError(
            _("The file could not be read as CSV: %(error)s") % {"error": str(exc).splitlines()[0]}
        ) from exc


def staged_errors(found: Sequence[tuple[int, str]], messages: dict[str, str]) -> list[dict]:
    """Report rows of `(staged row number, "column:code")` as the pipeline's errors: the file's
    line (the header is line 1) and the message of the code."""
    errors = []
    for row_no, error in found:
        column, code = error.split(":")
        errors.append({"row": row_no + 1, "column": column, "message": messages[code]})
    return errors


def rows_as_csv(rows: list[dict[str, Any]], columns: Sequence[str]) -> io.StringIO:
    """Parsed rows written back as a CSV stream with a header, for the staging path."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else str(row.get(c)) for c in columns])
    out.seek(0)
    return out


def _spreadsheet_cell(value: Any) -> str:
    """A spreadsheet cell as the CSV text the checks expect; a date cell as YYYY-MM-DD."""
    if value is None:
        return ""
    # Spreadsheets store dates as date-times at midnight.
    if isinstance(value, datetime.datetime) and value.time() == datetime.time(0):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def open_as_csv(path: str) -> io.TextIOBase:
    """An uploaded file as a CSV text stream: an XLSX file's first sheet converted, a CSV file
    opened as UTF-8 (a byte-order mark skipped). The caller closes it."""
    if Path(path).suffix.lower() != ".xlsx":
        return open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115
    out = io.StringIO()
    writer = csv.writer(out)
    for values in _read_xlsx(path):
        writer.writerow([_spreadsheet_cell(v) for v in values])
    out.seek(0)
    return out


class StagedImporter(Importer):
    """An import validated and stored in SQL through a staging table, all or nothing.

    A subclass declares `stage_columns` (and `optional_columns`) and implements `load`, which
    COPYs a CSV stream (`staged_header`, `copy_csv`), validates it and stores it.
    """

    stage_columns: list[str] = []
    optional_columns: frozenset[str] = frozenset()

    @property
    def columns(self) -> list[Column]:  # type: ignore[override]
        return [
            Column(name, parse_text, required=name not in self.optional_columns)
            for name in self.stage_columns
        ]

    @abc.abstractmethod
    def load(
        self,
        stream: io.TextIOBase,
        *,
        batch_id: int | None,
        report: Callable[[int, int | None], None] | None = None,
    ) -> tuple[int, int, list[dict]]:
        """Stage, validate and store a CSV stream inside the caller's transaction; returns (rows
        read, rows stored, errors). With errors nothing is stored and the caller rolls back."""

    def stored(self, saved: int) -> None:
        """Called once `saved` rows are stored, after the import's transaction. Default: nothing."""

    def run(
        self, batch: ImportBatch, report: Callable[[int, int | None], None]
    ) -> tuple[int, list[dict]]:
        stream = open_as_csv(batch.file.path)
        try:
            with transaction.atomic():
                count, saved, errors = self.load(stream, batch_id=batch.pk, report=report)
                if errors:
                    transaction.set_rollback(True)
        finally:
            stream.close()
        batch.row_count = count
        batch.error_count = len(errors)
        if saved:
            self.stored(saved)
        return saved, errors

    def save(self, rows: list[dict[str, Any]], batch) -> int:
        """Store already-parsed rows through the same staging path (used by the demo data)."""
        _count, saved, errors = self.load(
            rows_as_csv(rows, self.stage_columns), batch_id=batch.pk if batch else None
        )
        if errors:
            raise ValueError(errors[0]["message"])
        return saved


# --- registry ------------------------------------------------------------------------------
_IMPORTERS: dict[str, Importer] = {}


def register(cls: type[Importer]) -> type[Importer]:
    _IMPORTERS[cls.kind] = cls()
    # An import's job (its report of rows) is for the people allowed to run that import.
    job_kind(f"import.{cls.kind}", roles=cls.roles)
    return cls


def importer_for(kind: str) -> Importer | None:
    return _IMPORTERS.get(kind)


def importers_for(user) -> list[Importer]:
    return sorted((i for i in _IMPORTERS.values() if i.can_use(user)), key=lambda i: str(i.label))


# --- services ------------------------------------------------------------------------------
# Not atomic as a whole: progress is committed while rows are read; the rows are saved atomically.
def import_batch_run(batch_id: int) -> ImportBatch:
    """Validate and import one batch. Re-running a finished batch does nothing (idempotent)."""
    batch = ImportBatch.objects.select_related("job").get(pk=batch_id)
    if batch.status in (ImportStatus.IMPORTED, ImportStatus.REJECTED):
        return batch
    importer = importer_for(batch.kind)
    job = batch.job
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.VALIDATING)
    if job:
        job_started(job)

    def report(done: int, total: int | None) -> None:
        if job:
            job_progress(job, done=done, total=total, message=_("%(n)s rows read") % {"n": done})

    try:
        saved, errors = importer.run(batch, report)
    except FileFormatError as exc:
        saved, errors = 0, [{"row": 1, "column": "", "message": str(exc)}]
    batch.errors = errors
    batch.error_count = max(batch.error_count, len(errors))
    batch.imported_count = saved
    batch.status = ImportStatus.REJECTED if errors else ImportStatus.IMPORTED
    batch.finished_at = timezone.now()
    batch.save(
        update_fields=[
            "errors",
            "error_count",
            "imported_count",
            "row_count",
            "status",
            "finished_at",
        ]
    )
    if job:
        if errors:
            job_failed(
                job, message=_("%(n)s error(s); nothing was imported.") % {"n": batch.error_count}
            )
        else:
            job_succeeded(
                job, result={"imported": saved}, message=_("%(n)s rows imported.") % {"n": saved}
            )
    return batch
