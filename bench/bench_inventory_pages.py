"""Channel-inventory pages and API lists at full-scale shape (DESIGN §10, §11).

    DATABASE_URL=postgres://… .venv/bin/python bench/bench_inventory_pages.py [--requests 30]

Creates (or reuses) the database `prm_bench_inventory_pages` (BENCH_DB names another) on the server of
`DATABASE_URL`, migrates it and, once, fills it set-based with 10,000 partners over 33 regions
(every tenth a dealer of a distributor), 10 products in 4 families, a year of monthly inventory
reports (one snapshot per partner × product × month, 1,200,000) and sell-through (1,200,000 lines),
then runs the real refresh (`inventory_figures_refresh`, chunked) once: 1,300,000 figure rows and
the group sums of 13 months. The pages read only those precomputed rows, so their cost depends on
partners × products × months, not on the number of sell-through lines; the refresh's cost is
measured too (one partner after an import, and the nightly run).

Then each page and API list is opened `--requests` times in process (Django test client,
force_login) with varied sort and filter parameters, as staff and as a partner user, and the
median and p95 server times are printed against the goals (median ≤ 50 ms, p95 ≤ 150 ms; a
partner's scoped list ≤ 2 × the staff list). Options: --requests N, --rebuild, --build-only.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from common import bench_database, timed  # noqa: E402

BENCH_DB = os.environ.get("BENCH_DB", "prm_bench_inventory_pages")
PARTNERS = 10_000
PRODUCTS = 10
FAMILIES = 4
THROUGH = datetime.date(2026, 11, 1)
GOAL_MEDIAN_MS, GOAL_P95_MS = 50.0, 150.0


def build() -> None:
    """Partners, products and a year of reports, set-based; then the real refresh."""
    from django.db import connection

    from accounts.choices import Role
    from accounts.models import User
    from deals.models import Product, ProductFamily
    from inventory.figures import inventory_figures_refresh
    from partners.defaults import ensure_default_tiers
    from partners.models import Partner, Tier
    from partners.regions import REGIONS

    ensure_default_tiers(Tier)
    silver = Tier.objects.get(code="silver")
    regions = [code for code, _label in REGIONS]
    families = [
        ProductFamily.objects.get_or_create(
            code=f"bench-inv-{i}", defaults={"name": f"Family {i}"}
        )[0]
        for i in range(FAMILIES)
    ]
    Product.objects.bulk_create(
        Product(
            sku=f"BINV-{i:03d}",
            name=f"Bench product {i}",
            family=families[i % FAMILIES],
            list_price=1000,
            floor_price=600,
            currency="CNY",
        )
        for i in range(PRODUCTS)
    )
    manager = User.objects.create(  # signed in with force_login: no password
        email="bench-inv-manager@example.com",
        full_name="Bench manager",
        role=Role.CHANNEL_MANAGER,
    )
    distributors = Partner.objects.bulk_create(
        Partner(
            legal_name=f"Bench distributor {i:05d}",
            tax_id=f"BINVD{i:08d}",
            partner_type="distributor",
            regions=[regions[i % len(regions)]],
            tier=silver,
            channel_manager=manager,
        )
        for i in range(PARTNERS // 10)
    )
    Partner.objects.bulk_create(
        Partner(
            legal_name=f"Bench partner {i:05d}",
            tax_id=f"BINVP{i:08d}",
            partner_type="reseller",
            regions=[regions[i % len(regions)], regions[(i * 7) % len(regions)]],
            tier=silver,
            channel_manager=manager,
            parent=distributors[i % len(distributors)] if i % 10 == 0 else None,
        )
        for i in range(PARTNERS - len(distributors))
    )
    user_id = manager.pk
    start = datetime.date(THROUGH.year - 1, THROUGH.month + 1, 1)
    with connection.cursor() as cursor:
        params = {"start": start, "through": THROUGH, "user": user_id}
        # One inventory and one sell-through report per partner and month.
        cursor.execute(
            """
            INSERT INTO inventory_inventoryreport
                (partner_id, kind, month, version, is_current, source, reported_by_id, line_count,
                 created_at)
            SELECT p.id, k.kind, m.month, 1, true, 'import', %(user)s, 0, now()
            FROM partners_partner p
            CROSS JOIN (VALUES ('inventory'), ('sell_through')) k(kind)
            CROSS JOIN generate_series(%(start)s::date, %(through)s::date, interval '1 month') m(month)
            WHERE p.tax_id LIKE 'BINV%%'
            """,
            params,
        )
        cursor.execute(
            """
            INSERT INTO inventory_inventorysnapshot
                (report_id, partner_id, product_id, as_of, on_hand, is_current)
            SELECT r.id, r.partner_id, d.id,
                   (r.month + interval '1 month' - interval '1 day')::date,
                   (hashtext(r.id::text || d.id::text) & 511), true
            FROM inventory_inventoryreport r
            CROSS JOIN deals_product d
            WHERE r.kind = 'inventory' AND d.sku LIKE 'BINV-%%'
            """
        )
        cursor.execute(
            """
            INSERT INTO inventory_sellthroughline
                (report_id, partner_id, product_id, sold_on, quantity, unit_price, currency,
                 customer_name, customer_tax_id, customer_region, serial_numbers, is_current)
            SELECT r.id, r.partner_id, d.id, r.month + (hashtext(d.id::text) & 15),
                   1 + (hashtext(r.id::text || d.sku) & 63), 800, 'CNY', 'Bench customer', '',
                   'CN-SH', '{}', true
            FROM inventory_inventoryreport r
            CROSS JOIN deals_product d
            WHERE r.kind = 'sell_through' AND d.sku LIKE 'BINV-%%'
            """
        )
        cursor.execute("ANALYZE")
    timed(
        "full refresh (13 months, every partner)",
        lambda: inventory_figures_refresh(through=THROUGH),
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def measure(client, url: str, params_list: list[dict]) -> tuple[float, float, int]:
    """(median ms, p95 ms, queries of one request) over the requests."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url, params_list[0])  # warm
    times = []
    for params in params_list:
        started = time.perf_counter()
        response = client.get(url, params)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, params, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url, params_list[0])
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * len(times))) - 1)]
    return statistics.median(times), p95, len(queries.captured_queries)


