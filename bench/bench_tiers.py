"""Benchmark of the quarterly tier evaluation: `.venv/bin/python bench/bench_tiers.py`.

Creates (or reuses) the database named by BENCH_DB (default `prm_bench_tiers`), migrates it,
generates 10,000 partners, 2,000,000 sales lines over four quarters and 50,000 NPS answers in
SQL, then times the tier evaluation of every partner, an idempotent re-run and the yearly scorecards.
"""

from __future__ import annotations

import os

from common import bench_database, timed

BENCH_DB = os.environ.get("BENCH_DB", "prm_bench_tiers")
PARTNERS = int(os.environ.get("BENCH_PARTNERS", "10000"))
LINES = int(os.environ.get("BENCH_LINES", "2000000"))
ANSWERS = int(os.environ.get("BENCH_ANSWERS", "50000"))
PERIOD = "2026Q3"


def main() -> None:
    bench_database(BENCH_DB)
    from django.db import connection

    from core.periods import Quarter
    from partners.services import scorecard_evaluate_yearly, tier_evaluation_run

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
            cursor.execute(
                "DELETE FROM partners_partner WHERE tax_id LIKE 'BENCH%%' "
                "AND id NOT IN (SELECT partner_id FROM partners_tierchange)"
            )
            cursor.execute(
                """
                INSERT INTO partners_partner (legal_name, tax_id, country, partner_type, regions,
                    classification, status, contract_currency, credit_limit, specializations,
                    created_at, updated_at, tier_id)
                SELECT 'Bench partner ' || g, 'BENCH' || lpad(g::text, 8, '0'), 'CN', 'reseller',
                       '{CN-SH}', '', 'active', 'CNY', 0, '{}', now(), now(),
                       (SELECT id FROM partners_tier ORDER BY rank OFFSET (g %% 4) LIMIT 1)
                FROM generate_series(1, %s) g
                ON CONFLICT (tax_id) DO NOTHING
                """,
                [PARTNERS],
            )
            cursor.execute(
                """
                WITH p AS (SELECT min(id) AS first FROM partners_partner
                           WHERE tax_id LIKE 'BENCH%%')
                INSERT INTO rebates_salesline (partner_id, order_number, invoice_number,
                    line_number, invoice_date, product_code, quantity, net_amount, currency, kind,
                    deal_reference, source, created_at)
                SELECT p.first + (g %% %s), 'SO-' || (g / 5), 'T-' || g, 1,
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
                WITH p AS (SELECT min(id) AS first FROM partners_partner
                           WHERE tax_id LIKE 'BENCH%%')
                INSERT INTO partners_npsresponse (partner_id, quarter, score, respondent, comment,
                    source, created_at)
                SELECT p.first + (g %% %s), %s, (g * 7) %% 11, '', '', 'import', now()
                FROM generate_series(1, %s) g, p
                """,
                [PARTNERS, PERIOD, ANSWERS],
            )
            cursor.execute("ANALYZE rebates_salesline; ANALYZE partners_npsresponse")

    timed("generate partners, sales lines and NPS answers (SQL)", generate)
    summary, _ = timed(
        f"evaluate {PERIOD} for every partner", lambda: tier_evaluation_run(quarter=quarter)
    )
    print(f"  {summary}")
    again, _ = timed(
        "re-run (idempotent, nothing to do)", lambda: tier_evaluation_run(quarter=quarter)
    )
    print(f"  {again}")
    yearly, _ = timed(
        "yearly scorecards 2026 for every partner", lambda: scorecard_evaluate_yearly(year=2026)
    )
    print(f"  {yearly}")


if __name__ == "__main__":
    main()
