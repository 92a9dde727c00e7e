"""Benchmark of channel inventory (DESIGN §11): `.venv/bin/python bench/bench_inventory.py`.

Creates (or reuses) the database `prm_bench_inventory` (BENCH_DB names another) on the server of
`DATABASE_URL`, migrates it and, once, fills it at DESIGN §11 scale in set-based SQL: 10,000
partners, 500 products, a year of history (10,000 partners × 12 monthly sell-through reports ×
200 lines = 24,000,000 lines, each with a monthly inventory report). Then it runs the measurements
of `MEASUREMENTS` and prints them in a table against their goals:

- the import of 1,000,000 sell-through lines (5,000 partners × 200 lines in one month) with every
  check (unknown SKU, dates, FX rate on the sale date, duplicates within the file, serial numbers
  twice, quantities, prices, who may report for whom): goal < 20 s;
- the same file again, as corrections (each report superseded, its rows kept not current);
- a file of 1,000,000 lines whose last line is wrong: refused with nothing written.

Sizes: BENCH_PARTNERS (10000), BENCH_MONTHS (12), BENCH_LINES_PER_REPORT (200),
BENCH_IMPORT_LINES (1000000); `--rebuild` regenerates the history. The machine's cores may be
shared: the table carries the load average it was measured at.

Other measurements (the report pages, the monthly diversion and price scan, < 60 s) are added as
functions to `MEASUREMENTS`: each takes the `Bench` and returns its `Row`.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass

from common import bench_database

BENCH_DB = os.environ.get("BENCH_DB", "prm_bench_inventory")
PARTNERS = int(os.environ.get("BENCH_PARTNERS", "10000"))
MONTHS = int(os.environ.get("BENCH_MONTHS", "12"))
LINES_PER_REPORT = int(os.environ.get("BENCH_LINES_PER_REPORT", "200"))
IMPORT_LINES = int(os.environ.get("BENCH_IMPORT_LINES", "1000000"))
PRODUCTS = 500
# The month imported: the last full month before the history's end, never in the future.
IMPORT_MONTH = datetime.date(2026, 11, 1)
GOAL_IMPORT_S = 20.0


@dataclass
class Row:
    name: str
    seconds: float
    goal: str = ""
    ok: bool | None = None
    note: str = ""


@dataclass
class Bench:
    """What measurements share: the staff user who imports and the size of the data."""

    user: object
    partners: int
    history_lines: int


# --- data -------------------------------------------------------------------------------------
def build(*, rebuild: bool) -> Bench:
    from django.db import connection, transaction

    from accounts.choices import Role
    from accounts.models import User
    from core.models import FxRate
    from partners.defaults import ensure_default_tiers
    from partners.models import Tier

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM partners_partner WHERE tax_id LIKE 'INVB%%'")
        have = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM inventory_inventoryreport WHERE month < %s", [IMPORT_MONTH]
        )
        history = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM inventory_sellthroughline")
        lines = cursor.fetchone()[0]
    user, _ = User.objects.get_or_create(
        email="bench-inventory@vendor.example",
        defaults={"full_name": "Bench importer", "role": Role.CHANNEL_MANAGER},
    )
    if have >= PARTNERS and history == PARTNERS * MONTHS * 2 and not rebuild:
        print(f"reusing {PARTNERS:,} partners and {lines:,} sell-through lines in {BENCH_DB}")
        return Bench(user=user, partners=PARTNERS, history_lines=lines)
    ensure_default_tiers(Tier)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE inventory_inventoryflag, inventory_inventorypenalty, inventory_soldserial,"
            " inventory_sellthroughline, inventory_inventorysnapshot, inventory_inventoryalert,"
            " inventory_inventoryreport RESTART IDENTITY CASCADE"
        )
        cursor.execute(
            """
            INSERT INTO partners_partner (legal_name, tax_id, country, partner_type, regions,
                classification, status, contract_currency, credit_limit, specializations,
                created_at, updated_at, tier_id)
            SELECT 'Inventory bench partner ' || g, 'INVB' || lpad(g::text, 8, '0'), 'CN',
                   'reseller', '{CN-SH}', '', 'active', 'CNY', 0, '{}', now(), now(),
                   (SELECT id FROM partners_tier ORDER BY rank LIMIT 1)
            FROM generate_series(1, %s) g
            ON CONFLICT (tax_id) DO NOTHING
            """,
            [PARTNERS],
        )
        cursor.execute(
            """
            INSERT INTO deals_productfamily (code, name)
            VALUES ('inventory-bench', 'Inventory bench family') ON CONFLICT (code) DO NOTHING
            """
        )
        cursor.execute(
            """
            INSERT INTO deals_product (sku, name, family_id, list_price, floor_price, currency,
                                       is_strategic, is_active)
            SELECT 'INV-' || g, 'Bench product ' || g,
                   (SELECT id FROM deals_productfamily WHERE code = 'inventory-bench'),
                   1000, 600, 'CNY', false, true
            FROM generate_series(1, %s) g
            ON CONFLICT (sku) DO NOTHING
            """,
            [PRODUCTS],
        )
        FxRate.objects.get_or_create(
            base_currency="USD",
            quote_currency="CNY",
            rate_date=datetime.date(2024, 1, 1),
            defaults={"rate": "7.10"},
        )
        # A year of history: per partner and month one sell-through and one inventory report.
        cursor.execute(
            """
            INSERT INTO inventory_inventoryreport (partner_id, kind, month, version, is_current,
                source, reported_by_id, line_count, created_at)
            SELECT p.id, k.kind, (date %s - make_interval(months => m))::date, 1, true, 'import',
                   %s, CASE WHEN k.kind = 'sell_through' THEN %s ELSE 50 END, now()
            FROM partners_partner p
            CROSS JOIN generate_series(1, %s) m
            CROSS JOIN (VALUES ('sell_through'), ('inventory')) k(kind)
            WHERE p.tax_id LIKE 'INVB%%' AND p.tax_id <= 'INVB' || lpad(%s::text, 8, '0')
            """,
            [IMPORT_MONTH.isoformat(), user.pk, LINES_PER_REPORT, MONTHS, PARTNERS],
        )
        cursor.execute(
            """
            INSERT INTO inventory_sellthroughline (report_id, partner_id, product_id, sold_on,
                quantity, unit_price, currency, customer_name, customer_tax_id, customer_region,
                serial_numbers, is_current)
            SELECT r.id, r.partner_id, pr.min_id + (r.id * 7 + n) %% %s,
                   r.month + (n %% 28), 1 + n %% 5, 500 + (n * 37) %% 900, 'CNY',
                   'Customer ' || (r.partner_id * 13 + n) %% 5000, '', 'CN-SH', '{}', true
            FROM inventory_inventoryreport r
            CROSS JOIN generate_series(1, %s) n
            CROSS JOIN (SELECT min(id) AS min_id FROM deals_product WHERE sku LIKE 'INV-%%') pr
            WHERE r.kind = 'sell_through'
            """,
            [PRODUCTS, LINES_PER_REPORT],
        )
        cursor.execute(
            """
            INSERT INTO inventory_inventorysnapshot (report_id, partner_id, product_id, as_of,
                on_hand, is_current)
            SELECT r.id, r.partner_id, pr.min_id + n, (r.month + interval '1 month - 1 day')::date,
                   (r.id + n) %% 300, true
            FROM inventory_inventoryreport r
            CROSS JOIN generate_series(0, 49) n
            CROSS JOIN (SELECT min(id) AS min_id FROM deals_product WHERE sku LIKE 'INV-%%') pr
            WHERE r.kind = 'inventory'
            """,
            [],
        )
        cursor.execute("SELECT count(*) FROM inventory_sellthroughline")
        lines = cursor.fetchone()[0]
    with connection.cursor() as cursor:
        for table in (
            "inventory_sellthroughline",
            "inventory_inventoryreport",
            "inventory_inventorysnapshot",
            "partners_partner",
        ):
            cursor.execute(f"VACUUM ANALYZE {table}")
    print(
        f"built {PARTNERS:,} partners, {lines:,} sell-through lines of history in "
        f"{time.perf_counter() - started:.1f} s"
    )
    return Bench(user=user, partners=PARTNERS, history_lines=lines)


def import_file(*, lines: int, partners: int, wrong_last: bool = False) -> str:
    """A sell-through file: `lines` lines over partners of 200 lines each, in IMPORT_MONTH, a
    tenth in USD, a twentieth with two serial numbers, regions by code or by name."""
    regions = ["CN-SH", "CN-BJ", "Guangdong", "浙江", "cn-js"]
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed below, removed by the caller)
        "w", suffix=".csv", delete=False, newline="", encoding="utf-8"
    )
    with handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
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
            ]
        )
        for i in range(lines):
            partner = 1 + (i // LINES_PER_REPORT) % partners
            writer.writerow(
                [
                    f"INVB{partner:08d}",
                    f"2026-11-{1 + i % 28:02d}",
                    f"INV-{1 + i % PRODUCTS}",
                    1 + i % 7,
                    f"{500 + (i * 37) % 90000 / 100:.2f}",
                    "USD" if i % 10 == 0 else "CNY",
                    f"End customer {i % 20000}",
                    f"91310000MA{i:08d}" if i % 3 == 0 else "",
                    regions[i % len(regions)],
                    f"S{i}-A;S{i}-B" if i % 20 == 0 else "",
                ]
            )
        if wrong_last:
            writer.writerow(
                [
                    "INVB00000001",
                    "2026-11-02",
                    "NO-SUCH-SKU",
                    1,
                    "1.00",
                    "CNY",
                    "X",
                    "",
                    "CN-SH",
                    "",
                ]
            )
    return handle.name


def _load(bench: Bench, path: str) -> tuple[int, list[int], list[dict]]:
    from django.db import transaction

    from inventory.services.reports import inventory_lines_load

    with open(path, encoding="utf-8", newline="") as stream, transaction.atomic():
        result = inventory_lines_load(stream, kind="sell_through", user=bench.user)
        if result[2]:
            transaction.set_rollback(True)
        return result


def clear_import_month() -> None:
    """Remove what earlier runs imported into IMPORT_MONTH, so the first import is a fresh one."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        reports = "SELECT id FROM inventory_inventoryreport WHERE month = %(month)s"
        lines = f"SELECT id FROM inventory_sellthroughline WHERE report_id IN ({reports})"
        params = {"month": IMPORT_MONTH}
        cursor.execute(f"DELETE FROM inventory_soldserial WHERE line_id IN ({lines})", params)
        cursor.execute(
            f"DELETE FROM inventory_sellthroughline WHERE report_id IN ({reports})", params
        )
        cursor.execute(
            f"DELETE FROM inventory_inventorysnapshot WHERE report_id IN ({reports})", params
        )
        cursor.execute("DELETE FROM inventory_inventoryreport WHERE month = %(month)s", params)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE inventory_sellthroughline")


