"""Benchmark of the monthly diversion and price scan (DESIGN §11: a month's lines in < 60 s):
`.venv/bin/python bench/bench_inventory_scan.py`.

Creates (or reuses) the database named by BENCH_DB (default `prm_bench_inventory_scan`), migrates
it and generates, in SQL, 10,000 partners with their territory, 1,000 products with floor prices
(a tenth in USD, with a USD/CNY rate for every day of the month), one sell-through report per
partner for 2026-11 and 2,000,000 current lines with one serial number each (2 % sold outside the
territory, about 1 % below the floor, 0.5 % of serials also reported by another partner, about
15 % of the lines in USD, converted at the rate of their day, and 0.1 % in EUR, which has no rate,
so their price checks are held). Then it times the
monthly scan as the job runs it (chunks of partner ranges, one after the other here: several
workers would share them), an idempotent re-run, the whole month in one call, and the scan of
one report after its import. The data are kept between runs (BENCH_REBUILD=1 rebuilds them).
"""

from __future__ import annotations

import datetime
import os

from common import bench_database, timed

BENCH_DB = os.environ.get("BENCH_DB", "prm_bench_inventory_scan")
PARTNERS = int(os.environ.get("BENCH_PARTNERS", "10000"))
LINES = int(os.environ.get("BENCH_LINES", "2000000"))
PRODUCTS = int(os.environ.get("BENCH_PRODUCTS", "1000"))
CHUNKS = int(os.environ.get("BENCH_CHUNKS", "8"))
MONTH = datetime.date(2026, 11, 1)


