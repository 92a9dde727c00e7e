"""Benchmark of the quarterly tier evaluation and the yearly scorecards:
`.venv/bin/python bench/bench_tiers.py`.

Creates (or reuses) the database named by BENCH_DB (default `prm_bench_tiers`), migrates it,
generates 10,000 partners of every type over five regions, 2,000,000 sales lines over four
quarters, 50,000 NPS answers and the targets of a third of the partners in SQL, with three
scorecard weight sets by type and region; then times the tier evaluation of every partner, an
idempotent re-run, the yearly scorecards of every partner (goal: under 10 s for 10,000) and their
idempotent re-run.
"""

from __future__ import annotations

import os

from common import bench_database, timed

BENCH_DB = os.environ.get("BENCH_DB", "prm_bench_tiers")
PARTNERS = int(os.environ.get("BENCH_PARTNERS", "10000"))
LINES = int(os.environ.get("BENCH_LINES", "2000000"))
ANSWERS = int(os.environ.get("BENCH_ANSWERS", "50000"))
PERIOD = "2026Q3"
SCORECARD_GOAL_SECONDS = 10.0
# Weights in the order of WEIGHT_FIELDS (the last, inventory health, is optional).
WEIGHT_SETS = [
    ("Distributor · East China", ["distributor"], ["CN-SH", "CN-JS"], (50, 10, 10, 20, 10, 0)),
    ("Distributors", ["distributor"], [], (45, 10, 15, 20, 10, 0)),
    ("South China", [], ["CN-GD"], (40, 20, 20, 10, 10, 0)),
]


