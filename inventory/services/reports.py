"""Inventory and sell-through reports in (DESIGN §11): validated as a whole, stored as new versions.

Every door (a CSV/XLSX import, the API of partner systems) goes through `inventory_lines_load`:
the rows are COPYed into a staging table, typed and checked with set-based SQL (unknown product,
negative on-hand, future date, currency without an FX rate on the sale date, a line twice in the
file, a partner the sender may not report for), and stored all or nothing. The rows of one partner
and month become one new report version; the version it supersedes, with its rows, stays and is
marked not current in the same transaction. The scan of new sell-through reports is queued
through the outbox, so it runs only once they are committed.

Who may report for whom: a partner user for its own company, a distributor's users also for its
dealers (`Partner.parent`), vendor staff for any partner (on its behalf).
"""

from __future__ import annotations

import csv
import datetime
import io
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.db.models import Min, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.choices import CHANNEL_ROLES, FINANCE_ROLES, Role
from core.audit import audit_record_many
from core.dbroles import STAGING_SCHEMA
from core.imports import (
    MAX_REPORTED_ERRORS,
    FileFormatError,
    copy_csv,
    staged_errors,
    staged_header,
)
from core.models import FxRate
from core.money import MINOR_UNITS
from core.outbox import outbox_enqueue
from deals.models import Product
from partners.models import Partner
from partners.regions import REGIONS

from ..choices import ReportKind, ReportSource
from ..models import InventoryReport

SCAN_TASK = "inventory.tasks.inventory_reports_scan_task"
FIGURES_TASK = "inventory.tasks.inventory_figures_refresh_batch_task"
# Lines one API call may carry (a month of one partner is about 200; files go through imports).
MAX_API_LINES = 10_000


# --- who may report for whom -------------------------------------------------------------------
# Vendor staff who import on a partner's behalf (legal reviewers do not).
STAFF_REPORTERS = frozenset({Role.ADMIN, *CHANNEL_ROLES, *FINANCE_ROLES})


def inventory_may_report(user) -> bool:
    """Whether the user's role sends inventory reports at all: partner users, and the staff
    who import on a partner's behalf."""
    return bool(
        user.is_authenticated
        and (user.is_partner_user or user.is_admin or user.role in STAFF_REPORTERS)
    )


def inventory_reportable_partner_ids(user) -> set[int] | None:
    """The partners `user` may report for: None for vendor staff (any partner), else its own
    company and, for a distributor, its dealers."""
    if not inventory_may_report(user):
        return set()
    if not user.is_partner_user:
        return None
    dealers = Partner.objects.unrestricted("a distributor reports for its dealers").filter(
        Q(pk=user.partner_id) | Q(parent_id=user.partner_id)
    )
    return set(dealers.values_list("pk", flat=True))


def inventory_may_report_for(user, partner_id: int) -> bool:
    allowed = inventory_reportable_partner_ids(user)
    return allowed is None or partner_id in allowed


# --- the staged pipeline -------------------------------------------------------------------------
@dataclass(frozen=True)
class KindSpec:
    kind: str
    columns: tuple[str, ...]
    optional: frozenset[str]
    date_column: str


SELL_THROUGH_COLUMNS = (
    "partner_tax_id",
    "sold_on",
    "sku",
    "quantity",
    "unit_price",
    "currency",
    "customer_name",
    "customer_tax_id",
    "customer_region",
    "serial_numbers",
)
SNAPSHOT_COLUMNS = ("partner_tax_id", "sku", "as_of", "on_hand")
SPECS = {
    ReportKind.SELL_THROUGH: KindSpec(
        ReportKind.SELL_THROUGH,
        SELL_THROUGH_COLUMNS,
        frozenset({"partner_tax_id", "customer_tax_id", "serial_numbers"}),
        "sold_on",
    ),
    ReportKind.INVENTORY: KindSpec(
        ReportKind.INVENTORY, SNAPSHOT_COLUMNS, frozenset({"partner_tax_id"}), "as_of"
    ),
}
TYPED = "inventory_import_typed"
GROUPS = "inventory_import_groups"


