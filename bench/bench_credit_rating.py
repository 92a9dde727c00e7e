"""Benchmark of the quarterly credit rating and NPS early warning:
`.venv/bin/python bench/bench_credit_rating.py`.

Creates (or reuses) the database named by BENCH_DB (default `prm_bench_credit`), migrates it,
generates 10,000 partners, 200,000 orders (most paid, matched to their payments, some late, some
unpaid) and 60,000 NPS answers over two quarters in SQL, then times the credit rating of every
partner, an idempotent re-run, the NPS warnings and their re-run.
"""

from __future__ import annotations

import os

from common import bench_database, timed

BENCH_DB = os.environ.get("BENCH_DB", "prm_bench_credit")
PARTNERS = int(os.environ.get("BENCH_PARTNERS", "10000"))
ORDERS = int(os.environ.get("BENCH_ORDERS", "200000"))
ANSWERS = int(os.environ.get("BENCH_ANSWERS", "60000"))
PERIOD = "2026Q3"


def main() -> None:
    bench_database(BENCH_DB)
    from django.db import connection

    from core.periods import Quarter
    from partners.services import credit_rating_run, nps_warning_run

    quarter = Quarter.parse(PERIOD)
    print(f"database {BENCH_DB}: {PARTNERS:,} partners, {ORDERS:,} orders, {ANSWERS:,} answers")

    def generate() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE partners_creditlimitproposal, partners_creditrating, "
                "partners_npswarning, partners_npsresponse CASCADE"
            )
            cursor.execute(
                "TRUNCATE settlement_reconciliationmatch, settlement_payment, settlement_order, "
                "settlement_reconciliationrun CASCADE"
            )
            cursor.execute(
                """
                INSERT INTO partners_partner (legal_name, tax_id, country, partner_type, regions,
                    classification, status, contract_currency, credit_limit, specializations,
                    created_at, updated_at, tier_id)
                SELECT 'Bench partner ' || g, 'BENCH' || lpad(g::text, 8, '0'), 'CN', 'reseller',
                       '{CN-SH}', (ARRAY['A', 'B', 'C', ''])[1 + g %% 4], 'active', 'CNY',
                       10000 * (1 + g %% 5), '{}', now(), now(),
                       (SELECT id FROM partners_tier ORDER BY rank LIMIT 1)
                FROM generate_series(1, %s) g
                ON CONFLICT (tax_id) DO NOTHING
                """,
                [PARTNERS],
            )
            cursor.execute("INSERT INTO settlement_reconciliationrun (chunks, chunks_done, "
                           "created_at) VALUES (0, 0, now())")  # fmt: skip
            # 70% paid in full (a tenth of them late), 10% half paid, 20% unpaid.
            cursor.execute(
                """
                WITH p AS (SELECT min(id) AS first FROM partners_partner
                           WHERE tax_id LIKE 'BENCH%%')
                INSERT INTO settlement_order (partner_id, reference, order_date, amount, currency,
                    source, created_at, status, paid_amount, delivered_amount)
                SELECT p.first + (g %% %s), 'SO-B-' || g, %s::date + (g %% 150),
                       1000 + (g %% 5000), 'CNY', 'import', now(),
                       CASE WHEN g %% 10 < 7 THEN 'matched' ELSE 'unmatched' END,
                       CASE WHEN g %% 10 < 7 THEN 1000 + (g %% 5000)
                            WHEN g %% 10 = 7 THEN (1000 + (g %% 5000)) / 2 ELSE 0 END, 0
                FROM generate_series(1, %s) g, p
                """,
                [PARTNERS, quarter.previous().start, ORDERS],
            )
            cursor.execute(
                """
                INSERT INTO settlement_payment (partner_id, transaction_id, reference, paid_on,
                    amount, currency, created_at)
                SELECT partner_id, 'TX-' || reference, reference,
                       order_date + CASE WHEN id % 10 = 0 THEN 45 ELSE 20 END,
                       paid_amount, 'CNY', now()
                FROM settlement_order WHERE paid_amount > 0
                """
            )
            cursor.execute(
                """
                INSERT INTO settlement_reconciliationmatch (run_id, order_id, payment_id, method,
                    amount, created_at)
                SELECT (SELECT max(id) FROM settlement_reconciliationrun), o.id, p.id, 'reference',
                       p.amount, now()
                FROM settlement_order o JOIN settlement_payment p ON p.reference = o.reference
                """
            )
            cursor.execute(
                """
                WITH p AS (SELECT min(id) AS first FROM partners_partner
                           WHERE tax_id LIKE 'BENCH%%')
                INSERT INTO partners_npsresponse (partner_id, quarter, score, respondent, comment,
                    source, created_at)
                SELECT p.first + (g %% %s), CASE WHEN g %% 2 = 0 THEN %s ELSE %s END,
                       (g * 7) %% 11, '', '', 'import', now()
                FROM generate_series(1, %s) g, p
                """,
                [PARTNERS, PERIOD, str(quarter.previous()), ANSWERS],
            )
            cursor.execute(
                "ANALYZE settlement_order; ANALYZE settlement_payment; "
                "ANALYZE settlement_reconciliationmatch; ANALYZE partners_npsresponse"
            )

    timed("generate partners, orders, payments and NPS answers (SQL)", generate)
    summary, _ = timed(
        f"credit rating {PERIOD} for every partner", lambda: credit_rating_run(quarter=quarter)
    )
    print(f"  {summary}")
    again, _ = timed(
        "re-run (idempotent, nothing to do)", lambda: credit_rating_run(quarter=quarter)
    )
    print(f"  {again}")
    warnings, _ = timed(
        f"NPS warnings {PERIOD} for every partner", lambda: nps_warning_run(quarter=quarter)
    )
    print(f"  {warnings}")
    again, _ = timed("re-run (idempotent, nothing to do)", lambda: nps_warning_run(quarter=quarter))
    print(f"  {again}")


if __name__ == "__main__":
    main()
