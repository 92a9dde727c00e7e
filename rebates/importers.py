"""Bulk import of invoiced sales lines (DESIGN §5.1) and of quarterly targets.

Sales lines file format (CSV, UTF-8, comma-separated, header row first; see
`rebates/examples/sales_lines.csv`):

    partner_tax_id  the partner's tax ID (must exist)
    order_number    the customer order the line belongs to (the contract when no deal is referenced)
    invoice_number  invoice number
    line            invoice line number (whole number)
    invoice_date    YYYY-MM-DD
    product_code    the product SKU
    quantity        number, up to 3 decimals, below 1,000,000,000 in size
    net_amount      the line's net amount, not negative, up to 4 decimals, below
                    1,000,000,000,000 (one trillion): a larger value could not be summed per
                    partner by the calculation
    currency        ISO code (CNY, USD, EUR, ...)
    kind            sale | return (a return or credit note reduces revenue)
    deal_reference  optional: the won deal the line belongs to

A line is identified by its partner, invoice number and line number: the same invoice and line
number may come from two partners, but not twice from one partner in the same file.

The file is copied into a staging table with PostgreSQL COPY, typed and validated in one set-based
pass (errors reported per line), then stored with one INSERT … SELECT: everything or nothing.
Lines already imported (same partner, invoice number and line number) are skipped, so importing a
file twice is harmless.
A return invoiced in a quarter that is already closed (handed to settlement) does not change that
quarter's accrual: it becomes a clawback on the partner's next statement.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.backends.utils import CursorWrapper
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.choices import Role
from core.audit import audit_record
from core.dbroles import STAGING_SCHEMA
from core.imports import (
    MAX_REPORTED_ERRORS,
    Column,
    FileFormatError,
    Importer,
    RowError,
    StagedImporter,
    copy_csv,
    decimal_parser,
    parse_currency,
    parse_text,
    register,
    staged_errors,
    staged_header,
)
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
UNIQUE_CONSTRAINT = "salesline_unique_partner_invoice_line"
TYPED_TABLE = "rebates_import_lines"


def _messages() -> dict[str, str]:
    return {
        "required": _("This value is required."),
        "unknown_partner": _("No partner has this tax ID."),
        "too_long": _("At most 60 characters."),
        "whole_number": _("Not a whole number."),
        "duplicate": _("This invoice line appears more than once in the file."),
        "date": _("Not a date (YYYY-MM-DD)."),
        "number": _("Not a number: at most 9 digits before the point and 3 after it."),
        "amount": _("Not an amount: a number from 0 to 999,999,999,999.9999 (at most 4 decimals)."),
        "currency": _("Not a supported currency."),
        "kind": _("Must be “sale” or “return”."),
    }


def _cell(column: str) -> str:
    """A staged cell without surrounding spaces, NULL when blank."""
    return f"nullif(btrim(s.{column}), '')"


def _shapes(*, sign: bool, digits: int, decimals: int) -> list[str]:
    """Every valid number written with each digit as 0: `[-]d{1,digits}[.d{1,decimals}]`."""
    fractions = ["", *("." + "0" * n for n in range(1, decimals + 1))]
    units = ["0" * n + f for n in range(1, digits + 1) for f in fractions]
    return units + ["-" + u for u in units] if sign else units


# A cell is a valid number when its shape (each digit written as 0) is one of these: a hashed
# lookup, a fraction of the cost of matching a regular expression on a million cells.
SHAPES = {
    "line": _shapes(sign=False, digits=9, decimals=0),
    "quantity": _shapes(sign=True, digits=9, decimals=3),
    "net_amount": _shapes(sign=False, digits=12, decimals=4),
}


def _shape_ok(column: str) -> str:
    return f"translate(btrim(s.{column}), '123456789', '000000000') = ANY(%({column}_shapes)s)"


def _typed_params() -> dict[str, list[str]]:
    return {"currencies": list(MINOR_UNITS)} | {f"{c}_shapes": v for c, v in SHAPES.items()}


# Each staged row typed: a value is NULL when its cell is blank or not valid (the error codes then
# say why); texts are checked for length in `_CHECKS`. Everything sits in one query level, so that
# PostgreSQL evaluates it in its parallel workers (a subquery scan above them would run in the
# leader alone); the few cells read twice are trimmed twice, which is cheaper than that. Currency
# and kind are usually written as stored: upper() and lower() only when not.
def _typed_select(stage: str) -> str:
    return f"""
    SELECT s.row_no, p.id AS partner_id,
           p.id IS NULL AND {_cell("partner_tax_id")} IS NULL AS partner_tax_id_blank,
           {_cell("order_number")} AS order_number,
           {_cell("invoice_number")} AS invoice_number,
           CASE WHEN {_shape_ok("line")} THEN btrim(s.line)::int END AS line_number,
           v.day AS invoice_date,
           {_cell("product_code")} AS product_code,
           CASE WHEN {_shape_ok("quantity")} THEN btrim(s.quantity)::numeric(14, 3) END AS quantity,
           CASE WHEN {_shape_ok("net_amount")}
                THEN btrim(s.net_amount)::numeric(20, 4) END AS net_amount,
           CASE WHEN btrim(s.currency) = ANY(%(currencies)s) THEN btrim(s.currency)
                WHEN upper(btrim(s.currency)) = ANY(%(currencies)s) THEN upper(btrim(s.currency))
           END AS currency,
           CASE WHEN btrim(s.kind) IN ('sale', 'return') THEN btrim(s.kind)
                WHEN lower(btrim(s.kind)) IN ('sale', 'return') THEN lower(btrim(s.kind))
           END AS kind,
           coalesce(btrim(s.deal_reference), '') AS deal_reference
    FROM {stage} s
    LEFT JOIN partners_partner_v p ON p.tax_id = {_cell("partner_tax_id")}
    -- A hash lookup among the real calendar days checks and converts a date far more cheaply than
    -- a pattern and a cast. Grouped, so that the planner knows each day is there once.
    LEFT JOIN (
        SELECT to_char(date '1900-01-01' + n, 'YYYY-MM-DD') AS iso,
               min(date '1900-01-01' + n) AS day
        FROM generate_series(0, date '2099-12-31' - date '1900-01-01') n
        GROUP BY 1
    ) v ON v.iso = btrim(s.invoice_date)