# --- measurements: each takes the Bench and returns its Row --------------------------------------
def import_fresh(bench: Bench) -> Row:
    clear_import_month()
    partners = min(bench.partners, max(1, IMPORT_LINES // LINES_PER_REPORT))
    path = import_file(lines=IMPORT_LINES, partners=partners)
    try:
        started = time.perf_counter()
        count, reports, errors = _load(bench, path)
        seconds = time.perf_counter() - started
    finally:
        os.unlink(path)
    assert not errors, errors[:3]
    return Row(
        f"import {count:,} sell-through lines, all checks ({len(reports):,} reports)",
        seconds,
        f"< {GOAL_IMPORT_S:.0f} s",
        seconds < GOAL_IMPORT_S * IMPORT_LINES / 1_000_000,
        f"{count / seconds:,.0f} lines/s",
    )


def import_corrections(bench: Bench) -> Row:
    partners = min(bench.partners, max(1, IMPORT_LINES // LINES_PER_REPORT))
    path = import_file(lines=IMPORT_LINES, partners=partners)
    try:
        started = time.perf_counter()
        count, reports, errors = _load(bench, path)
        seconds = time.perf_counter() - started
    finally:
        os.unlink(path)
    assert not errors, errors[:3]
    return Row(
        f"the same {count:,} lines again: new versions, old rows kept",
        seconds,
        f"< {GOAL_IMPORT_S:.0f} s",
        seconds < GOAL_IMPORT_S * IMPORT_LINES / 1_000_000,
    )


def import_refused(bench: Bench) -> Row:
    partners = min(bench.partners, max(1, IMPORT_LINES // LINES_PER_REPORT))
    path = import_file(lines=IMPORT_LINES, partners=partners, wrong_last=True)
    try:
        started = time.perf_counter()
        count, _reports, errors = _load(bench, path)
        seconds = time.perf_counter() - started
    finally:
        os.unlink(path)
    assert errors and errors[0]["column"] == "sku", errors[:3]
    return Row(
        f"{count:,} lines, the last one wrong: refused", seconds, "", None, "nothing written"
    )


MEASUREMENTS: list[Callable[[Bench], Row]] = [
    import_fresh,
    import_corrections,
    import_refused,
    # The report pages and the monthly diversion and price scan (< 60 s) are added here.
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument(
        "--only", action="append", default=[], help="a measurement's name (repeatable)"
    )
    args = parser.parse_args()
    bench_database(BENCH_DB)
    bench = build(rebuild=args.rebuild)
    if args.build_only:
        return
    rows = []
    for measure in MEASUREMENTS:
        if args.only and measure.__name__ not in args.only:
            continue
        row = measure(bench)
        print(f"  {row.name}: {row.seconds:.2f} s", flush=True)
        rows.append(row)
    load = os.getloadavg()
    print()
    print(
        f"DESIGN §11 inventory — {bench.partners:,} partners, {bench.history_lines:,} lines of "
        f"history; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores"
    )
    print(f"{'measurement':<66} {'seconds':>9}  {'goal':<8} {'':<4} note")
    for row in rows:
        verdict = "" if row.ok is None else ("ok" if row.ok else "MISS")
        print(f"{row.name:<66} {row.seconds:9.2f}  {row.goal:<8} {verdict:<4} {row.note}")


if __name__ == "__main__":
    main()