def pages(requests: int) -> None:
    from django.test import Client
    from rest_framework.test import APIClient

    from accounts.choices import Role
    from accounts.models import User
    from deals.models import Product
    from partners.models import Partner

    manager = User.objects.get(email="bench-inv-manager@example.com")
    distributor = Partner.objects.unrestricted("bench").filter(tax_id="BINVD00000000").get()
    partner_user, _created = User.objects.update_or_create(
        email="bench-inv-distributor@example.com",
        defaults={
            "full_name": "Bench distributor admin",
            "role": Role.PARTNER_ADMIN,
            "partner": distributor,
        },
    )
    product = Product.objects.filter(sku__startswith="BINV-").first()
    dealer = Partner.objects.unrestricted("bench").filter(parent=distributor).first()
    staff_client, partner_client = Client(), Client()
    staff_client.force_login(manager)
    partner_client.force_login(partner_user)
    staff_api, partner_api = APIClient(), APIClient()
    staff_api.force_authenticate(manager)
    partner_api.force_authenticate(partner_user)

    def vary(*options: dict, pages: int = 3) -> list[dict]:
        return [dict(options[i % len(options)], page=str(1 + i % pages)) for i in range(requests)]

    def first_pages(params: list[dict]) -> list[dict]:
        # The API answers a page past the end with 404: its lists are read from their first page.
        return [dict(p, page="1") for p in params]

    overview = vary(
        {},
        {"sort": "-doi"},
        {"group": "product"},
        {"group": "family", "region": "Guangdong"},
        {"group": "region", "sort": "-on_hand"},
        {"region": "cn-sh", "doi_min": "30"},
        {"alerts": "ageing", "sort": "-ageing"},
        {"partner": "partner 01"},
    )
    positions = vary(
        {},
        {"sort": "partner"},
        {"region": "Zhejiang"},
        {"doi_min": "10", "doi_max": "60"},
        {"alerts": "stock_out"},
        {"q": "BINV-003"},
    )
    alerts = vary({}, {"kind": "ageing"}, {"sort": "partner"}, {"region": "CN-BJ"})
    rows = [
        ("staff", "overview /inventory/", staff_client, "/inventory/", overview),
        ("staff", "positions", staff_client, "/inventory/positions/", positions),
        ("partner", "positions (distributor)", partner_client, "/inventory/positions/", positions),
        ("staff", "alerts", staff_client, "/inventory/alerts/", alerts),
        ("partner", "alerts (distributor)", partner_client, "/inventory/alerts/", alerts),
        ("staff", "partner page", staff_client, f"/inventory/partners/{dealer.pk}/", vary({})),
        (
            "partner",
            "dealer page (distributor)",
            partner_client,
            f"/inventory/partners/{dealer.pk}/",
            vary({}),
        ),
        ("staff", "product page", staff_client, f"/inventory/products/{product.pk}/", vary({})),
        ("staff", "API stock groups", staff_api, "/api/v1/inventory/stock/", first_pages(overview)),
        (
            "staff",
            "API positions",
            staff_api,
            "/api/v1/inventory/positions/",
            first_pages(positions),
        ),
        (
            "partner",
            "API positions",
            partner_api,
            "/api/v1/inventory/positions/",
            first_pages(positions),
        ),
        ("staff", "API alerts", staff_api, "/api/v1/inventory/alerts/", first_pages(alerts)),
        ("staff", "dashboard (all cards)", staff_client, "/", vary({})),
        ("partner", "dashboard (all cards)", partner_client, "/", vary({})),
    ]
    print(f"\n{'who':<8} {'page':<28} {'median ms':>10} {'p95 ms':>8} {'queries':>8}  goal")
    for who, label, client, url, params in rows:
        median, p95, queries = measure(client, url, params)
        ok = median <= GOAL_MEDIAN_MS and p95 <= GOAL_P95_MS
        print(
            f"{who:<8} {label:<28} {median:10.1f} {p95:8.1f} {queries:8d}  "
            f"{'ok' if ok else 'MISSED'}",
            flush=True,
        )