def main() -> None:
    bench_database(BENCH_DB)
    from django.db import connection

    from core.periods import Quarter
    from partners.models import WEIGHT_FIELDS, ScorecardWeightSet
    from partners.services import (
        scorecard_evaluate_yearly,
        scorecard_weight_set_save,
        tier_evaluation_run,
    )
    from rebates.models import Programme
    from rebates.services import DEFAULT_BRACKETS, programme_save

    quarter = Quarter.parse(PERIOD)
    first = Quarter.parse("2025Q4")
    print(f"database {BENCH_DB}: {PARTNERS:,} partners, {LINES:,} lines, {ANSWERS:,} answers")

    def generate() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE partners_tierevaluation, partners_npsresponse, partners_scorecard CASCADE"
            )
            cursor.execute("UPDATE partners_partner SET classification = ''")
            cursor.execute("TRUNCATE rebates_accrual, rebates_target, rebates_salesline")
            # Partners stay from run to run (audit rows point at them): those beyond the
            # requested count are set aside as terminated, the others are reset below.
            cursor.execute(
                "UPDATE partners_partner SET status = 'terminated' WHERE tax_id LIKE 'BENCH%%' "
                "AND substring(tax_id from 6)::int > %s",
                [PARTNERS],
            )
            cursor.execute(
                """
                INSERT INTO partners_partner (legal_name, tax_id, country, partner_type, regions,
                    classification, status, contract_currency, credit_limit, specializations,
                    created_at, updated_at, tier_id)
                SELECT 'Bench partner ' || g, 'BENCH' || lpad(g::text, 8, '0'), 'CN',
                       (ARRAY['reseller', 'distributor', 'isv'])[1 + g %% 3],
                       (ARRAY['{CN-SH}', '{CN-GD}', '{CN-BJ}', '{CN-JS,CN-GD}',
                              '{CN-SC}'])[1 + g %% 5]::varchar[],
                       '', 'active', 'CNY', 0, '{}', now(), now(),
                       (SELECT id FROM partners_tier ORDER BY rank OFFSET (g %% 4) LIMIT 1)
                FROM generate_series(1, %s) g
                ON CONFLICT (tax_id) DO UPDATE SET partner_type = EXCLUDED.partner_type,
                    regions = EXCLUDED.regions, status = 'active', tier_id = EXCLUDED.tier_id
                """,
                [PARTNERS],
            )
            cursor.execute(
                """
                WITH p AS (SELECT array_agg(id ORDER BY id) AS ids FROM partners_partner
                           WHERE tax_id LIKE 'BENCH%%' AND status = 'active')
                INSERT INTO rebates_salesline (partner_id, order_number, invoice_number,
                    line_number, invoice_date, product_code, quantity, net_amount, currency, kind,
                    deal_reference, source, created_at)
                SELECT p.ids[1 + g %% %s], 'SO-' || (g / 5), 'T-' || g, 1,
                       %s::date + (g %% 365), 'SKU-' || (g %% 50), 1,
                       ((g::bigint * 7919) %% 2000000) / 100.0 + 10,
                       'CNY', CASE WHEN g %% 50 = 0 THEN 'return' ELSE 'sale' END, '', 'import',
                       now()
                FROM generate_series(1, %s) g, p
                """,
                [PARTNERS, first.start, LINES],
            )
            cursor.execute(
                """
                WITH p AS (SELECT array_agg(id ORDER BY id) AS ids FROM partners_partner
                           WHERE tax_id LIKE 'BENCH%%' AND status = 'active')
                INSERT INTO partners_npsresponse (partner_id, quarter, score, respondent, comment,
                    source, created_at)
                SELECT p.ids[1 + g %% %s], %s, (g * 7) %% 11, '', '', 'import', now()
                FROM generate_series(1, %s) g, p
                """,
                [PARTNERS, PERIOD, ANSWERS],
            )
            cursor.execute(
                """
                WITH p AS (SELECT id FROM partners_partner
                           WHERE tax_id LIKE 'BENCH%%' AND status = 'active'),
                     q AS (SELECT unnest(ARRAY['2026Q1', '2026Q2', '2026Q3', '2026Q4']) AS period)
                INSERT INTO rebates_target (programme_id, partner_id, period, amount, currency)
                SELECT %s, p.id, q.period, 100000 + (p.id %% 7) * 50000, 'CNY'
                FROM p, q WHERE p.id %% 3 = 0
                """,
                [programme.pk],
            )
            cursor.execute(
                "ANALYZE rebates_salesline; ANALYZE partners_npsresponse; ANALYZE rebates_target"
            )

    programme = Programme.objects.filter(name="Bench programme").first() or programme_save(
        actor=None, programme=Programme(name="Bench programme"), brackets=DEFAULT_BRACKETS
    )
    for name, types, regions, weights in WEIGHT_SETS:
        if not ScorecardWeightSet.objects.filter(name=name).exists():
            scorecard_weight_set_save(
                actor=None,
                name=name,
                partner_types=types,
                regions=regions,
                **dict(zip(WEIGHT_FIELDS, weights, strict=True)),
            )
    timed("generate partners, sales lines, NPS answers and targets (SQL)", generate)
    summary, _ = timed(
        f"evaluate {PERIOD} for every partner", lambda: tier_evaluation_run(quarter=quarter)
    )
    print(f"  {summary}")
    again, _ = timed(
        "re-run (idempotent, nothing to do)", lambda: tier_evaluation_run(quarter=quarter)
    )
    print(f"  {again}")
    yearly, seconds = timed(
        f"yearly scorecards 2026 for {PARTNERS:,} partners",
        lambda: scorecard_evaluate_yearly(year=2026),
    )
    print(f"  {yearly}")
    verdict = "met" if seconds < SCORECARD_GOAL_SECONDS else "MISSED"
    print(f"  goal: {PARTNERS:,} partners under {SCORECARD_GOAL_SECONDS:.0f} s: {verdict}")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT weight_set_name, count(*) FROM partners_scorecard WHERE year = 2026 "
            "GROUP BY 1 ORDER BY 1"
        )
        print(f"  scorecards per weight set: {dict(cursor.fetchall())}")
    again, _ = timed(
        "yearly scorecards re-run (idempotent, nothing to do)",
        lambda: scorecard_evaluate_yearly(year=2026),
    )
    print(f"  {again}")


if __name__ == "__main__":
    main()