"""  # noqa: S608 (constant names; the stage table's name is generated)


# (column, code, condition on a typed row that is true when its cell is wrong), in column order.
_CHECKS: list[tuple[str, str, str]] = [
    ("partner_tax_id", "required", "t.partner_tax_id_blank"),
    ("partner_tax_id", "unknown_partner", "t.partner_id IS NULL"),
    ("order_number", "required", "t.order_number IS NULL"),
    ("order_number", "too_long", "length(t.order_number) > 60"),
    ("invoice_number", "required", "t.invoice_number IS NULL"),
    ("invoice_number", "too_long", "length(t.invoice_number) > 60"),
    ("line", "whole_number", "t.line_number IS NULL"),
    ("invoice_date", "date", "t.invoice_date IS NULL"),
    ("product_code", "required", "t.product_code IS NULL"),
    ("product_code", "too_long", "length(t.product_code) > 60"),
    ("quantity", "number", "t.quantity IS NULL"),
    ("net_amount", "amount", "t.net_amount IS NULL"),
    ("currency", "currency", "t.currency IS NULL"),
    ("kind", "kind", "t.kind IS NULL"),
    ("deal_reference", "too_long", "length(t.deal_reference) > 60"),
]


def _typed_sql(stage: str) -> str:
    """CREATE the typed copy of the staged rows, each with its error codes (NULL when none)."""
    by_column: dict[str, list[str]] = {}
    for column, code, condition in _CHECKS:
        by_column.setdefault(column, []).append(f"WHEN {condition} THEN '{column}:{code}'")
    cases = ",\n".join(f"CASE {' '.join(whens)} END" for whens in by_column.values())
    # Any wrong cell leaves a typed value NULL or too long (a blank tax ID leaves no partner).
    wrong = " OR ".join(
        c for column, code, c in _CHECKS if (column, code) != ("partner_tax_id", "required")
    )
    # Built only from the constant checks above and a generated table name, never from file
    # content. The error array is built only for the rows that have one.
    return f"""
        CREATE TEMP TABLE {TYPED_TABLE} ON COMMIT DROP AS
        SELECT t.row_no, t.partner_id, t.order_number, t.invoice_number, t.line_number,
               t.invoice_date, t.product_code, t.quantity, t.net_amount, t.currency, t.kind,
               t.deal_reference,
               CASE WHEN {wrong} THEN array_remove(ARRAY[{cases}], NULL) END AS errors
        FROM ({_typed_select(stage)} OFFSET 0) t
    """  # noqa: S608


# Rows whose partner, invoice number and line number another row of the file has too.
_DUPLICATES_SQL = f"""
    SELECT t.row_no, 'line:duplicate' FROM {TYPED_TABLE} t
    JOIN (
        SELECT partner_id, invoice_number, line_number FROM {TYPED_TABLE}
        WHERE partner_id IS NOT NULL AND invoice_number IS NOT NULL AND line_number IS NOT NULL
        GROUP BY 1, 2, 3 HAVING count(*) > 1
    ) d USING (partner_id, invoice_number, line_number)
