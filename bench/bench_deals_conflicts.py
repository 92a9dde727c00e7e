"""Conflict-check benchmark on one million deal registrations (DESIGN §4.2, §10).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/prm_deals .venv/bin/python bench/bench_deals_conflicts.py

Creates (or reuses) the database `prm_bench_deals` on the same server, migrates it, fills it with
1,000,000 registrations through set-based SQL (generate_series), then times the conflict check
used by `deal_submit` for a mix of tax-ID hits, near-name hits and misses, and prints p50/p95 and
the EXPLAIN ANALYZE of each kind. Then it times the whole submit through the API
(`POST /api/v1/deals/{id}/submit/` with token authentication: locks, fingerprint, conflict check,
region and price checks, audit, notifications) for drafts of the same three kinds.
Options: --deals N, --checks N, --submits N, --rebuild; the environment variable BENCH_DB names
another database than `prm_bench_deals`.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BENCH_DB = os.environ.get("BENCH_DB", "prm_bench_deals")

CITIES = [
    "上海",
    "北京",
    "深圳",
    "广州",
    "杭州",
    "南京",
    "苏州",
    "成都",
    "武汉",
    "西安",
    "天津",
    "重庆",
    "青岛",
    "厦门",
    "宁波",
    "长沙",
    "郑州",
    "合肥",
    "济南",
    "福州",
]
WORDS = [
    "华东",
    "星辰",
    "蓝海",
    "恒通",
    "金桥",
    "远航",
    "博达",
    "中科",
    "天成",
    "鼎盛",
    "瑞丰",
    "宏图",
    "新锐",
    "万象",
    "汇通",
    "卓越",
    "启明",
    "永信",
    "东方",
    "海纳",
    "云栖",
    "智联",
    "润泽",
    "安泰",
    "嘉禾",
    "龙腾",
    "凯瑞",
    "盛世",
    "华晨",
    "百川",
    "新元",
    "创源",
    "众诚",
    "聚能",
    "弘毅",
    "和信",
]
TRADES = [
    "信息",
    "软件",
    "网络",
    "数据",
    "电子",
    "智能制造",
    "精密机械",
    "通信",
    "物流",
    "医疗器械",
    "新能源",
    "生物医药",
    "环保",
    "建设工程",
    "汽车零部件",
    "食品",
    "纺织",
    "化工",
    "电力",
    "教育",
]
SUFFIXES = ["有限公司", "股份有限公司", "有限责任公司", "集团"]
EN_WORDS = [
    "contoso",
    "fabrikam",
    "northwind",
    "tailspin",
    "litware",
    "adatum",
    "proseware",
    "wingtip",
    "alpine",
    "bluesky",
    "coho",
    "fourth",
    "graphic",
    "humongous",
    "lucerne",
    "margie",
    "nod",
    "relecloud",
    "southridge",
    "trey",
    "woodgrove",
    "wide",
    "vanarsdel",
    "fineart",
]
EN_TRADES = [
    "logistics",
    "retail",
    "manufacturing",
    "health",
    "energy",
    "foods",
    "systems",
    "labs",
    "motors",
    "capital",
    "media",
    "pharma",
]
EN_SUFFIXES = [" GmbH", " Ltd.", " Inc.", " LLC", " Corp.", " Limited"]


def bench_url() -> str:
    parts = urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/prm"))
    return urlunsplit(parts._replace(path=f"/{BENCH_DB}"))


def ensure_database() -> None:
    import psycopg2

    parts = urlsplit(bench_url())
    conn = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB])
            if not cursor.fetchone():
                cursor.execute(f'CREATE DATABASE "{BENCH_DB}"')
    finally:
        conn.close()


def sql_array(values: list[str]) -> str:
    return "ARRAY[" + ",".join("'" + v.replace("'", "''") + "'" for v in values) + "]::text[]"


def generate(raw_cursor, n_deals: int) -> None:
    """Partners, products and n_deals registrations, all set-based."""

    class cursor:  # noqa: N801 - `%%` means `%` only when parameters are passed
        @staticmethod
        def execute(sql, params=None):
            raw_cursor.execute(sql if params else sql.replace("%%", "%"), params)

        @staticmethod
        def fetchone():
            return raw_cursor.fetchone()

    t0 = time.perf_counter()
    cursor.execute(
        "TRUNCATE deals_dealline, deals_deal, deals_product, deals_productfamily CASCADE"
    )
    cursor.execute("DELETE FROM accounts_user WHERE email LIKE 'bench%%@bench.invalid'")
    cursor.execute("DELETE FROM partners_partner WHERE tax_id LIKE 'BENCH%%'")
    cursor.execute("SELECT id FROM partners_tier ORDER BY rank LIMIT 1")
    tier_id = cursor.fetchone()[0]
    cursor.execute(
        """
        INSERT INTO partners_partner (legal_name, tax_id, country, partner_type, regions, tier_id,
            classification, status, contract_currency, credit_limit, specializations, created_at,
            updated_at)
        SELECT 'Bench partner ' || g, 'BENCH' || lpad(g::text, 8, '0'), 'CN', 'reseller',
               ARRAY['CN-SH'], %s, 'B', 'active', 'CNY', 0, ARRAY[]::varchar[], now(), now()
        FROM generate_series(1, 10000) g
        """,
        [tier_id],
    )
    cursor.execute(
        """
        INSERT INTO accounts_user (password, is_superuser, email, full_name, role, partner_id,
            language, phone, is_active, date_joined)
        SELECT '!', false, 'bench' || p.id || '@bench.invalid', 'Bench', 'partner_sales', p.id,
               'en', '', true, now()
        FROM partners_partner p WHERE p.tax_id LIKE 'BENCH%%'
        """
    )
    cursor.execute(
        "INSERT INTO deals_productfamily (code, name) SELECT 'fam' || g, 'Family ' || g "
        "FROM generate_series(1, 12) g"
    )
    cursor.execute(
        """
        INSERT INTO deals_product (sku, name, family_id, list_price, floor_price, currency,
            is_strategic, is_active)
        SELECT 'B-' || g, 'Product ' || g, f.id, 1000, 600, 'CNY', false, true
        FROM generate_series(1, 120) g
        JOIN deals_productfamily f ON f.code = 'fam' || (1 + g %% 12)
        """
    )
    # Names: 70% Chinese (city + two words + trade + legal form), 30% English. The
    # fingerprint column holds what normalize_customer_name gives for that spelling.
    cursor.execute(
        f"""
        CREATE TEMP TABLE bench_names ON COMMIT DROP AS
        SELECT g AS i,
          CASE WHEN g %% 10 < 7 THEN
            (c)[1 + (h1 %% {len(CITIES)})] || (w)[1 + (h2 %% {len(WORDS)})]
              || (w)[1 + (h3 %% {len(WORDS)})] || (t)[1 + (h4 %% {len(TRADES)})]
          ELSE
            (ew)[1 + (h1 %% {len(EN_WORDS)})] || ' ' || (ew)[1 + (h2 %% {len(EN_WORDS)})]
              || ' ' || (et)[1 + (h3 %% {len(EN_TRADES)})] || ' ' || (h4 %% 97)::text
          END AS base,
          g %% 10 < 7 AS cjk, h5
        FROM (
          SELECT g,
                 abs(hashint4(g)) AS h1, abs(hashint4(g + 7919)) AS h2,
                 abs(hashint4(g + 104729)) AS h3, abs(hashint4(g + 1299709)) AS h4,
                 abs(hashint4(g + 15485863)) AS h5
          FROM generate_series(1, %s) g
        ) s,
        LATERAL (SELECT {sql_array(CITIES)} AS c, {sql_array(WORDS)} AS w,
                        {sql_array(TRADES)} AS t, {sql_array(EN_WORDS)} AS ew,
                        {sql_array(EN_TRADES)} AS et) a
        """,
        [n_deals],
    )
    cursor.execute(
        f"""
        INSERT INTO deals_deal (partner_id, registered_by_id, customer_name, customer_tax_id,
            customer_region, industry, project_name, currency, expected_close_date, competitors,
            notes, status, submitted_at, decided_at, decision_reason, sla_due_at,
            protection_ends_at, customer_fingerprint, cross_region, below_floor,
            price_check_held, extension_justification, extension_decision, order_number, lost_reason,
            created_at, updated_at)
        SELECT p.id, u.id,
          CASE WHEN n.cjk THEN n.base || ({sql_array(SUFFIXES)})[1 + n.h5 %% 4]
               ELSE n.base || ({sql_array(EN_SUFFIXES)})[1 + n.h5 %% 6] END,
          CASE WHEN n.h5 %% 10 < 6 THEN '91' || lpad((n.h5 %% 1000000000)::text, 9, '0')
                                         || lpad(n.i::text, 7, '0') ELSE '' END,
          'CN-SH', 'manufacturing', 'Project ' || n.i, 'CNY', current_date + 90, '', '',
          (ARRAY['submitted','approved','approved','in_conflict','won','lost','expired',
                 'rejected','approved','draft'])[1 + n.i %% 10],
          now() - make_interval(mins => n.i %% 200000), NULL, '', NULL,
          CASE WHEN n.i %% 10 IN (1, 2, 8) THEN now() + make_interval(days => n.i %% 90)
               WHEN n.i %% 10 IN (4, 5, 6) THEN now() - make_interval(days => n.i %% 90)
               ELSE NULL END,
          lower(replace(n.base, ' ', '')), false, false, false, '', '', '', '', now(), now()
        FROM bench_names n
        JOIN partners_partner p ON p.tax_id = 'BENCH' || lpad((1 + n.i %% 10000)::text, 8, '0')
        JOIN accounts_user u ON u.partner_id = p.id
        """
    )
    cursor.execute(
        """
        INSERT INTO deals_dealline (deal_id, product_id, quantity, unit_price, final, floor_price)
        SELECT d.id, pr.id, 1 + d.id %% 20, 900, false,
               CASE WHEN d.status <> 'draft' THEN pr.floor_price END
        FROM deals_deal d JOIN deals_product pr ON pr.sku = 'B-' || (1 + d.id %% 120)
        """
    )
    cursor.execute("ANALYZE deals_deal")
    cursor.execute("ANALYZE deals_dealline")
    print(f"generated {n_deals:,} deals in {time.perf_counter() - t0:.1f} s")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deals", type=int, default=1_000_000)
    parser.add_argument("--checks", type=int, default=600)
    parser.add_argument("--submits", type=int, default=300)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    # The API submits below must not be throttled by the per-user rate limit.
    os.environ["API_THROTTLE_USER"] = "1000000/minute"

    ensure_database()
    os.environ["DATABASE_URL"] = bench_url()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prm.settings.local")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from deals.rules import normalize_customer_name
    from deals.services import conflict_sql, deal_conflict_find

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM deals_deal")
        existing = cursor.fetchone()[0]
    if args.rebuild or existing < args.deals:
        with transaction.atomic(), connection.cursor() as cursor:
            generate(cursor, args.deals)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE deals_deal")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM deals_deal")
        total = cursor.fetchone()[0]
        cursor.execute(
            "SELECT d.id, d.partner_id, d.customer_name, d.customer_tax_id, p.family_id "
            "FROM deals_deal d JOIN deals_dealline l ON l.deal_id = d.id "
            "JOIN deals_product p ON p.id = l.product_id "
            "WHERE d.status IN ('submitted','approved','in_conflict') AND d.customer_tax_id <> '' "
            "AND (d.protection_ends_at IS NULL OR d.protection_ends_at > now()) "
            "ORDER BY hashint8(d.id) LIMIT %s",
            [args.checks],
        )
        samples = cursor.fetchall()
        cursor.execute("SELECT array_agg(id) FROM deals_productfamily")
        all_families = cursor.fetchone()[0]
    print(f"deals in {BENCH_DB}: {total:,}")

    rng = random.Random(7)
    cases = []
    for n, (pk, partner_id, name, tax_id, family) in enumerate(samples):
        kind = ("tax_id_hit", "near_name_hit", "miss")[n % 3]
        other_partner = partner_id % 10000 + 1
        if kind == "tax_id_hit":
            cases.append(
                (
                    kind,
                    {
                        "fingerprint": normalize_customer_name("Unrelated " + str(pk)),
                        "tax_id": tax_id,
                        "family_ids": [family],
                        "partner_id": other_partner,
                    },
                )
            )
        elif kind == "near_name_hit":
            variant = name.replace("有限公司", "股份有限公司").replace("Ltd.", "Limited")
            variant = variant.replace("GmbH", "G.m.b.H.") + ("。" if rng.random() < 0.5 else "")
            cases.append(
                (
                    kind,
                    {
                        "fingerprint": normalize_customer_name(variant),
                        "tax_id": "",
                        "family_ids": [family],
                        "partner_id": other_partner,
                    },
                )
            )
        else:
            miss = f"{rng.choice(CITIES)}{rng.choice(WORDS)}未注册{rng.randint(1, 10**6)}号客户有限公司"
            cases.append(
                (
                    kind,
                    {
                        "fingerprint": normalize_customer_name(miss),
                        "tax_id": f"X{rng.randint(10**10, 10**11)}",
                        "family_ids": all_families,
                        "partner_id": other_partner,
                    },
                )
            )

    timings: dict[str, list[float]] = {"tax_id_hit": [], "near_name_hit": [], "miss": []}
    found: dict[str, int] = dict.fromkeys(timings, 0)
    for _kind, params in cases[:30]:  # warm the cache
        with transaction.atomic():
            deal_conflict_find(deal_id=0, threshold=0.8, **params)
    for kind, params in cases:
        with transaction.atomic():
            t0 = time.perf_counter()
            hit = deal_conflict_find(deal_id=0, threshold=0.8, **params)
            timings[kind].append((time.perf_counter() - t0) * 1000)
        found[kind] += hit is not None

    everything = [t for values in timings.values() for t in values]
    print(f"\nconflict check on {total:,} deals, threshold 0.8, {len(everything)} checks")
    print(f"{'kind':<15}{'n':>6}{'found':>7}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for kind, values in [*timings.items(), ("all", everything)]:
        if not values:
            continue
        hits = sum(found.values()) if kind == "all" else found[kind]
        print(
            f"{kind:<15}{len(values):>6}{hits:>7}{statistics.median(values):>9.2f}"
            f"{percentile(values, 0.95):>9.2f}{max(values):>9.2f}"
        )
    print("goal: p95 <= 20 ms")

    from django.utils import timezone

    for kind in timings:
        params = next(p for k, p in cases if k == kind)
        sql = conflict_sql(with_tax_id=bool(params["tax_id"]))
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT set_config('pg_trgm.similarity_threshold', '0.8', true)")
            cursor.execute(
                "EXPLAIN (ANALYZE, BUFFERS) " + sql,
                {
                    "deal": 0,
                    "now": timezone.now(),
                    "threshold": 0.8,
                    "partner": params["partner_id"],
                    "tax_id": params["tax_id"],
                    "fingerprint": params["fingerprint"],
                    "families": params["family_ids"],
                },
            )
            print(f"\nEXPLAIN ANALYZE ({kind}):")
            print("\n".join(row[0] for row in cursor.fetchall()))

    bench_api_submit(samples[: args.submits], rng)


def bench_api_submit(samples, rng: random.Random) -> None:
    """p50/p95 of `POST /api/v1/deals/{id}/submit/` for tax-ID hits, near-name hits and misses."""
    from django.conf import settings
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from accounts.models import User
    from deals.models import Product

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    user = User.objects.filter(email__endswith="@bench.invalid").order_by("pk").first()
    token, _ = Token.objects.get_or_create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    sku_of_family = dict(Product.objects.values_list("family_id", "sku").order_by("-sku"))
    timings: dict[str, list[float]] = {"tax_id_hit": [], "near_name_hit": [], "miss": []}
    conflicts: dict[str, int] = dict.fromkeys(timings, 0)
    for n, (_pk, partner_id, name, tax_id, family) in enumerate(samples):
        kind = ("tax_id_hit", "near_name_hit", "miss")[n % 3]
        if partner_id == user.partner_id:
            continue
        if kind == "tax_id_hit":
            customer, customer_tax_id = f"Unrelated customer {n}", tax_id
        elif kind == "near_name_hit":
            customer = name.replace("有限公司", "股份有限公司").replace("Ltd.", "Limited")
            customer_tax_id = ""
        else:
            customer = f"{rng.choice(CITIES)}{rng.choice(WORDS)}未注册{rng.randint(1, 10**6)}号客户有限公司"
            customer_tax_id = f"X{rng.randint(10**10, 10**11)}"
        draft = client.post(
            "/api/v1/deals/",
            {
                "customer_name": customer,
                "customer_tax_id": customer_tax_id,
                "customer_region": "CN-SH",
                "industry": "manufacturing",
                "project_name": f"API bench {n}",
                "currency": "CNY",
                "expected_close_date": "2027-06-30",
                "lines": [{"product": sku_of_family[family], "quantity": 2, "unit_price": "900"}],
            },
            format="json",
        )
        assert draft.status_code == 201, draft.content
        t0 = time.perf_counter()
        response = client.post(f"/api/v1/deals/{draft.json()['id']}/submit/")
        elapsed = (time.perf_counter() - t0) * 1000
        assert response.status_code == 200, response.content
        if n >= 15:  # the first requests warm the caches and connections
            timings[kind].append(elapsed)
        conflicts[kind] += response.json()["status"] == "in_conflict"

    everything = [t for values in timings.values() for t in values]
    print(
        f"\nsubmit through the API (POST /api/v1/deals/{{id}}/submit/), {len(everything)} submits"
    )
    print(f"{'kind':<15}{'n':>6}{'conflict':>9}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for kind, values in [*timings.items(), ("all", everything)]:
        if not values:
            continue
        hits = sum(conflicts.values()) if kind == "all" else conflicts[kind]
        print(
            f"{kind:<15}{len(values):>6}{hits:>9}{statistics.median(values):>9.2f}"
            f"{percentile(values, 0.95):>9.2f}{max(values):>9.2f}"
        )
    print("goal: p95 <= 100 ms")
    from prm.celery import app

    app.control.purge()  # the notification e-mails queued by the submits above


if __name__ == "__main__":
    main()
