"""Bulk import of invoiced sales lines (DESIGN §5.1) and of quarterly targets.

Sales lines file format (CSV, UTF-8, comma-separated, header row first; see
`rebates/examples/sales_lines.csv`):

    partner_tax_id  the partner's tax ID (must exist)
    order_number    the customer order the line belongs to (the contract when no deal is referenced)
    invoice_number  invoice number
    line            invoice line number (whole number)
    invoice_date    YYYY-MM-DD
    product_code    the product SKU
    quantity        number (up to 3 decimals)
    net_amount      the line's net amount, not negative (up to 4 decimals)
    currency        ISO code (CNY, USD, EUR, ...)
    kind            sale | return (a return or credit note reduces revenue)
    deal_reference  optional: the won deal the line belongs to

A line is identified by its partner, invoice number and line number: the same invoice and line
number may come from two partners, but not twice from one partner in the same file.

The file is copied into a staging table with PostgreSQL COPY, validated with set-based SQL (errors
reported per line), then stored with one INSERT … SELECT: everything or nothing. Lines already
imported (same partner, invoice number and line number) are skipped, so importing a file twice is
harmless.
A return invoiced in a quarter that is already closed (handed to settlement) does not change that
quarter's accrual: it becomes a clawback on the partner's next statement.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg2
from django.db import DataError, connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.choices import Role
from core.audit import audit_record
from core.imports import (
    MAX_REPORTED_ERRORS,
    Column,
    FileFormatError,
    Importer,
    RowError,
    _read_xlsx,
    parse_currency,
    parse_decimal,
    parse_text,
    register,
)
from core.models import ImportBatch
from core.money import MINOR_UNITS
from core.periods import Quarter
from partners.models import Partner

from .models import Programme, Target

STAGE_COLUMNS = [
    "partner_tax_id",
    "order_number",
    "invoice_number",
    "line",
    "invoice_date",
    "product_code",
    "quantity",
    "net_amount",
    "currency",
    "kind",
    "deal_reference",
]
OPTIONAL_COLUMNS = {"deal_reference"}

# (column, code, SQL condition that is true when the cell is wrong); evaluated in order per column.
_CHECKS: list[tuple[str, str, str]] = [
    ("partner_tax_id", "required", "s.partner_tax_id IS NULL"),
    ("partner_tax_id", "unknown_partner", "p.id IS NULL"),
    ("order_number", "required", "s.order_number IS NULL"),
    ("order_number", "too_long", "length(s.order_number) > 60"),
    ("invoice_number", "required", "s.invoice_number IS NULL"),
    ("invoice_number", "too_long", "length(s.invoice_number) > 60"),
    ("line", "whole_number", "s.line IS NULL OR s.line !~ '^[0-9]{1,9}$'"),
    ("line", "duplicate", "d.dup IS NOT NULL"),
    # A lookup among the real calendar days is far cheaper than parsing each date (see _error_sql).
    ("invoice_date", "date", "v.day IS NULL"),
    ("product_code", "required", "s.product_code IS NULL"),
    ("product_code", "too_long", "length(s.product_code) > 60"),
    ("quantity", "number", r"s.quantity IS NULL OR s.quantity !~ '^-?[0-9]{1,11}(\.[0-9]{1,3})?$'"),
    (
        "net_amount",
        "amount",
        r"s.net_amount IS NULL OR s.net_amount !~ '^[0-9]{1,16}(\.[0-9]{1,4})?$'",
    ),
    ("currency", "currency", "s.currency IS NULL OR upper(s.currency) <> ALL(%(currencies)s)"),
    ("kind", "kind", "s.kind IS NULL OR lower(s.kind) NOT IN ('sale', 'return')"),
    ("deal_reference", "too_long", "length(s.deal_reference) > 60"),
]


def _messages() -> dict[str, str]:
    return {
        "required": _("This value is required."),
        "unknown_partner": _("No partner has this tax ID."),
        "too_long": _("At most 60 characters."),
        "whole_number": _("Not a whole number."),
        "duplicate": _("This invoice line appears more than once in the file."),
        "date": _("Not a date (YYYY-MM-DD)."),
        "number": _("Not a number (at most 3 decimals)."),
        "amount": _("Not an amount: a number not below 0 with at most 4 decimals."),
        "currency": _("Not a supported currency."),
        "kind": _("Must be “sale” or “return”."),
    }


def _clean_stage_sql() -> str:
    """The staged rows with blank cells as NULL and surrounding spaces gone (computed, not stored)."""
    cols = ", ".join(f"nullif(btrim({c}), '') AS {c}" for c in STAGE_COLUMNS)
    # OFFSET 0 keeps PostgreSQL from inlining the subquery, which would trim each cell again in
    # every check that reads it (most of the validation time on a million rows).
    return f"(SELECT row_no, {cols} FROM rebates_stage OFFSET 0)"  # noqa: S608 (constant names)


def _error_sql() -> str:
    by_column: dict[str, list[str]] = {}
    for column, code, condition in _CHECKS:
        by_column.setdefault(column, []).append(f"WHEN {condition} THEN '{column}:{code}'")
    cases = ",\n".join(f"CASE {' '.join(whens)} END" for whens in by_column.values())
    # Built only from the constant checks above, never from file content. Duplicates come from a
    # hash aggregate (cheaper than a window over a million rows) and are usually none.
    sql = f"""
        SELECT row_no, unnest(errs) AS err FROM (
            SELECT s.row_no, array_remove(ARRAY[{cases}], NULL) AS errs
            FROM {_clean_stage_sql()} s
            LEFT JOIN (
                SELECT nullif(btrim(partner_tax_id), '') AS partner_tax_id,
                       nullif(btrim(invoice_number), '') AS invoice_number,
                       nullif(btrim(line), '') AS line, 2 AS dup
                FROM rebates_stage GROUP BY 1, 2, 3 HAVING count(*) > 1
            ) d ON d.partner_tax_id = s.partner_tax_id AND d.invoice_number = s.invoice_number
                AND d.line = s.line
            LEFT JOIN partners_partner p ON p.tax_id = s.partner_tax_id
            LEFT JOIN (
                SELECT to_char(d, 'YYYY-MM-DD') AS day
                FROM generate_series(date '1900-01-01', date '2099-12-31', interval '1 day') d
            ) v ON v.day = s.invoice_date
        ) e
        WHERE cardinality(errs) > 0
        ORDER BY row_no, err
        LIMIT {MAX_REPORTED_ERRORS}
    """  # noqa: S608
    return sql


_INSERT_SQL = f"""
    INSERT INTO rebates_salesline (
        partner_id, order_number, invoice_number, line_number, invoice_date, product_code,
        quantity, net_amount, currency, kind, deal_reference, source, import_batch_id, created_at
    )
    SELECT p.id, s.order_number, s.invoice_number, s.line::int, s.invoice_date::date,
           s.product_code, s.quantity::numeric, s.net_amount::numeric, upper(s.currency),
           lower(s.kind), coalesce(s.deal_reference, ''), %(source)s, %(batch)s, now()
    FROM {_clean_stage_sql()} s
    JOIN partners_partner p ON p.tax_id = s.partner_tax_id
    -- In key order, each partner's new entries land on the same few pages of the unique index:
    -- a fraction of the page reads, writes and WAL of inserting in file order.
    ORDER BY p.id, s.invoice_number, s.line::int
    ON CONFLICT (partner_id, invoice_number, line_number) DO NOTHING