def _messages() -> dict[str, str]:
    return {
        "required": _("This value is required."),
        "unknown_partner": _("No partner has this tax ID."),
        "not_yours": _(
            "You may report only for your own company (and, for a distributor, its dealers)."
        ),
        "partner_required": _("Give the partner's tax ID: this file may report for several."),
        "unknown_product": _("No product has this SKU."),
        "date": _("Not a date (YYYY-MM-DD)."),
        "future": _("The date is in the future."),
        "other_month": _("The date is not in the report's month."),
        "whole_number": _("Not a whole number (at most 9 digits)."),
        "not_positive": _("The quantity must be greater than zero."),
        "negative": _("The on-hand quantity must not be negative."),
        "price": _("Not a price: a number from 0 to 999,999,999,999.99 (at most 2 decimals)."),
        "price_negative": _("The unit price must not be negative."),
        "currency": _("Not a supported currency."),
        "no_fx": _("No FX rate for this currency on or before the sale date: ask finance."),
        "too_long_200": _("At most 200 characters."),
        "too_long_40": _("At most 40 characters."),
        "serial": _("Serial numbers are separated by “;”, each at most 80 characters."),
        "serial_twice": _("A serial number appears more than once in the file."),
        "region": _("Not a region code or name (for example CN-SH or Shanghai)."),
        "duplicate": _("This line appears more than once in the file."),
    }


def _shapes(*, sign: bool, digits: int, decimals: int) -> list[str]:
    """Every valid number written with each digit as 0 (a hashed lookup instead of a regex)."""
    fractions = ["", *("." + "0" * n for n in range(1, decimals + 1))]
    units = ["0" * n + f for n in range(1, digits + 1) for f in fractions]
    return units + ["-" + u for u in units] if sign else units


def _region_keys() -> tuple[list[str], list[str]]:
    """(key, code) pairs: a region by code or by name, in English or Chinese, any case."""
    pairs: dict[str, str] = {}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            for code, label in REGIONS:
                pairs[code.lower()] = code
                pairs[str(label).lower()] = code
    return list(pairs), list(pairs.values())


def _fx_first_days() -> tuple[list[str], list]:
    """Each currency's first day with a rate to the base currency (direct or inverse): a sale
    before it cannot be converted (`core.fx.fx_rate` would find nothing)."""
    base = settings.PRM_BASE_CURRENCY
    first: dict[str, datetime.date] = {}
    pairs = (
        FxRate.objects.filter(Q(base_currency=base) | Q(quote_currency=base))
        .values_list("base_currency", "quote_currency")
        .annotate(day=Min("rate_date"))
        .order_by()
    )
    for base_currency, quote_currency, day in pairs:
        currency = quote_currency if base_currency == base else base_currency
        first[currency] = min(day, first.get(currency, day))
    return list(first), list(first.values())


_CALENDAR = """
    LEFT JOIN (
        SELECT to_char(date '1900-01-01' + n, 'YYYY-MM-DD') AS iso,
               min(date '1900-01-01' + n) AS day
        FROM generate_series(0, date '2099-12-31' - date '1900-01-01') n
        GROUP BY 1
    ) v ON v.iso = btrim(s.{column})
"""


def _cell(column: str) -> str:
    return f"nullif(btrim(s.{column}), '')"


def _shape(column: str, shapes: str) -> str:
    return f"translate(btrim(s.{column}), '123456789', '000000000') = ANY(%({shapes})s)"


# The partner of a row: its tax ID, or the sender's own company when the file names none.
_PARTNER_SELECT = f"""
    coalesce(p.id, CASE WHEN {_cell("partner_tax_id")} IS NULL THEN %(default_partner)s::bigint END)
        AS partner_id,
    {_cell("partner_tax_id")} AS partner_tax_id,
"""
_PARTNER_JOIN = f"LEFT JOIN partners_partner_v p ON p.tax_id = {_cell('partner_tax_id')}"
_PRODUCT_JOIN = (
    "LEFT JOIN unnest(%(skus)s::text[], %(product_ids)s::bigint[]) pr(sku, id)"
    " ON pr.sku = btrim(s.sku)"
)


