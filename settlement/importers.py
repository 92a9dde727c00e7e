"""Imports of orders, deliveries and payments for reconciliation (DESIGN §6.4, §9).

Each file (CSV, UTF-8, header row first; or XLSX, first sheet) is copied into a temporary staging
table with PostgreSQL COPY, validated with set-based SQL (errors reported per row and column) and
stored with one INSERT … SELECT: everything or nothing. Rows already imported (same order,
delivery or bank transaction number) are skipped, so importing a file twice is harmless.

    orders      partner_tax_id, order_number, order_date, amount, currency
    deliveries  partner_tax_id, delivery_number, order_number (optional), delivery_date, amount,
                currency
    payments    partner_tax_id (the payer), transaction_id (the bank's), reference (optional: what
                the payer quoted, usually the order number), payment_date, amount, currency

Amounts are above 0 and at most 999,999,999,999.9999 (4 decimals); dates are YYYY-MM-DD (an
XLSX date cell is read as its date). An order, delivery or transaction number that another partner
already used is a row error, never skipped silently; so is a delivery whose order belongs to
another partner.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.choices import Role
from core.imports import (
    MAX_REPORTED_ERRORS,
    FileFormatError,
    StagedImporter,
    copy_csv,
    register,
    staged_errors,
    staged_header,
)
from core.money import MINOR_UNITS

STAGE = "settlement_stage"
_DATE_OK = r"^(19|20)\d{2}-\d{2}-\d{2}$"
# At most 12 digits before the point: sums over an order's payments stay far inside the columns.
_AMOUNT_OK = r"^[0-9]{1,12}(\.[0-9]{1,4})?$"


def _text_checks(column: str, *, required: bool = True) -> list[tuple[str, str, str]]:
    checks = [(column, "required", f"s.{column} IS NULL")] if required else []
    return [*checks, (column, "too_long", f"length(s.{column}) > 60")]


def _date_checks(column: str) -> list[tuple[str, str, str]]:
    c = f"s.{column}"
    return [
        (column, "date", f"{c} IS NULL OR {c} !~ '{_DATE_OK}'"),
        (column, "date", f"substr({c}, 6, 2)::int NOT BETWEEN 1 AND 12"),
        (
            column,
            "date",
            f"substr({c}, 9, 2)::int NOT BETWEEN 1 AND extract(day FROM make_date("
            f"substr({c}, 1, 4)::int, substr({c}, 6, 2)::int, 1) + interval '1 month - 1 day')",
        ),
    ]


_COMMON_HEAD = [
    ("partner_tax_id", "required", "s.partner_tax_id IS NULL"),
    ("partner_tax_id", "unknown_partner", "p.id IS NULL"),
]
_COMMON_TAIL = [
    ("amount", "amount", f"s.amount IS NULL OR s.amount !~ '{_AMOUNT_OK}'"),
    ("amount", "amount", "s.amount::numeric = 0"),
    ("currency", "currency", "s.currency IS NULL OR upper(s.currency) <> ALL(%(currencies)s)"),
]


def _foreign_check(column: str, table: str, field: str) -> tuple[str, str, str]:
    """A number that a row of `table` of another partner already has."""
    return (
        column,
        "foreign",
        f"EXISTS (SELECT 1 FROM {table} x WHERE x.{field} = s.{column}"  # noqa: S608
        " AND x.partner_id IS DISTINCT FROM p.id)",
    )


def _messages() -> dict[str, str]:
    return {
        "required": _("This value is required."),
        "unknown_partner": _("No partner has this tax ID."),
        "too_long": _("At most 60 characters."),
        "duplicate": _("This number appears more than once in the file."),
        "date": _("Not a date (YYYY-MM-DD)."),
        "amount": _("Not an amount: a number above 0, at most 999,999,999,999.9999 (4 decimals)."),
        "foreign": _("Another partner already uses this number."),
        "foreign_order": _("This order belongs to another partner."),
        "currency": _("Not a supported currency."),
    }


class SettlementImporter(StagedImporter):
    """A CSV/XLSX import validated and stored in SQL through a staging table (all or nothing)."""

    key: str = ""
    checks: list[tuple[str, str, str]] = []
    insert_sql: str = ""
    roles = frozenset({Role.FINANCE, Role.CFO})

    def _error_sql(self) -> str:
        checks = [
            *self.checks,
            (self.key, "duplicate", "s.dup > 1"),
        ]
        by_column: dict[str, list[str]] = {}
        for column, code, condition in checks:
            by_column.setdefault(column, []).append(f"WHEN {condition} THEN '{column}:{code}'")
        cases = ",\n".join(f"CASE {' '.join(whens)} END" for whens in by_column.values())
        # Built only from the class's constant checks, never from file content.
        return f"""
            SELECT row_no, err FROM (
                SELECT s.row_no, unnest(ARRAY[{cases}]) AS err
                FROM (
                    SELECT st.*, count(*) OVER (PARTITION BY st.{self.key}) AS dup
                    FROM {STAGE} st
                ) s
                LEFT JOIN partners_partner_v p ON p.tax_id = s.partner_tax_id
            ) e
            WHERE err IS NOT NULL
            ORDER BY row_no, err
            LIMIT {MAX_REPORTED_ERRORS}
        """  # noqa: S608

    def load(
        self,
        stream: io.TextIOBase,
        *,
        batch_id: int | None,
        report: Callable[[int, int | None], None] | None = None,
    ) -> tuple[int, int, list[dict]]:
        """COPY a CSV text stream, validate it in SQL and insert it. Call inside a transaction.

        Returns (rows read, rows stored, errors); nothing is stored when there are errors.
        """
        first = stream.readline()
        if not first.strip():
            raise FileFormatError(_("The file is empty."))
        header = staged_header(
            first.lstrip("\ufeff"), columns=self.stage_columns, optional=self.optional_columns
        )
        cols = ", ".join(f"{c} text" for c in self.stage_columns)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
            cursor.execute(
                f"CREATE TEMP TABLE {STAGE} (row_no bigint GENERATED ALWAYS AS IDENTITY, {cols})"
                " ON COMMIT DROP"
            )
            copy_csv(cursor, table=STAGE, header=header, stream=stream)
            cursor.execute(f"SELECT count(*) FROM {STAGE}")  # noqa: S608
            count = cursor.fetchone()[0]
            if report:
                report(count, count)
            if count == 0:
                return 0, 0, [{"row": 1, "column": "", "message": _("The file has no data rows.")}]
            sets = ", ".join(f"{c} = nullif(btrim({c}), '')" for c in self.stage_columns)
            cursor.execute(f"UPDATE {STAGE} SET {sets}")  # noqa: S608 (constant column names)
            cursor.execute(self._error_sql(), {"currencies": list(MINOR_UNITS)})
            found = cursor.fetchall()
            if found:
                return count, 0, staged_errors(found, _messages())
            cursor.execute(self.insert_sql, {"batch": batch_id})
            return count, cursor.rowcount, []


@register
class OrderImporter(SettlementImporter):
    kind = "settlement_orders"
    label = gettext_lazy("Orders")
    description = gettext_lazy(
        "Columns: partner_tax_id, order_number, order_date (YYYY-MM-DD), amount (above 0, at "
        "most 999,999,999,999.9999), currency. Orders already imported are skipped; an order "
        "number another partner uses is an error."
    )
    stage_columns = ["partner_tax_id", "order_number", "order_date", "amount", "currency"]
    date_columns = frozenset({"order_date"})
    key = "order_number"
    checks = [
        *_COMMON_HEAD,
        *_text_checks("order_number"),
        _foreign_check("order_number", "settlement_order", "reference"),
        *_date_checks("order_date"),
        *_COMMON_TAIL,
    ]
    insert_sql = f"""
        INSERT INTO settlement_order (
            partner_id, reference, order_date, amount, currency, source, import_batch_id,
            created_at, status, paid_amount, delivered_amount
        )
        SELECT p.id, s.order_number, s.order_date::date, s.amount::numeric, upper(s.currency),
               'import', %(batch)s, now(), 'unmatched', 0, 0
        FROM {STAGE} s JOIN partners_partner_v p ON p.tax_id = s.partner_tax_id
        ORDER BY s.row_no
        ON CONFLICT (reference) DO NOTHING
    """  # noqa: S608


@register
class DeliveryImporter(SettlementImporter):
    kind = "settlement_deliveries"
    label = gettext_lazy("Deliveries")
    description = gettext_lazy(
        "Columns: partner_tax_id, delivery_number, order_number (optional), delivery_date "
        "(YYYY-MM-DD), amount (above 0, at most 999,999,999,999.9999), currency. Deliveries "
        "already imported are skipped."
    )
    stage_columns = [
        "partner_tax_id",
        "delivery_number",
        "order_number",
        "delivery_date",
        "amount",
        "currency",
    ]
    optional_columns = frozenset({"order_number"})
    date_columns = frozenset({"delivery_date"})
    key = "delivery_number"
    checks = [
        *_COMMON_HEAD,
        *_text_checks("delivery_number"),
        _foreign_check("delivery_number", "settlement_delivery", "reference"),
        *_text_checks("order_number", required=False),
        (
            "order_number",
            "foreign_order",
            "EXISTS (SELECT 1 FROM settlement_order x WHERE x.reference = s.order_number"
            " AND x.partner_id IS DISTINCT FROM p.id)",
        ),
        *_date_checks("delivery_date"),
        *_COMMON_TAIL,
    ]
    insert_sql = f"""
        INSERT INTO settlement_delivery (
            partner_id, reference, order_reference, delivery_date, amount, currency,
            import_batch_id, created_at
        )
        SELECT p.id, s.delivery_number, coalesce(s.order_number, ''), s.delivery_date::date,
               s.amount::numeric, upper(s.currency), %(batch)s, now()
        FROM {STAGE} s JOIN partners_partner_v p ON p.tax_id = s.partner_tax_id
        ORDER BY s.row_no
        ON CONFLICT (reference) DO NOTHING
    """  # noqa: S608


@register
class PaymentImporter(SettlementImporter):
    kind = "settlement_payments"
    label = gettext_lazy("Payments")
    description = gettext_lazy(
        "Columns: partner_tax_id (the payer), transaction_id (the bank's), reference (optional, "
        "usually the order number), payment_date (YYYY-MM-DD), amount (above 0, at most "
        "999,999,999,999.9999), currency. "
        "Payments already imported are skipped."
    )
    stage_columns = [
        "partner_tax_id",
        "transaction_id",
        "reference",
        "payment_date",
        "amount",
        "currency",
    ]
    optional_columns = frozenset({"reference"})
    date_columns = frozenset({"payment_date"})
    key = "transaction_id"
    checks = [
        *_COMMON_HEAD,
        *_text_checks("transaction_id"),
        _foreign_check("transaction_id", "settlement_payment", "transaction_id"),
        *_text_checks("reference", required=False),
        *_date_checks("payment_date"),
        *_COMMON_TAIL,
    ]
    insert_sql = f"""
        INSERT INTO settlement_payment (
            partner_id, transaction_id, reference, paid_on, amount, currency, import_batch_id,
            created_at
        )
        SELECT p.id, s.transaction_id, coalesce(s.reference, ''), s.payment_date::date,
               s.amount::numeric, upper(s.currency), %(batch)s, now()
        FROM {STAGE} s JOIN partners_partner_v p ON p.tax_id = s.partner_tax_id
        ORDER BY s.row_no
        ON CONFLICT (transaction_id) DO NOTHING
    """  # noqa: S608
