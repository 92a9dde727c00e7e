"""The import pipeline (DESIGN §9): upload a CSV or XLSX, validate every row, import all or nothing.

An importer declares its columns and how to save valid rows:

    @register
    class FxRateImporter(Importer):
        kind = "fx_rates"
        label = _("FX rates")
        roles = {Role.FINANCE}
        columns = [Column("date", parse_date), Column("rate", decimal_parser(...)), ...]
        key_columns = ("date", "from", "to")   # a key twice in a file with other values: an error

        def save(self, rows, batch): ...   # inside one transaction, set-based

`core.import_batches.import_batch_create` stores the upload and queues `import_batch_run` (a
Celery task with progress). An importer of large files subclasses `StagedImporter` instead: it
COPYs the file into a staging table (`copy_csv`), validates and stores it with set-based SQL in its
`load`, all or nothing. This module never imports the tasks that run it, so the two do not form a
cycle.

Limits (refused early with a message, never a crash; documented in docs/imports.md): rows per file
(`Importer.max_rows`), characters per cell (`MAX_CELL_CHARS`), columns read (`MAX_COLUMNS`), the
decompressed size of an XLSX file (`MAX_XLSX_UNCOMPRESSED`, from the zip's declared sizes before
anything is parsed; Python's zip reader never inflates an entry beyond its declared size) and a
maximum per numeric column (`decimal_parser`). A batch's outcome, its counts and its job's end are
written in the transaction that stores its rows, so a task that dies after that commit, or runs
again, finds the recorded outcome and never imports twice.
"""

from __future__ import annotations

import abc
import codecs
import contextlib
import contextvars
import csv
import datetime
import io
import logging
import re
import zipfile
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

from .files import stored_file_local_path
from .import_jobs import import_stopped_message
from .jobs import job_failed, job_kind, job_progress, job_started, job_succeeded
from .models import ImportBatch, ImportStatus, JobStatus

logger = logging.getLogger(__name__)

MAX_REPORTED_ERRORS = 1000
PROGRESS_EVERY = 5000
# Excel's own limit for the text of one cell.
MAX_CELL_CHARS = 32_767
# Columns read from a spreadsheet row; further columns are ignored (a sheet that declares or
# fills 16,384 columns costs no more than one of this width).
MAX_COLUMNS = 64
# The sum of the declared sizes of an XLSX file's entries once decompressed.
MAX_XLSX_UNCOMPRESSED = 200 * 1024 * 1024
# Data rows per file: the row-by-row importers keep the parsed rows in memory.
MAX_ROWS = 100_000
MAX_STAGED_ROWS = 1_000_000
FINAL_STATUSES = (ImportStatus.IMPORTED, ImportStatus.REJECTED)

# Whether the file being read writes numbers with a decimal comma (a semicolon-separated CSV,
# as Excel saves it where the comma is the decimal mark): set while a file is parsed.
_decimal_comma: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "import_decimal_comma", default=False
)


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


def _shown(value: str, limit: int = 40) -> str:
    """A cell as quoted in a message: a long one cut, so the report stays readable."""
    return value if len(value) <= limit else value[:limit] + "…"


# --- cell parsers: raise ValueError with a readable message --------------------------------
def parse_text(value: str) -> str:
    return value.strip()


_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")
_GROUPED_NUMBER = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")
_COMMA_NUMBER = re.compile(r"[+-]?\d+(,\d+)?")
_COMMA_GROUPED_NUMBER = re.compile(r"[+-]?\d{1,3}(\.\d{3})+(,\d+)?")


def parse_decimal(value: str) -> Decimal:
    """A number written plainly (1234.5), with thousands separators (1,234.5), or, in a file
    whose locale writes a decimal comma, as 1.234,5. Anything else (7,25 in a comma-separated
    file, 1e30, NaN) is refused rather than read as a different number."""
    text = value.strip().replace("\u00a0", "").replace(" ", "")
    if _decimal_comma.get():
        if _COMMA_NUMBER.fullmatch(text) or _COMMA_GROUPED_NUMBER.fullmatch(text):
            text = text.replace(".", "").replace(",", ".")
        else:
            text = ""
    elif _GROUPED_NUMBER.fullmatch(text):
        text = text.replace(",", "")
    if not _PLAIN_NUMBER.fullmatch(text):
        if "," in value and not _decimal_comma.get():
            raise ValueError(
                _(
                    "“%(value)s” is not a number: a comma only separates thousands (1,234.56); "
                    "write the decimals after a point."
                )
                % {"value": _shown(value)}
            )
        raise ValueError(_("“%(value)s” is not a number.") % {"value": _shown(value)})
    try:
        return Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover (the pattern admits only numbers)
        raise ValueError(_("“%(value)s” is not a number.") % {"value": _shown(value)}) from exc