def _typed_select(spec: KindSpec, stage: str) -> str:
    if spec.kind == ReportKind.SELL_THROUGH:
        return f"""
        SELECT s.row_no, {_PARTNER_SELECT}
               pr.id AS product_id, {_cell("sku")} AS sku, v.day AS day,
               CASE WHEN {_shape("quantity", "int_shapes")} THEN btrim(s.quantity)::bigint END
                   AS quantity,
               CASE WHEN {_shape("unit_price", "price_shapes")}
                    THEN btrim(s.unit_price)::numeric(16, 2) END AS unit_price,
               CASE WHEN btrim(s.currency) = ANY(%(currencies)s) THEN btrim(s.currency)
                    WHEN upper(btrim(s.currency)) = ANY(%(currencies)s)
                    THEN upper(btrim(s.currency)) END AS currency,
               {_cell("customer_name")} AS customer_name,
               coalesce(btrim(s.customer_tax_id), '') AS customer_tax_id,
               rg.code AS customer_region, {_cell("customer_region")} AS region_text,
               CASE WHEN {_cell("serial_numbers")} IS NULL THEN '{{}}'::text[]
                    ELSE array_remove(regexp_split_to_array(btrim(s.serial_numbers),
                                                            '\\s*;\\s*'), '') END
                   AS serial_numbers
        FROM {stage} s
        {_PARTNER_JOIN}
        {_PRODUCT_JOIN}
        LEFT JOIN unnest(%(region_keys)s::text[], %(region_codes)s::text[]) rg(key, code)
            ON rg.key = lower(btrim(s.customer_region))
        {_CALENDAR.format(column="sold_on")}
        """  # noqa: S608 (constant names; the stage table's name is generated)
    return f"""
        SELECT s.row_no, {_PARTNER_SELECT}
               pr.id AS product_id, {_cell("sku")} AS sku, v.day AS day,
               CASE WHEN {_shape("on_hand", "int_shapes")} THEN btrim(s.on_hand)::bigint END
                   AS on_hand
        FROM {stage} s
        {_PARTNER_JOIN}
        {_PRODUCT_JOIN}
        {_CALENDAR.format(column="as_of")}
    """  # noqa: S608


def _checks(spec: KindSpec) -> list[tuple[str, str, str]]:
    """(column, code, condition on a typed row true when the cell is wrong), in column order."""
    date = spec.date_column
    partner = [
        ("partner_tax_id", "partner_required", "t.partner_id IS NULL AND t.partner_tax_id IS NULL"),
        ("partner_tax_id", "unknown_partner", "t.partner_id IS NULL"),
        (
            "partner_tax_id",
            "not_yours",
            "%(allowed)s::bigint[] IS NOT NULL AND NOT t.partner_id = ANY(%(allowed)s::bigint[])",
        ),
    ]
    dates = [
        (date, "date", "t.day IS NULL"),
        (date, "future", "t.day > %(today)s::date"),
        (
            date,
            "other_month",
            "%(month)s::date IS NOT NULL AND date_trunc('month', t.day)::date <> %(month)s::date",
        ),
    ]
    product = [
        ("sku", "required", "t.sku IS NULL"),
        ("sku", "unknown_product", "t.product_id IS NULL"),
    ]
    if spec.kind == ReportKind.INVENTORY:
        return [
            *partner,
            *product,
            *dates,
            ("on_hand", "whole_number", "t.on_hand IS NULL"),
            ("on_hand", "negative", "t.on_hand < 0"),
        ]
    return [
        *partner,
        *dates,
        *product,
        ("quantity", "whole_number", "t.quantity IS NULL"),
        ("quantity", "not_positive", "t.quantity <= 0"),
        ("unit_price", "price", "t.unit_price IS NULL"),
        ("unit_price", "price_negative", "t.unit_price < 0"),
        ("currency", "currency", "t.currency IS NULL"),
        (
            "currency",
            "no_fx",
            "t.currency <> %(base_currency)s AND t.day IS NOT NULL AND NOT coalesce("
            "t.day >= (%(fx_days)s::date[])[array_position(%(fx_currencies)s::text[], "
            "t.currency)], false)",
        ),
        ("customer_name", "required", "t.customer_name IS NULL"),
        ("customer_name", "too_long_200", "length(t.customer_name) > 200"),
        ("customer_tax_id", "too_long_40", "length(t.customer_tax_id) > 40"),
        ("customer_region", "required", "t.region_text IS NULL"),
        ("customer_region", "region", "t.customer_region IS NULL"),
        (
            "serial_numbers",
            "serial",
            "cardinality(t.serial_numbers) > 0 AND EXISTS ("
            "SELECT 1 FROM unnest(t.serial_numbers) x WHERE length(x) > 80)",
        ),
    ]


