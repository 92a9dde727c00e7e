"""Global search benchmark (DESIGN §8.1, §10: ≤ 100 ms at 1,000,000 deals).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/prm_x .venv/bin/python bench/bench_search.py

Creates (or reuses) the database `prm_bench_search` (or $BENCH_DB), fills it with the
registrations of `bench_deals_conflicts.generate` (10,000 partners and their users, Chinese and
English customer names, tax IDs), then times `core.search.search` — every provider, as the
header box asks it — for a staff user and a partner user over a mix of queries, and prints p50,
p95 and max per kind, then the whole request through the htmx dropdown (`GET /search/?q=` with
`HX-Request`) and the API (`GET /api/v1/search/?q=`), and the EXPLAIN ANALYZE of the deals
provider's candidate query for each kind.
Options: --deals N (default 1,000,000), --rounds N, --rebuild.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("BENCH_DB", "prm_bench_search")

from bench import bench_deals_conflicts as conflicts  # noqa: E402

QUERIES = {
    "cjk words": ["华东星辰", "蓝海恒通", "金桥远航", "博达中科"],
    "cjk full name": ["上海华东星辰信息有限公司", "北京蓝海恒通软件股份有限公司"],
    "cjk two chars": ["星辰", "蓝海"],
    "latin words": ["contoso fabrikam", "northwind tailspin", "litware adatum"],
    "latin typo": ["contso fabrikam systms", "nortwind tailspin labs"],
    "tax id": [],  # filled from the data
    "project": ["Project 123456", "Project 98765"],
    "miss": ["zzqx yy", "无此公司名称"],
}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deals", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()

    conflicts.ensure_database()
    os.environ["DATABASE_URL"] = conflicts.bench_url()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prm.settings.local")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, reset_queries, transaction

    from accounts.choices import Role
    from accounts.models import User
    from core.search import (
        CANDIDATES,
        WORD_SIMILARITY_THRESHOLD,
        search,
        search_text_clean,
    )
    from deals.selectors import deal_search_candidates

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM deals_deal")
        existing = cursor.fetchone()[0]
    if args.rebuild or existing < args.deals:
        with transaction.atomic(), connection.cursor() as cursor:
            conflicts.generate(cursor, args.deals)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE deals_deal")
            cursor.execute("VACUUM ANALYZE partners_partner")
            cursor.execute("VACUUM ANALYZE accounts_user")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM deals_deal")
        total = cursor.fetchone()[0]
        cursor.execute(
            "SELECT customer_tax_id FROM deals_deal WHERE customer_tax_id <> '' "
            "ORDER BY hashint8(id) LIMIT 3"
        )
        QUERIES["tax id"] = [row[0] for row in cursor.fetchall()]
    print(f"deals in {os.environ['BENCH_DB']}: {total:,}")

    staff, _ = User.objects.get_or_create(
        email="bench-search-staff@bench.invalid",
        defaults={"full_name": "Bench staff", "role": Role.CHANNEL_MANAGER},
    )
    partner_user = User.objects.filter(email__startswith="bench", partner__isnull=False).first()
    actors = {"staff": staff, "partner": partner_user}

    print(f"{'actor':8} {'kind':15} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  hits")
    everything: dict[str, list[float]] = {name: [] for name in actors}
    for actor, user in actors.items():
        for kind, texts in QUERIES.items():
            timings, hits = [], 0
            for _ in range(args.rounds):
                for text in texts:
                    cleaned = search_text_clean(text)
                    reset_queries()
                    started = time.perf_counter()
                    groups = search(user=user, text=cleaned, door="page")
                    timings.append((time.perf_counter() - started) * 1000)
                    hits = sum(len(g.hits) for g in groups)
            everything[actor] += timings
            print(
                f"{actor:8} {kind:15} {statistics.median(timings):8.1f} "
                f"{percentile(timings, 0.95):8.1f} {max(timings):8.1f}  {hits}"
            )
    for actor, timings in everything.items():
        print(
            f"{actor:8} {'ALL':15} {statistics.median(timings):8.1f} "
            f"{percentile(timings, 0.95):8.1f} {max(timings):8.1f}"
        )

    # What the database itself spends per search, apart from Python and a busy machine: the sum
    # of the EXPLAIN ANALYZE execution times of the search's queries.
    from django.test.utils import CaptureQueriesContext

    print(f"\n{'actor':8} {'kind':15} {'db ms (sum of the search queries, worst text)':>8}")
    for actor, user in actors.items():
        for kind, texts in QUERIES.items():
            worst = 0.0
            for text in texts:
                with transaction.atomic():
                    with CaptureQueriesContext(connection) as queries:
                        search(user=user, text=search_text_clean(text), door="page")
                    spent = 0.0
                    with connection.cursor() as cursor:
                        for query in queries.captured_queries:
                            if (
                                not query["sql"].startswith("SELECT")
                                or "set_config" in query["sql"]
                            ):
                                continue
                            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + query["sql"])
                            spent += cursor.fetchone()[0][0]["Execution Time"]
                    worst = max(worst, spent)
            print(f"{actor:8} {kind:15} {worst:8.1f}")

    # The whole request as the header box and the API make it (session, rendering, JSON).
    from django.test import Client

    print(f"\n{'actor':8} {'door':15} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    texts = [text for kind, group in QUERIES.items() for text in group]
    for actor, user in actors.items():
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        for door, path, headers in (
            ("page dropdown", "/search/", {"HTTP_HX_REQUEST": "true"}),
            ("api", "/api/v1/search/", {}),
        ):
            timings = []
            for _ in range(max(1, args.rounds // 2)):
                for text in texts:
                    started = time.perf_counter()
                    response = client.get(path, {"q": text}, **headers)
                    timings.append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200, (path, text, response.status_code)
            print(
                f"{actor:8} {door:15} {statistics.median(timings):8.1f} "
                f"{percentile(timings, 0.95):8.1f} {max(timings):8.1f}"
            )

    print(f"\nEXPLAIN ANALYZE of the deals provider's candidate query (cap {CANDIDATES}), staff:")
    for kind, texts in QUERIES.items():
        text = search_text_clean(texts[0])
        sql, params = deal_search_candidates(user=staff, text=text).query.sql_with_params()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true),"
                " set_config('enable_seqscan', 'off', true)",
                [str(WORD_SIMILARITY_THRESHOLD)],
            )
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            plan = [row[0] for row in cursor.fetchall()]
        print(f"--- {kind}: {text!r}")
        print("\n".join(plan))


if __name__ == "__main__":
    main()