def generate() -> None:
    from django.db import connection

    from accounts.models import User
    from core.models import FxRate
    from deals.models import Product, ProductFamily

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE inventory_inventorypenalty, inventory_inventoryflag, inventory_soldserial,"
            " inventory_sellthroughline, inventory_inventoryreport CASCADE"
        )
        cursor.execute(
            """
            INSERT INTO partners_partner (legal_name, tax_id, country, partner_type, regions,
                classification, status, contract_currency, credit_limit, specializations,
                created_at, updated_at, tier_id)
            SELECT 'Scan bench partner ' || g, 'SCAN' || lpad(g::text, 8, '0'), 'CN', 'reseller',
                   ARRAY[(ARRAY['CN-SH', 'CN-BJ', 'CN-GD', 'CN-JS'])[1 + g %% 4], 'CN-ZJ'],
                   '', 'active', 'CNY', 100000, '{}', now(), now(),
                   (SELECT id FROM partners_tier ORDER BY rank LIMIT 1)
            FROM generate_series(1, %s) g
            ON CONFLICT (tax_id) DO NOTHING
            """,
            [PARTNERS],
        )
    family, _ = ProductFamily.objects.get_or_create(code="SCAN", defaults={"name": "Scan bench"})
    Product.objects.bulk_create(
        [
            Product(
                sku=f"SCAN-{n:05d}",
                name=f"Scan bench product {n}",
                family=family,
                list_price=1000,
                floor_price=600 if n % 10 else 90,
                currency="CNY" if n % 10 else "USD",
            )
            for n in range(PRODUCTS)
        ],
        ignore_conflicts=True,
    )
    # A USD/CNY rate every day of the month (EUR has none: those price checks are held).
    FxRate.objects.bulk_create(
        [
            FxRate(
                base_currency="USD",
                quote_currency="CNY",
                rate_date=MONTH + datetime.timedelta(days=d),
                rate=7 + d / 100,
            )
            for d in range(30)
        ],
        ignore_conflicts=True,
    )
    reporter, _ = User.objects.get_or_create(
        email="scan-bench@example.com", defaults={"full_name": "Scan bench", "role": "admin"}
    )
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO inventory_inventoryreport (partner_id, kind, month, version, is_current,
                source, reported_by_id, line_count, created_at)
            SELECT id, 'sell_through', %s, 1, true, 'import', %s, 0, now()
            FROM partners_partner WHERE tax_id LIKE 'SCAN%%'
            """,
            [MONTH, reporter.pk],
        )
        # Line g: partner g div (lines per partner), as a report's lines arrive together;
        # product g mod 1000, day g mod 30; a serial of 0.5 % of the lines is also on a line of
        # the previous partner. The territory is the partner's region and CN-ZJ; 2 % of lines
        # are sold to CN-XJ. The unit price is 700 CNY (or 100 USD) but about 1 % of lines at
        # 500 (70 or 80 USD).
        cursor.execute(
            """
            WITH partners AS (
                SELECT r.partner_id, r.id AS report_id, p.regions,
                       row_number() OVER (ORDER BY r.partner_id) - 1 AS n
                FROM inventory_inventoryreport r JOIN partners_partner p ON p.id = r.partner_id
                WHERE p.tax_id LIKE 'SCAN%%'
            ),
            products AS (
                SELECT id, currency, row_number() OVER (ORDER BY sku) - 1 AS n
                FROM deals_product WHERE sku LIKE 'SCAN-%%'
            )
            INSERT INTO inventory_sellthroughline (report_id, partner_id, product_id, sold_on,
                quantity, unit_price, currency, customer_name, customer_tax_id, customer_region,
                serial_numbers, is_current)
            SELECT pa.report_id, pa.partner_id, pr.id, %s::date + (g %% 30), 1 + g %% 5,
                   CASE WHEN g %% 20 = 7 THEN CASE WHEN g %% 100 = 7 THEN 70 ELSE 100 END
                        WHEN pr.currency = 'USD' THEN CASE WHEN g %% 100 = 3 THEN 80 ELSE 100 END
                        ELSE CASE WHEN g %% 100 = 3 THEN 500 ELSE 700 END END,
                   CASE WHEN g %% 1000 = 7 THEN 'EUR'
                        WHEN g %% 20 = 7 OR pr.currency = 'USD' THEN 'USD' ELSE 'CNY' END,
                   'Customer ' || g, '',
                   CASE WHEN g %% 50 = 11 THEN 'CN-XJ' ELSE pa.regions[1] END,
                   ARRAY['SN-' || CASE WHEN g %% 200 = 13 THEN g - %s + 1 ELSE g END], true
            FROM generate_series(0, %s - 1) g
            JOIN partners pa ON pa.n = g / %s
            JOIN products pr ON pr.n = g %% %s
            ORDER BY g
            """,
            [MONTH, LINES // PARTNERS, LINES, LINES // PARTNERS, PRODUCTS],
        )
        cursor.execute(
            """
            INSERT INTO inventory_soldserial (line_id, partner_id, serial, is_current)
            SELECT id, partner_id, serial_numbers[1], true FROM inventory_sellthroughline
            """
        )
        cursor.execute(
            "UPDATE inventory_inventoryreport r SET line_count = c.n FROM (SELECT report_id,"
            " count(*) n FROM inventory_sellthroughline GROUP BY report_id) c"
            " WHERE c.report_id = r.id"
        )
        cursor.execute(
            "ANALYZE inventory_sellthroughline; ANALYZE inventory_soldserial;"
            " ANALYZE inventory_inventoryreport"
        )


def main() -> None:
    bench_database(BENCH_DB)
    from django.db import connection
    from django.db.models import Count

    from inventory import scans
    from inventory.models import InventoryFlag, SellThroughLine

    print(f"database {BENCH_DB}: {PARTNERS:,} partners, {LINES:,} lines of {MONTH:%Y-%m}")
    if os.environ.get("BENCH_REBUILD") or SellThroughLine.objects.count() != LINES:
        timed("generate partners, products, reports, lines and serials (SQL)", generate)

    def clear() -> None:
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE inventory_inventorypenalty, inventory_inventoryflag CASCADE")

    rows: list[tuple[str, float, int]] = []

    def chunked() -> int:
        return sum(
            scans.flags_raise(month=MONTH, partner_range=(lo, hi))
            for lo, hi in scans.scan_partner_ranges(chunks=CHUNKS)
        )

    clear()
    raised, seconds = timed(f"monthly scan, {CHUNKS} partner chunks in turn", chunked)
    rows.append((f"monthly scan ({CHUNKS} chunks, one worker)", seconds, raised))
    again, seconds = timed("re-run (idempotent: nothing new)", chunked)
    rows.append(("re-run, idempotent", seconds, again))
    report_id = InventoryFlag.objects.values_list("line__report_id", flat=True).first()
    clear()
    one, seconds = timed(
        "one report after its import", lambda: scans.flags_raise(report_ids=[report_id])
    )
    rows.append(("one report (200 lines) after import", seconds, one))
    clear()
    whole, seconds = timed(
        "monthly scan, the whole month in one call", lambda: scans.flags_raise(month=MONTH)
    )
    rows.append(("monthly scan (one call)", seconds, whole))

    by_kind = dict(InventoryFlag.objects.values_list("kind").annotate(n=Count("pk")))
    held = InventoryFlag.objects.filter(evidence__held=True).count()
    print()
    print(f"| {'step':<40} | {'seconds':>8} | {'flags raised':>12} |")
    print(f"|{'-' * 42}|{'-' * 10}|{'-' * 14}|")
    for label, secs, count in rows:
        print(f"| {label:<40} | {secs:>8.2f} | {count:>12,} |")
    print()
    print(
        "flags by kind:",
        ", ".join(f"{k} {v:,}" for k, v in sorted(by_kind.items())),
        f"(of which {held:,} price checks held without a rate)",
    )


if __name__ == "__main__":
    main()