def _typed_sql(spec: KindSpec, stage: str) -> str:
    checks = _checks(spec)
    by_column: dict[str, list[str]] = {}
    for column, code, condition in checks:
        by_column.setdefault(column, []).append(f"WHEN {condition} THEN '{column}:{code}'")
    cases = ",\n".join(f"CASE {' '.join(whens)} END" for whens in by_column.values())
    wrong = " OR ".join(f"coalesce({condition}, false)" for _c, _k, condition in checks)
    # Built only from the constant checks above and a generated table name, never from file
    # content. The error array is built only for the rows that have one.
    return f"""
        CREATE TEMP TABLE {TYPED} ON COMMIT DROP AS
        SELECT t.*,
               CASE WHEN {wrong} THEN array_remove(ARRAY[{cases}], NULL) END AS errors
        FROM ({_typed_select(spec, stage)} OFFSET 0) t
    """  # noqa: S608


def _duplicates_sql(spec: KindSpec) -> str:
    """Rows of the file another row repeats (and, for sell-through, serial numbers twice)."""
    if spec.kind == ReportKind.INVENTORY:
        return f"""
            SELECT t.row_no, 'sku:duplicate' FROM {TYPED} t
            JOIN (SELECT partner_id, product_id, day FROM {TYPED}
                  WHERE errors IS NULL GROUP BY 1, 2, 3 HAVING count(*) > 1) d
            USING (partner_id, product_id, day)
        """  # noqa: S608
    key = (
        "partner_id, product_id, day, quantity, unit_price, currency, customer_name, "
        "customer_tax_id, customer_region, serial_numbers"
    )
    return f"""
        SELECT t.row_no, 'sku:duplicate' FROM {TYPED} t
        JOIN (SELECT {key} FROM {TYPED} WHERE errors IS NULL
              GROUP BY {key} HAVING count(*) > 1) d
        USING ({key})
        UNION ALL
        SELECT DISTINCT t.row_no, 'serial_numbers:serial_twice'
        FROM (SELECT row_no, partner_id, unnest(serial_numbers) AS serial FROM {TYPED}
              WHERE errors IS NULL AND cardinality(serial_numbers) > 0) t
        JOIN (SELECT partner_id, serial
              FROM (SELECT partner_id, unnest(serial_numbers) AS serial FROM {TYPED}
                    WHERE errors IS NULL AND cardinality(serial_numbers) > 0) u
              GROUP BY 1, 2 HAVING count(*) > 1) d
        USING (partner_id, serial)
    """  # noqa: S608


def _errors_sql(spec: KindSpec) -> str:
    return f"""
        SELECT row_no, error FROM (
            SELECT row_no, unnest(errors) AS error FROM {TYPED} WHERE errors IS NOT NULL
            UNION ALL {_duplicates_sql(spec)}
        ) e
        ORDER BY row_no, error
        LIMIT {MAX_REPORTED_ERRORS}
    """  # noqa: S608


def _params(spec: KindSpec, *, user, month: datetime.date | None) -> dict[str, Any]:
    allowed = inventory_reportable_partner_ids(user)
    skus, product_ids = [], []
    for sku, pk in Product.objects.values_list("sku", "pk"):
        skus.append(sku)
        product_ids.append(pk)
    params: dict[str, Any] = {
        "default_partner": user.partner_id if user.is_partner_user else None,
        "allowed": sorted(allowed) if allowed is not None else None,
        "skus": skus,
        "product_ids": product_ids,
        "today": timezone.localdate(),
        "month": month,
        "int_shapes": _shapes(sign=True, digits=9, decimals=0),
    }
    if spec.kind == ReportKind.SELL_THROUGH:
        keys, codes = _region_keys()
        fx_currencies, fx_days = _fx_first_days()
        params |= {
            "price_shapes": _shapes(sign=True, digits=12, decimals=2),
            "currencies": list(MINOR_UNITS),
            "region_keys": keys,
            "region_codes": codes,
            "base_currency": settings.PRM_BASE_CURRENCY,
            "fx_currencies": fx_currencies,
            "fx_days": fx_days,
        }
    return params