def decimal_parser(
    *, maximum: Decimal | int | str, places: int, minimum: Decimal | int | str | None = None
) -> Callable[[str], Decimal]:
    """A parser of a number column with its documented range and decimals: a value outside them
    is the row's error, never an overflow when it is stored or summed later."""
    high = Decimal(maximum)
    low = -high if minimum is None else Decimal(minimum)

    def parse(value: str) -> Decimal:
        number = parse_decimal(value)
        if number > high or number < low:
            raise ValueError(
                _("“%(value)s” is outside the allowed range (%(low)s to %(high)s).")
                % {"value": _shown(value), "low": f"{low:,}", "high": f"{high:,}"}
            )
        if -number.as_tuple().exponent > places:
            raise ValueError(
                _("“%(value)s” has more than %(places)s decimals.")
                % {"value": _shown(value), "places": places}
            )
        return number

    return parse


def parse_int(value: str) -> int:
    text = value.strip()
    if not re.fullmatch(r"[+-]?\d{1,9}", text):
        raise ValueError(_("“%(value)s” is not a whole number.") % {"value": _shown(value)})
    return int(text)


_ISO_DATE = re.compile(r"(19|20)\d\d-\d\d-\d\d")


def parse_date(value: str) -> datetime.date:
    """A date written YYYY-MM-DD, from 1900 to 2099, and nothing after it."""
    text = value.strip()
    try:
        if not _ISO_DATE.fullmatch(text):
            raise ValueError(text)
        return datetime.date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(
            _("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": _shown(value)}
        ) from exc


def parse_currency(value: str) -> str:
    from .money import MINOR_UNITS

    code = value.strip().upper()
    if code not in MINOR_UNITS:
        raise ValueError(_("“%(value)s” is not a supported currency.") % {"value": _shown(value)})
    return code


class _Rejected(Exception):
    """Rolls back an import transaction whose file has errors."""

    def __init__(self, errors: list[dict]):
        super().__init__("rejected")
        self.errors = errors


class _AlreadyFinished(Exception):
    """Rolls back a second run of a batch that another run finished meanwhile."""