"""  # noqa: S608 (constant column names)


def _stage_create(cursor) -> None:
    cols = ", ".join(f"{c} text" for c in STAGE_COLUMNS)
    cursor.execute("DROP TABLE IF EXISTS rebates_stage")
    cursor.execute(
        f"CREATE TEMP TABLE rebates_stage (row_no bigint GENERATED ALWAYS AS IDENTITY, {cols})"
        " ON COMMIT DROP"
    )


def _header(line: str) -> list[str]:
    cells = next(csv.reader([line]))
    header = [c.strip().lower().replace(" ", "_") for c in cells]
    unknown = [c for c in header if c not in STAGE_COLUMNS]
    if unknown:
        raise FileFormatError(_("Unknown column(s): %(cols)s.") % {"cols": ", ".join(unknown)})
    missing = [c for c in STAGE_COLUMNS if c not in header and c not in OPTIONAL_COLUMNS]
    if missing:
        raise FileFormatError(_("Missing column(s): %(cols)s.") % {"cols": ", ".join(missing)})
    return header


def sales_lines_load(
    stream: io.TextIOBase,
    *,
    batch_id: int | None,
    source: str = "import",
    report: Callable[[int, int | None], None] | None = None,
) -> tuple[int, int, list[dict]]:
    """COPY a CSV text stream of sales lines, validate it in SQL and insert it (all or nothing).

    Returns (rows read, lines stored, errors). Call inside a transaction.
    """
    first = stream.readline()
    if not first.strip():
        raise FileFormatError(_("The file is empty."))
    header = _header(first.lstrip("\ufeff"))
    with connection.cursor() as cursor:
        _stage_create(cursor)
        try:
            cursor.copy_expert(
                f"COPY rebates_stage ({', '.join(header)}) FROM STDIN WITH (FORMAT csv)",
                stream,
                1 << 20,
            )
        except (DataError, psycopg2.DataError, UnicodeDecodeError) as exc:
            raise FileFormatError(
                _("The file could not be read as CSV: %(error)s")
                % {"error": str(exc).splitlines()[0]}
            ) from exc
        cursor.execute("SELECT count(*) FROM rebates_stage")
        count = cursor.fetchone()[0]
        if report:
            report(count, count)
        if count == 0:
            return 0, 0, [{"row": 1, "column": "", "message": _("The file has no data rows.")}]
        # Room to group and sort a million lines in memory (for the rest of this transaction).
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute(_error_sql(), {"currencies": list(MINOR_UNITS)})
        found = cursor.fetchall()
        if found:
            messages = _messages()
            errors = []
            for row_no, err in found:
                column, code = err.split(":")
                errors.append({"row": row_no + 1, "column": column, "message": messages[code]})
            return count, 0, errors
        cursor.execute(_INSERT_SQL, {"source": source, "batch": batch_id})
        return count, cursor.rowcount, []


@register
class SalesLineImporter(Importer):
    kind = "sales_lines"
    label = gettext_lazy("Sales lines")
    description = gettext_lazy(
        "Columns: partner_tax_id, order_number, invoice_number, line, invoice_date (YYYY-MM-DD), "
        "product_code, quantity, net_amount (not negative), currency, kind (sale or return), "
        "deal_reference (optional). Lines already imported are skipped."
    )
    roles = frozenset({Role.FINANCE, Role.CFO})
    columns = [
        Column(name, parse_text, required=name not in OPTIONAL_COLUMNS) for name in STAGE_COLUMNS
    ]

    def run(
        self, batch: ImportBatch, report: Callable[[int, int | None], None]
    ) -> tuple[int, list[dict]]:
        path = batch.file.path
        if Path(path).suffix.lower() == ".xlsx":
            stream: io.TextIOBase = _xlsx_as_csv(path)
        else:
            stream = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115
        try:
            with transaction.atomic():
                count, saved, errors = sales_lines_load(stream, batch_id=batch.pk, report=report)
                if errors:
                    transaction.set_rollback(True)
        finally:
            stream.close()
        batch.row_count = count
        batch.error_count = len(errors)
        if saved:
            from .tasks import rebate_clawbacks_queue_task

            # Returns for a closed quarter are clawed back on the next statement, not next night.
            transaction.on_commit(rebate_clawbacks_queue_task.delay)
        return saved, errors

    def save(self, rows: list[dict[str, Any]], batch) -> int:
        """Store already-parsed rows through the same staging path (used by the demo seed)."""
        count, saved, errors = sales_lines_load(
            _rows_as_csv(rows), batch_id=batch.pk if batch else None
        )
        if errors:
            raise ValueError(errors[0]["message"])
        return saved


def _rows_as_csv(rows: list[dict[str, Any]]) -> io.StringIO:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(STAGE_COLUMNS)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else str(row.get(c)) for c in STAGE_COLUMNS])
    out.seek(0)
    return out


def _xlsx_as_csv(path: str) -> io.StringIO:
    out = io.StringIO()
    writer = csv.writer(out)
    for values in _read_xlsx(path):
        writer.writerow(["" if v is None else str(v) for v in values])
    out.seek(0)
    return out


def _parse_quarter(value: str) -> str:
    try:
        return str(Quarter.parse(value))
    except ValueError as exc:
        raise ValueError(_("“%(value)s” is not a quarter like 2026Q3.") % {"value": value}) from exc


@register
class TargetImporter(Importer):
    """Quarterly targets: programme, partner_tax_id, period, amount, currency (upserted)."""

    kind = "rebate_targets"
    label = gettext_lazy("Rebate targets")
    description = gettext_lazy(
        "Columns: programme (name), partner_tax_id, period (e.g. 2026Q3), amount, currency "
        "(the partner's contract currency). An existing target for the same quarter is replaced."
    )
    roles = frozenset({Role.FINANCE, Role.CFO, Role.CHANNEL_DIRECTOR})
    columns = [
        Column("programme", parse_text),
        Column("partner_tax_id", parse_text),
        Column("period", _parse_quarter),
        Column("amount", parse_decimal),
        Column("currency", parse_currency),
    ]

    def clean_row(self, row: dict[str, Any]) -> dict[str, Any]:
        programme = Programme.objects.filter(name=row["programme"]).first()
        if programme is None:
            raise RowError("programme", _("No programme has this name."))
        partner = Partner.objects.filter(tax_id=row["partner_tax_id"]).first()
        if partner is None:
            raise RowError("partner_tax_id", _("No partner has this tax ID."))
        if row["amount"] <= 0:
            raise RowError("amount", _("The target must be greater than zero."))
        if row["currency"] != partner.contract_currency:
            raise RowError("currency", _("The target must be in the partner's contract currency."))
        return row | {"programme_obj": programme, "partner_obj": partner}

    def save(self, rows: list[dict[str, Any]], batch) -> int:
        audit_record(
            actor=getattr(batch, "uploaded_by", None),
            action="rebate_target.imported",
            obj=batch,
            changes={"targets": {"before": None, "after": len(rows)}},
        )
        for row in rows:
            Target.objects.update_or_create(
                programme=row["programme_obj"],
                partner=row["partner_obj"],
                period=row["period"],
                defaults={"amount": row["amount"], "currency": row["currency"]},
            )
        return len(rows)