def _default_partner_refused(user) -> bool:
    """A distributor's file must name each row's partner: it may report for several."""
    allowed = inventory_reportable_partner_ids(user)
    return allowed is not None and len(allowed) > 1


def inventory_lines_load(
    stream: io.TextIOBase,
    *,
    kind: str,
    user,
    source: str = ReportSource.IMPORT,
    batch_id: int | None = None,
    month: datetime.date | None = None,
    report: Callable[[int, int | None], None] | None = None,
) -> tuple[int, list[int], list[dict]]:
    """COPY a CSV text stream of report rows, check it in SQL and store it as new report
    versions, one per partner and month (all or nothing).

    Returns (rows read, ids of the new reports, errors); with errors nothing is stored.
    """
    with transaction.atomic():
        return _lines_load(
            stream,
            kind=kind,
            user=user,
            source=source,
            batch_id=batch_id,
            month=month,
            report=report,
        )


def _lines_load(
    stream: io.TextIOBase,
    *,
    kind: str,
    user,
    source: str,
    batch_id: int | None,
    month: datetime.date | None,
    report: Callable[[int, int | None], None] | None,
) -> tuple[int, list[int], list[dict]]:
    spec = SPECS[ReportKind(kind)]
    first = stream.readline()
    if not first.strip():
        raise FileFormatError(_("The file is empty."))
    header = staged_header(first.lstrip("\ufeff"), columns=spec.columns, optional=spec.optional)
    stage = f"{STAGING_SCHEMA}.inventory_stage_{uuid.uuid4().hex}"
    params = _params(spec, user=user, month=month)
    if _default_partner_refused(user):
        params["default_partner"] = None
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(
            "SET LOCAL work_mem = '256MB'; SET LOCAL jit = off;"
            " SET LOCAL parallel_setup_cost = 0; SET LOCAL parallel_tuple_cost = 0.001"
        )
        cols = ", ".join(f"{c} text" for c in spec.columns)
        cursor.execute(
            f"CREATE UNLOGGED TABLE {stage} ("
            f"row_no bigint GENERATED ALWAYS AS IDENTITY (CACHE 100000), {cols})"
        )
        copy_csv(cursor, table=stage, header=header, stream=stream)
        count = cursor.rowcount
        if report:
            report(count, count)
        if count == 0:
            cursor.execute(f"DROP TABLE {stage}")
            return 0, [], [{"row": 1, "column": "", "message": _("The file has no data rows.")}]
        cursor.execute(f"DROP TABLE IF EXISTS {TYPED}")
        cursor.execute(_typed_sql(spec, stage), params)
        cursor.execute(f"DROP TABLE {stage}")
        cursor.execute(_errors_sql(spec))
        found = cursor.fetchall()
        if found:
            cursor.execute(f"DROP TABLE {TYPED}")
            return count, [], staged_errors(found, _messages())
        report_ids = _store(cursor, spec, user=user, source=source, batch_id=batch_id)
        cursor.execute(f"DROP TABLE {TYPED}; DROP TABLE {GROUPS}")
    _after_store(spec, report_ids, user=user)
    return count, report_ids, []


_LOCK_SQL = f"""
    SELECT count(pg_advisory_xact_lock(hashtextextended(
        'inventory_report:' || %(kind)s || ':' || partner_id || ':' || month, 0)))
    FROM (SELECT * FROM {GROUPS} ORDER BY partner_id, month) g
"""  # noqa: S608 (constant names)