class Importer(abc.ABC):
    kind: str = ""
    label: Any = ""
    roles: frozenset[str] = frozenset()
    columns: list[Column] = []
    description: Any = ""
    # Columns that identify a row: a key twice in one file with other values is an error (never
    # "the last row wins"); a row repeated exactly is read once.
    key_columns: tuple[str, ...] = ()
    max_rows: int = MAX_ROWS

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
        self,
        batch: ImportBatch,
        report: Callable[[int, int | None], None],
        finish: Callable[[int, list[dict]], None],
    ) -> tuple[int, list[dict]]:
        """Read, validate and store the batch's file; `finish(saved, errors)` records the outcome
        inside the transaction that stores the rows."""
        errors: list[dict] = []
        rows: list[dict[str, Any]] = []
        with stored_file_local_path(batch.file) as path:
            token = _decimal_comma.set(uses_decimal_comma(path))
            try:
                count = self._parse_rows(batch, path, report, rows, errors)
            finally:
                _decimal_comma.reset(token)
        error_total = batch.error_count
        batch.row_count = count
        if error_total:
            return 0, errors
        if count == 0:
            return 0, [{"row": 1, "column": "", "message": _("The file has no data rows.")}]
        with transaction.atomic():
            _batch_lock(batch)
            saved = self.save(rows, batch)
            finish(saved, [])
        return saved, []

    def _parse_rows(
        self,
        batch: ImportBatch,
        path: str,
        report: Callable[[int, int | None], None],
        rows: list[dict[str, Any]],
        errors: list[dict],
    ) -> int:
        """Parse and check every row of the batch's file (read at `path`) into `rows` (or
        `errors`); returns the rows read."""
        seen: dict[tuple, tuple[int, dict[str, Any]]] = {}
        error_total = 0
        count = 0
        for count, (line, raw) in enumerate(
            read_table(path, self.columns, max_rows=self.max_rows), start=1
        ):
            try:
                parsed = self.parse_row(raw)
                if self.key_columns:
                    key = tuple(parsed[c] for c in self.key_columns)
                    if key in seen:
                        first_line, first = seen[key]
                        if first != parsed:
                            raise RowError(
                                self.key_columns[-1],
                                _("Row %(row)s has the same %(key)s with other values.")
                                % {"row": first_line, "key": ", ".join(self.key_columns)},
                            )
                        continue
                    seen[key] = (line, parsed)
                rows.append(self.clean_row(parsed) | {"_line": line})
            except RowError as exc:
                error_total += 1
                if len(errors) < MAX_REPORTED_ERRORS:
                    errors.append({"row": line, "column": exc.column, "message": exc.message})
            if count % PROGRESS_EVERY == 0:
                report(count, None)
        batch.error_count = error_total
        return count

    def parse_row(self, raw: dict[str, str]) -> dict[str, Any]:
        parsed: dict[str, Any] = {}
        for column in self.columns:
            value = (raw.get(column.name) or "").strip()
            if len(value) > MAX_CELL_CHARS:
                raise RowError(
                    column.name,
                    _("The cell is longer than %(n)s characters.") % {"n": f"{MAX_CELL_CHARS:,}"},
                )
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


def _too_many_rows(max_rows: int) -> FileFormatError:
    return FileFormatError(
        _("The file has more than %(n)s data rows; split it into smaller files.")
        % {"n": f"{max_rows:,}"}
    )