def refresh_costs() -> None:
    from django.db import connection

    from inventory.figures import inventory_figures_refresh

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM partners_partner WHERE tax_id = 'BINVP00000042'"  # one partner
        )
        partner_id = cursor.fetchone()[0]
    timed(
        "refresh after one partner's report (13 months)",
        lambda: inventory_figures_refresh([partner_id], through=THROUGH, rollup_months=2),
    )
    timed(
        "nightly refresh (2 months, every partner, 13 months of sums)",
        lambda: inventory_figures_refresh(None, through=THROUGH, months=2, rollup_months=13),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--no-refresh", action="store_true")
    args = parser.parse_args()
    if args.rebuild:
        from urllib.parse import urlparse

        import psycopg2

        server = urlparse(os.environ["DATABASE_URL"])
        conn = psycopg2.connect(server._replace(path="/postgres").geturl())
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}"')
        conn.close()
    bench_database(BENCH_DB)
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    from inventory.models import InventoryFigure

    if not InventoryFigure.objects.unrestricted("bench").exists():
        timed("build (partners, a year of reports, refresh)", build)
    if args.build_only:
        return
    if not args.no_refresh:
        refresh_costs()
    print(f"load average {os.getloadavg()[0]:.2f} (2 cores shared)")
    pages(args.requests)


if __name__ == "__main__":
    main()