def _store(
    cursor: CursorWrapper, spec: KindSpec, *, user, source: str, batch_id: int | None
) -> list[int]:
    """Supersede the current versions of the file's (partner, month)s and insert the new ones."""
    cursor.execute(f"DROP TABLE IF EXISTS {GROUPS}")
    cursor.execute(f"""
        CREATE TEMP TABLE {GROUPS} ON COMMIT DROP AS
        SELECT partner_id, date_trunc('month', day)::date AS month, count(*) AS line_count
        FROM {TYPED} GROUP BY 1, 2
    """)  # noqa: S608
    # One report version at a time per partner, kind and month: two senders of the same month
    # queue here rather than clash on the version number. In key order, so they never deadlock.
    cursor.execute(_LOCK_SQL, {"kind": spec.kind})
    cursor.execute(
        f"""
        UPDATE inventory_inventoryreport r SET is_current = false
        FROM {GROUPS} g
        WHERE r.partner_id = g.partner_id AND r.month = g.month AND r.kind = %(kind)s
          AND r.is_current
        RETURNING r.id
        """,  # noqa: S608
        {"kind": spec.kind},
    )
    superseded = [row[0] for row in cursor.fetchall()]
    if superseded:
        _rows_retire(cursor, spec, superseded)
    sender = user.partner_id if user.is_partner_user else None
    cursor.execute(
        f"""
        INSERT INTO inventory_inventoryreport (
            partner_id, kind, month, version, is_current, source, reported_by_partner_id,
            reported_by_id, import_batch_id, line_count, created_at
        )
        SELECT g.partner_id, %(kind)s, g.month,
               coalesce((SELECT max(r.version) FROM inventory_inventoryreport r
                         WHERE r.partner_id = g.partner_id AND r.kind = %(kind)s
                           AND r.month = g.month), 0) + 1,
               true, %(source)s,
               CASE WHEN %(sender)s::bigint IS NOT NULL AND %(sender)s::bigint <> g.partner_id
                    THEN %(sender)s::bigint END,
               %(user)s, %(batch)s, g.line_count, now()
        FROM {GROUPS} g
        ORDER BY g.partner_id, g.month
        RETURNING id
        """,  # noqa: S608
        {
            "kind": spec.kind,
            "source": source,
            "sender": sender,
            "user": user.pk,
            "batch": batch_id,
        },
    )
    report_ids = [row[0] for row in cursor.fetchall()]
    joined = f"""
        FROM {TYPED} t
        JOIN inventory_inventoryreport r
          ON r.partner_id = t.partner_id AND r.month = date_trunc('month', t.day)::date
         AND r.kind = %(kind)s AND r.id = ANY(%(reports)s)
    """  # noqa: S608
    if spec.kind == ReportKind.INVENTORY:
        cursor.execute(
            f"""
            INSERT INTO inventory_inventorysnapshot (
                report_id, partner_id, product_id, as_of, on_hand, is_current)
            SELECT r.id, t.partner_id, t.product_id, t.day, t.on_hand, true {joined}
            ORDER BY t.partner_id, t.product_id, t.day
            """,  # noqa: S608
            {"kind": spec.kind, "reports": report_ids},
        )
        return report_ids
    # The serial numbers are stored from the inserted rows themselves (no second read of the
    # new lines): one row per serial, so a serial reported twice is found through one index.
    cursor.execute(
        f"""
        WITH inserted AS (
            INSERT INTO inventory_sellthroughline (
                report_id, partner_id, product_id, sold_on, quantity, unit_price, currency,
                customer_name, customer_tax_id, customer_region, serial_numbers, is_current)
            SELECT r.id, t.partner_id, t.product_id, t.day, t.quantity, t.unit_price, t.currency,
                   t.customer_name, t.customer_tax_id, t.customer_region, t.serial_numbers, true
            {joined}
            -- In index order: each partner's new lines land on the same few index pages.
            ORDER BY t.partner_id, t.product_id, t.day
            RETURNING id, partner_id, serial_numbers
        )
        INSERT INTO inventory_soldserial (line_id, partner_id, serial, is_current)
        SELECT id, partner_id, unnest(serial_numbers), true
        FROM inserted WHERE cardinality(serial_numbers) > 0
        """,  # noqa: S608
        {"kind": spec.kind, "reports": report_ids},
    )
    return report_ids