def read_table(
    path: str, columns: list[Column], *, max_rows: int = MAX_ROWS
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, {column: text}) from a CSV or XLSX file; the first row is the header."""
    suffix = Path(path).suffix.lower()
    rows = _read_xlsx(path, max_rows=max_rows) if suffix == ".xlsx" else _read_csv(path)
    try:
        header = [_normalise_header(c) for c in next(rows)]
    except StopIteration as exc:
        raise FileFormatError(_("The file is empty.")) from exc
    missing = [c.name for c in columns if c.required and c.name not in header]
    if missing:
        raise FileFormatError(_("Missing column(s): %(cols)s.") % {"cols": ", ".join(missing)})
    for line, values in enumerate(rows, start=2):
        if line > max_rows + 1:
            raise _too_many_rows(max_rows)
        if not any(str(v or "").strip() for v in values):
            continue
        yield (
            line,
            {
                name: _cell_text(values[i]) if i < len(values) else ""
                for i, name in enumerate(header)
            },
        )


def uses_decimal_comma(path: str) -> bool:
    """Whether a file writes numbers with a decimal comma: a semicolon-separated CSV file, as
    Excel saves it where the comma is the decimal mark. Spreadsheet cells hold numbers."""
    if Path(path).suffix.lower() == ".xlsx":
        return False
    with open(path, encoding=csv_encoding(path), newline="") as handle:
        return _csv_dialect(handle.read(4096)).delimiter == ";"


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        # Spreadsheet numbers are binary floats: the shortest text that reads back the same,
        # written out (1e+30 as its 31 digits, so that the range check, not the parser, speaks).
        return format(Decimal(repr(value)), "f") if value == value else "NaN"
    return str(value)


_CHUNK = 1 << 20


def csv_encoding(path: str) -> str:
    """The encoding of a CSV file: UTF-8 (a byte-order mark skipped) or else GB18030 (GBK is a
    subset), checked over the whole file in chunks; anything else is a `FileFormatError`."""
    failures = []
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        offset = 0
        try:
            with open(path, "rb") as handle:
                while chunk := handle.read(_CHUNK):
                    decoder.decode(chunk)
                    offset += len(chunk)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            failures.append(offset + exc.start)
            continue
        return encoding
    raise FileFormatError(
        _(
            "The file is neither UTF-8 nor GB18030/GBK text (the byte at position %(pos)s cannot "
            "be read); save it as “CSV UTF-8” and upload it again."
        )
        % {"pos": f"{failures[0]:,}"}
    )


def _csv_dialect(sample: str) -> type[csv.Dialect] | csv.Dialect:
    with contextlib.suppress(csv.Error):
        return csv.Sniffer().sniff(sample, delimiters=",;\t")
    return csv.excel


def _read_csv(path: str) -> Iterator[list[str]]:
    encoding = csv_encoding(path)
    with open(path, encoding=encoding, newline="") as handle:
        dialect = _csv_dialect(handle.read(4096))
        handle.seek(0)
        reader = csv.reader(handle, dialect)
        try:
            yield from reader
        except csv.Error as exc:
            raise FileFormatError(
                _("Line %(line)s cannot be read as CSV: %(error)s")
                % {"line": reader.line_num, "error": exc}
            ) from exc


def xlsx_check(path: str) -> None:
    """Refuse an XLSX file whose entries would decompress beyond the limit, before parsing it."""
    try:
        with zipfile.ZipFile(path) as archive:
            declared = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise FileFormatError(
            _("The spreadsheet could not be read: %(error)s") % {"error": exc}
        ) from exc
    if declared > MAX_XLSX_UNCOMPRESSED:
        raise FileFormatError(
            _(
                "The spreadsheet expands to %(size)s MB when decompressed; the limit is "
                "%(limit)s MB. Save it as CSV or split it."
            )
            % {
                "size": f"{declared / 1048576:,.0f}",
                "limit": MAX_XLSX_UNCOMPRESSED // 1048576,
            }
        )


def _read_xlsx(path: str, *, max_rows: int = MAX_STAGED_ROWS) -> Iterator[list[Any]]:
    """The first sheet's rows, streamed (openpyxl read-only), at most `MAX_COLUMNS` wide."""
    from openpyxl import load_workbook

    xlsx_check(path)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise FileFormatError(
            _("The spreadsheet could not be read: %(error)s") % {"error": exc}
        ) from exc
    try:
        # The declared dimension is ignored: a sheet claiming A1:XFD1048576 would otherwise be
        # padded to that size, row after row.
        sheet.reset_dimensions()
        rows = sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
        number = 0
        while True:
            try:
                row = next(rows)
            except StopIteration:
                break
            except Exception as exc:  # a damaged sheet is found while it streams
                raise FileFormatError(
                    _("The spreadsheet could not be read: %(error)s") % {"error": exc}
                ) from exc
            number += 1
            if number > max_rows + 1:
                raise _too_many_rows(max_rows)
            if not any(row):
                # An empty row (a sheet's missing rows come as many): the cheap path.
                yield []
                continue
            values = list(row)
            while values and values[-1] is None:
                values.pop()
            yield values
    finally:
        workbook.close()


# --- staged imports: COPY into a staging table, validate and store with set-based SQL ------
def staged_header(line: str, *, columns: Sequence[str], optional: Collection[str]) -> list[str]:
    """The columns of a CSV header line, in file order; refuses unknown and missing columns."""
    cells = next(csv.reader([line]))
    header = [_normalise_header(c) for c in cells]
    unknown = [_shown(c) for c in header if c not in columns]
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
            _("The file could not be read as CSV: %(error)s")
            % {"error": _shown(str(exc).splitlines()[0], 300)}
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


# Excel's serial day numbers from 1900-03-01 to 2099-12-31 (a date cell whose format was lost).
_SERIAL_DAYS = (61, 73050)