"""  # noqa: S608 (constant names)

_ANY_ERROR_SQL = f"SELECT 1 FROM {TYPED_TABLE} WHERE errors IS NOT NULL LIMIT 1"  # noqa: S608

_ERRORS_SQL = f"""
    SELECT row_no, error FROM (
        SELECT row_no, unnest(errors) AS error FROM {TYPED_TABLE} WHERE errors IS NOT NULL
        UNION ALL {_DUPLICATES_SQL}
    ) e
    ORDER BY row_no, error
    LIMIT {MAX_REPORTED_ERRORS}
"""  # noqa: S608


def _insert_sql(*, skip_existing: bool) -> str:
    conflict = (
        "ON CONFLICT (partner_id, invoice_number, line_number) DO NOTHING" if skip_existing else ""
    )
    return f"""
        INSERT INTO rebates_salesline (
            partner_id, order_number, invoice_number, line_number, invoice_date, product_code,
            quantity, net_amount, currency, kind, deal_reference, source, import_batch_id,
            created_at
        )
        SELECT partner_id, order_number, invoice_number, line_number, invoice_date, product_code,
               quantity, net_amount, currency, kind, deal_reference, %(source)s, %(batch)s, now()
        FROM {TYPED_TABLE}
        -- In key order, each partner's new entries land on the same few pages of the unique
        -- index: a fraction of the page reads, writes and WAL of inserting in file order.
        ORDER BY partner_id, invoice_number COLLATE "C", line_number
        {conflict}
    """  # noqa: S608 (constant names)


def _insert(cursor: CursorWrapper, *, source: str, batch_id: int | None) -> tuple[int, list[dict]]:
    """Store the typed rows: (lines stored, in-file duplicates as errors)."""
    params = {"source": source, "batch": batch_id}
    try:
        # Usually no line is there yet: a plain INSERT is far cheaper than ON CONFLICT (which
        # probes the unique index once more and logs a second record per row), and the unique
        # index itself rejects lines that appear twice in the file.
        with transaction.atomic():
            cursor.execute(_insert_sql(skip_existing=False), params)
            return cursor.rowcount, []
    except IntegrityError as exc:
        diag = getattr(exc.__cause__, "diag", None)
        if getattr(diag, "constraint_name", None) != UNIQUE_CONSTRAINT:
            raise
    # Some line is in the file twice, or was imported before (by this file or another).
    cursor.execute(_DUPLICATES_SQL + f" ORDER BY 1 LIMIT {MAX_REPORTED_ERRORS}")
    found = cursor.fetchall()
    if found:
        return 0, staged_errors(found, _messages())
    cursor.execute(_insert_sql(skip_existing=True), params)
    return cursor.rowcount, []


def sales_lines_load(
    stream: io.TextIOBase,
    *,
    batch_id: int | None,
    source: str = "import",
    report: Callable[[int, int | None], None] | None = None,
) -> tuple[int, int, list[dict]]:
    """COPY a CSV text stream of sales lines, validate it in SQL and insert it (all or nothing).

    Returns (rows read, lines stored, errors). Call inside a transaction: with errors, the caller
    rolls it back.
    """
    first = stream.readline()
    if not first.strip():
        raise FileFormatError(_("The file is empty."))
    header = staged_header(first.lstrip("\ufeff"), columns=STAGE_COLUMNS, optional=OPTIONAL_COLUMNS)
    # Unlogged, so parallel workers can read it (they cannot read temporary tables); created and
    # dropped inside this transaction under a name of its own, nobody else ever sees it, and a
    # rollback removes it. In the staging schema: the only place the portal's role may create.
    stage = f"{STAGING_SCHEMA}.rebates_stage_{uuid.uuid4().hex}"
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        # For this transaction: room to sort a million lines in memory; no JIT compilation
        # (it costs more than it saves on these simple expressions); and parallel workers for
        # the typing pass, whose expressions the planner prices far below what they cost.
        cursor.execute(
            "SET LOCAL work_mem = '256MB'; SET LOCAL jit = off;"
            " SET LOCAL parallel_setup_cost = 0; SET LOCAL parallel_tuple_cost = 0.001"
        )
        cols = ", ".join(f"{c} text" for c in STAGE_COLUMNS)
        cursor.execute(
            # A large sequence cache: numbering the rows then costs next to nothing.
            f"CREATE UNLOGGED TABLE {stage} ("
            f"row_no bigint GENERATED ALWAYS AS IDENTITY (CACHE 100000), {cols})"
        )
        copy_csv(cursor, table=stage, header=header, stream=stream)
        count = cursor.rowcount
        if report:
            report(count, count)
        if count == 0:
            cursor.execute(f"DROP TABLE {stage}")
            return 0, 0, [{"row": 1, "column": "", "message": _("The file has no data rows.")}]
        cursor.execute(f"DROP TABLE IF EXISTS {TYPED_TABLE}")
        cursor.execute(_typed_sql(stage), _typed_params())
        cursor.execute(f"DROP TABLE {stage}")
        cursor.execute(_ANY_ERROR_SQL)
        if cursor.fetchone():
            cursor.execute(_ERRORS_SQL)
            saved, errors = 0, staged_errors(cursor.fetchall(), _messages())
        else:
            saved, errors = _insert(cursor, source=source, batch_id=batch_id)
        cursor.execute(f"DROP TABLE {TYPED_TABLE}")
        return count, saved, errors


@register
class SalesLineImporter(StagedImporter):
    kind = "sales_lines"
    label = gettext_lazy("Sales lines")
    description = gettext_lazy(
        "Columns: partner_tax_id, order_number, invoice_number, line, invoice_date (YYYY-MM-DD), "
        "product_code, quantity (at most 9 digits before the point, 3 after), net_amount (0 to "
        "999,999,999,999.9999), currency, kind (sale or return), deal_reference (optional). "
        "Lines already imported are skipped."
    )
    roles = frozenset({Role.FINANCE, Role.CFO})
    stage_columns = STAGE_COLUMNS
    optional_columns = frozenset(OPTIONAL_COLUMNS)
    date_columns = frozenset({"invoice_date"})

    def load(
        self,
        stream: io.TextIOBase,
        *,
        batch_id: int | None,
        report: Callable[[int, int | None], None] | None = None,
    ) -> tuple[int, int, list[dict]]:
        return sales_lines_load(stream, batch_id=batch_id, report=report)

    def stored(self, saved: int) -> None:
        from .tasks import rebate_clawbacks_queue_task, rebate_contract_revenue_add_task

        # Returns for a closed quarter are clawed back on the next statement, not next night.
        transaction.on_commit(rebate_clawbacks_queue_task.delay)
        # The new lines are summed per contract now, so the next calculation need not.
        transaction.on_commit(rebate_contract_revenue_add_task.delay)


# The largest quarterly target a file may give.
TARGET_MAX = 1_000_000_000_000


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
        "Columns: programme (name), partner_tax_id, period (e.g. 2026Q3), amount (above 0, at "
        "most 1,000,000,000,000, up to 2 decimals), currency (the partner's contract currency). "
        "An existing target for the same quarter is replaced; a programme, partner and quarter "
        "appear once per file."
    )
    roles = frozenset({Role.FINANCE, Role.CFO, Role.CHANNEL_DIRECTOR})
    columns = [
        Column("programme", parse_text),
        Column("partner_tax_id", parse_text),
        Column("period", _parse_quarter),
        Column("amount", decimal_parser(minimum=0, maximum=TARGET_MAX, places=2)),
        Column("currency", parse_currency),
    ]
    key_columns = ("programme", "partner_tax_id", "period")

    def clean_row(self, row: dict[str, Any]) -> dict[str, Any]:
        # By its English or its Chinese name (each unique on its own).
        programme = (
            Programme.objects.filter(Q(name=row["programme"]) | Q(name_zh=row["programme"]))
            .order_by("pk")
            .first()
        )
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