def _rows_retire(cursor: CursorWrapper, spec: KindSpec, report_ids: list[int]) -> None:
    """The rows of superseded versions stay, no longer current."""
    if spec.kind == ReportKind.INVENTORY:
        cursor.execute(
            "UPDATE inventory_inventorysnapshot SET is_current = false"
            " WHERE report_id = ANY(%s) AND is_current",
            [report_ids],
        )
        return
    cursor.execute(
        "UPDATE inventory_soldserial s SET is_current = false"
        " FROM inventory_sellthroughline l"
        " WHERE s.line_id = l.id AND l.report_id = ANY(%s) AND s.is_current",
        [report_ids],
    )
    cursor.execute(
        "UPDATE inventory_sellthroughline SET is_current = false"
        " WHERE report_id = ANY(%s) AND is_current",
        [report_ids],
    )


def _after_store(spec: KindSpec, report_ids: list[int], *, user) -> None:
    """Audit each new version; queue the scan of new sell-through and the refresh of the
    partners' figures and alerts (both sent after commit)."""
    reports = InventoryReport.objects.unrestricted("the reports this call just stored").filter(
        pk__in=report_ids
    )
    partner_ids = sorted(set(reports.values_list("partner_id", flat=True)))
    audit_record_many(
        actor=user,
        action="inventory_report.received",
        events=[
            (r, {"version": {"before": None, "after": r.version}, "lines": r.line_count})
            for r in reports.select_related("partner")
        ],
    )
    if spec.kind == ReportKind.SELL_THROUGH and report_ids:
        outbox_enqueue(SCAN_TASK, args=[report_ids])
    if partner_ids:
        outbox_enqueue(FIGURES_TASK, args=[partner_ids])


# --- the API's door: one report of one partner and month -----------------------------------------
def _lines_as_csv(kind: str, partner: Partner, lines: Iterable[Mapping[str, Any]]) -> io.StringIO:
    columns = SPECS[ReportKind(kind)].columns
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for line in lines:
        row = dict(line) | {"partner_tax_id": partner.tax_id}
        serials = row.get("serial_numbers")
        if isinstance(serials, list | tuple):
            row["serial_numbers"] = ";".join(str(s) for s in serials)
        writer.writerow(["" if row.get(c) is None else str(row.get(c)) for c in columns])
    out.seek(0)
    return out


def _line_errors(errors: Sequence[dict]) -> dict[str, list[str]]:
    """Staged errors (file line numbers, header first) as the API's `lines[i].column` messages."""
    found: dict[str, list[str]] = {}
    for error in errors:
        row = int(error.get("row") or 1)
        where = f"lines[{row - 2}].{error['column']}" if row > 1 else "lines"
        found.setdefault(where, []).append(str(error["message"]))
    return found


@transaction.atomic
def inventory_report_submit(
    *,
    partner: Partner,
    kind: str,
    month: datetime.date,
    lines: Sequence[Mapping[str, Any]],
    actor,
    source: str = ReportSource.API,
) -> InventoryReport:
    """Store a partner's month of one kind as its new current version (the previous version and
    its rows stay, not current). `lines` hold the import's columns (without partner_tax_id).
    Refuses a partner the actor may not report for; bad lines raise a ValidationError keyed
    `lines[i].column`, and nothing is written."""
    if not inventory_may_report_for(actor, partner.pk):
        raise PermissionDenied(_("You may not report for this partner."))
    if month.day != 1:
        raise ValidationError({"month": [_("Give the first day of the month.")]})
    if not lines:
        raise ValidationError({"lines": [_("A report needs at least one line.")]})
    if len(lines) > MAX_API_LINES:
        raise ValidationError(
            {"lines": [_("At most %(n)s lines per report.") % {"n": f"{MAX_API_LINES:,}"}]}
        )
    try:
        _count, report_ids, errors = inventory_lines_load(
            _lines_as_csv(kind, partner, lines), kind=kind, user=actor, source=source, month=month
        )
    except FileFormatError as exc:
        raise ValidationError({"lines": [str(exc)]}) from exc
    if errors:
        raise ValidationError(_line_errors(errors))
    return InventoryReport.objects.unrestricted("the report just stored").get(pk=report_ids[0])