def _spreadsheet_cell(value: Any, *, is_date: bool = False) -> str:
    """A spreadsheet cell as the CSV text the checks expect: a date (or date-time) cell as
    YYYY-MM-DD, and so is a day number in a date column (a date cell saved without its format)."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if (
        is_date
        and isinstance(value, int | float)
        and not isinstance(value, bool)
        and _SERIAL_DAYS[0] <= value <= _SERIAL_DAYS[1]
    ):
        from openpyxl.utils.datetime import from_excel

        return from_excel(value).date().isoformat()
    if isinstance(value, float):
        return _cell_text(value)
    return str(value)


def open_as_csv(
    path: str, *, date_columns: Collection[str] = (), max_rows: int = MAX_STAGED_ROWS
) -> io.TextIOBase:
    """An uploaded file as a CSV text stream: an XLSX file's first sheet converted (the cells of
    `date_columns` read as dates), a CSV file decoded as UTF-8 or GB18030. The caller closes it."""
    if Path(path).suffix.lower() != ".xlsx":
        return open(path, encoding=csv_encoding(path), newline="")  # noqa: SIM115
    out = io.StringIO()
    writer = csv.writer(out)
    rows = _read_xlsx(path, max_rows=max_rows)
    header = next(rows, None)
    if header is None:
        return out
    writer.writerow([_spreadsheet_cell(v) for v in header])
    dates = [_normalise_header(c) in date_columns for c in header]
    width = len(header)
    for values in rows:
        # Every row as wide as the header: a sheet leaves out a row's empty trailing cells.
        cells = [
            _spreadsheet_cell(v, is_date=i < len(dates) and dates[i]) for i, v in enumerate(values)
        ]
        writer.writerow(cells + [""] * (width - len(cells)))
    out.seek(0)
    return out


class StagedImporter(Importer):
    """An import validated and stored in SQL through a staging table, all or nothing.

    A subclass declares `stage_columns` (and `optional_columns`, `date_columns`) and implements
    `load`, which COPYs a CSV stream (`staged_header`, `copy_csv`), validates it and stores it.
    """

    stage_columns: list[str] = []
    optional_columns: frozenset[str] = frozenset()
    date_columns: frozenset[str] = frozenset()
    max_rows: int = MAX_STAGED_ROWS

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
        self,
        batch: ImportBatch,
        report: Callable[[int, int | None], None],
        finish: Callable[[int, list[dict]], None],
    ) -> tuple[int, list[dict]]:
        with stored_file_local_path(batch.file) as path:
            return self._run_staged(batch, path, report, finish)

    def _run_staged(
        self,
        batch: ImportBatch,
        path: str,
        report: Callable[[int, int | None], None],
        finish: Callable[[int, list[dict]], None],
    ) -> tuple[int, list[dict]]:
        stream = open_as_csv(path, date_columns=self.date_columns, max_rows=self.max_rows)
        try:
            with transaction.atomic():
                _batch_lock(batch)
                count, saved, errors = self.load(stream, batch_id=batch.pk, report=report)
                batch.row_count = count
                if not errors and count > self.max_rows:
                    errors = [
                        {"row": 1, "column": "", "message": str(_too_many_rows(self.max_rows))}
                    ]
                if errors:
                    raise _Rejected(errors)
                finish(saved, [])
        except _Rejected as exc:
            batch.error_count = len(exc.errors)
            return 0, exc.errors
        finally:
            stream.close()
        if saved:
            self.stored(saved)
        return saved, []

    def save(self, rows: list[dict[str, Any]], batch) -> int:
        """Store already-parsed rows through the same staging path (used by the demo data)."""
        _count, saved, errors = self.load(
            rows_as_csv(rows, self.stage_columns), batch_id=batch.pk if batch else None
        )
        if errors:
            raise ValueError(errors[0]["message"])
        return saved


def import_limits(importer: Importer) -> dict[str, str]:
    """The limits a file for `importer` must keep, formatted for the upload page."""
    from django.conf import settings

    return {
        "rows": f"{importer.max_rows:,}",
        "cell": f"{MAX_CELL_CHARS:,}",
        "columns": str(MAX_COLUMNS),
        "xlsx_mb": str(MAX_XLSX_UNCOMPRESSED // 1048576),
        "upload_mb": str(settings.MAX_UPLOAD_SIZE // 1048576),
    }


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
def _batch_lock(batch: ImportBatch) -> None:
    """Inside the import's transaction: hold the batch, and stop if another run finished it."""
    status = (
        ImportBatch.objects.select_for_update().values_list("status", flat=True).get(pk=batch.pk)
    )
    if status in FINAL_STATUSES:
        raise _AlreadyFinished


def _batch_record(batch: ImportBatch, *, saved: int, errors: list[dict]) -> None:
    """Write the batch's outcome and counts, and end its job from them: inside the transaction
    that stored the rows (or, for a rejected file, that stored nothing)."""
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
    _job_finish(batch)


def _job_finish(batch: ImportBatch) -> None:
    """End the batch's job from the batch's recorded outcome, unless it has ended already."""
    job = batch.job
    if job is None:
        return
    job.refresh_from_db(fields=["status"])
    if job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED):
        return
    if batch.status == ImportStatus.REJECTED:
        # One error (a whole-file refusal, a time limit) is the reason itself; more are counted.
        errors = batch.errors or []
        if batch.error_count == 1 and len(errors) == 1:
            message = str(errors[0].get("message", ""))
        else:
            message = _("%(n)s error(s); nothing was imported.") % {"n": batch.error_count}
        job_failed(job, message=message)
        return
    skipped = max(batch.row_count - batch.imported_count, 0)
    message = _("%(n)s rows imported.") % {"n": batch.imported_count}
    if skipped:
        message += " " + _("%(n)s rows were already imported (same numbers) and were skipped.") % {
            "n": skipped
        }
    job_succeeded(
        job,
        result={"imported": batch.imported_count, "rows": batch.row_count, "skipped": skipped},
        message=message,
    )


def _unexpected(exc: BaseException) -> str:
    from celery.exceptions import SoftTimeLimitExceeded

    if isinstance(exc, SoftTimeLimitExceeded):
        return import_stopped_message()
    detail = _shown(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, 200)
    return _("The import stopped on an unexpected error (%(error)s); nothing was imported.") % {
        "error": detail
    }


# Not atomic as a whole: progress is committed while rows are read; the rows, the batch's outcome
# and its job's end are written in one transaction.
def import_batch_run(batch_id: int) -> ImportBatch:
    """Validate and import one batch. A batch that has an outcome is never imported again: its
    job is ended from that outcome (a task redelivered after the import committed)."""
    batch = ImportBatch.objects.select_related("job").get(pk=batch_id)
    if batch.status in FINAL_STATUSES:
        _job_finish(batch)
        return batch
    importer = importer_for(batch.kind)
    job = batch.job
    ImportBatch.objects.filter(pk=batch.pk).exclude(status__in=FINAL_STATUSES).update(
        status=ImportStatus.VALIDATING
    )
    if job:
        job_started(job)

    def report(done: int, total: int | None) -> None:
        if job:
            job_progress(job, done=done, total=total, message=_("%(n)s rows read") % {"n": done})

    def finish(saved: int, errors: list[dict]) -> None:
        _batch_record(batch, saved=saved, errors=errors)

    try:
        if importer is None:
            raise FileFormatError(_("Unknown import."))
        saved, errors = importer.run(batch, report, finish)
    except _AlreadyFinished:
        errors = []
    except FileFormatError as exc:
        errors = [{"row": 1, "column": "", "message": str(exc)}]
    except Exception as exc:
        # Whatever went wrong, the batch ends rejected with a message and its job failed.
        logger.exception("import batch %s failed", batch.pk)
        errors = [{"row": 1, "column": "", "message": _unexpected(exc)}]
    if errors:
        try:
            with transaction.atomic():
                _batch_lock(batch)
                _batch_record(batch, saved=0, errors=errors)
        except _AlreadyFinished:
            pass
    batch.refresh_from_db()
    if batch.status in FINAL_STATUSES:
        _job_finish(batch)
    return batch


# The import task's hard time limit is an hour: a batch still waiting or validating after this
# long has lost its worker, and no redelivery will come.
ABANDONED_AFTER = datetime.timedelta(hours=2)


@transaction.atomic
def import_batch_abandoned_reject(*, older_than: datetime.timedelta = ABANDONED_AFTER) -> int:
    """End the batches whose task was lost (waiting or validating for longer than any task can
    run) as rejected, with a message and their job failed; returns how many. A batch whose import
    transaction still runs holds its row lock and is skipped."""
    stale = list(
        ImportBatch.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("job")
        .filter(
            status__in=(ImportStatus.PENDING, ImportStatus.VALIDATING),
            created_at__lt=timezone.now() - older_than,
        )
    )
    message = _(
        "The import's worker stopped before it finished; nothing was imported. Upload it again."
    )
    for batch in stale:
        _batch_record(batch, saved=0, errors=[{"row": 1, "column": "", "message": message}])
    return len(stale)
