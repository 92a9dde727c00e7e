"""Benchmark of reconciliation: `.venv/bin/python bench/bench_reconciliation.py` (prints figures).

Creates (or reuses) the database `prm_bench_recon`, migrates it, generates 10,000 partners and
1,000,000 orders, 1,000,000 deliveries and 1,000,000 payments in SQL (a mix of reference matches,
date-window matches, instalments, duplicates and strays), then times the full matching run in one
process, the re-run (nothing changes), the run in 8 chunks in one process, and fresh runs split
across 2 and 4 processes (one chunk each). Goal: a fresh run in one process ≤ 30 s, and the split
runs faster as workers are added. BENCH_ORDERS / BENCH_PARTNERS scale it down; BENCH_PROCESSES
("2,4") chooses the split runs.
"""

from __future__ import annotations

import os
import subprocess

from common import MANAGE, ROOT, bench_database, timed

BENCH_DB = os.environ.get("BENCH_DB", "prm_bench_recon")
PARTNERS = int(os.environ.get("BENCH_PARTNERS", "10000"))
ORDERS = int(os.environ.get("BENCH_ORDERS", "1000000"))
PROCESSES = [int(n) for n in os.environ.get("BENCH_PROCESSES", "2,4").split(",") if n]
START = "2026-07-01"
GOAL_ONE_PROCESS = 30.0

GENERATE = """
WITH p AS (SELECT min(id) AS first FROM partners_partner WHERE tax_id LIKE 'BENCH%%')
INSERT INTO settlement_order (partner_id, reference, order_date, amount, currency, source,
    created_at, status, paid_amount, delivered_amount)
SELECT p.first + (g %% %(partners)s), 'BO-' || g, %(start)s::date + (g %% 92),
       ((g::bigint * 7919) %% 200000) / 100.0 + 10, 'CNY', 'import', now(), 'unmatched', 0, 0
FROM generate_series(1, %(orders)s) g, p;

-- Payments, one per order: most quote the order; 1 in 10 quotes nothing (date window);
-- 1 in 100 pays half (partially paid, deviation); 1 in 100 quotes an unknown invoice with an odd amount (no
-- order); 1 in 1000 pays the previous order again (duplicate, and this order stays unpaid).
WITH p AS (SELECT min(id) AS first FROM partners_partner WHERE tax_id LIKE 'BENCH%%')
INSERT INTO settlement_payment (partner_id, transaction_id, reference, paid_on, amount, currency,
    created_at)
SELECT p.first + ((CASE WHEN g %% 1000 = 5 THEN g - 1 ELSE g END) %% %(partners)s),
       'BT-' || g,
       CASE WHEN g %% 10 = 3 THEN ''
            WHEN g %% 100 = 7 THEN 'INV-' || g
            WHEN g %% 1000 = 5 THEN 'BO-' || (g - 1)
            ELSE 'BO-' || g END,
       %(start)s::date + (g %% 92) + CASE WHEN g %% 10 = 3 THEN 3 ELSE 20 END
           - CASE WHEN g %% 1000 = 5 THEN 1 ELSE 0 END,
       CASE WHEN g %% 100 = 18 THEN round((((g::bigint * 7919) %% 200000) / 100.0 + 10) / 2, 2)
            WHEN g %% 100 = 7 THEN ((g::bigint * 7919) %% 200000) / 100.0 + 10.37
            WHEN g %% 1000 = 5 THEN (((g - 1)::bigint * 7919) %% 200000) / 100.0 + 10
            ELSE ((g::bigint * 7919) %% 200000) / 100.0 + 10 END,
       'CNY', now()
FROM generate_series(1, %(orders)s) g, p;

-- Deliveries, one per order: 1 in 10 names no order (window); 1 in 100 names an unknown order.
WITH p AS (SELECT min(id) AS first FROM partners_partner WHERE tax_id LIKE 'BENCH%%')
INSERT INTO settlement_delivery (partner_id, reference, order_reference, delivery_date, amount,
    currency, created_at)
SELECT p.first + (g %% %(partners)s), 'BD-' || g,
       CASE WHEN g %% 10 = 4 THEN '' WHEN g %% 100 = 9 THEN 'NX-' || g ELSE 'BO-' || g END,
       %(start)s::date + (g %% 92) + 1,
       ((g::bigint * 7919) %% 200000) / 100.0 + 10 + CASE WHEN g %% 100 = 9 THEN 0.11 ELSE 0 END,
       'CNY', now()
FROM generate_series(1, %(orders)s) g, p;
"""

# What the nightly job finds after an import: the rows analysed and vacuumed (autovacuum does it
# after large inserts), so no run pays for setting the new rows' hint bits.
SETTLE = (
    "VACUUM ANALYZE settlement_order",
    "VACUUM ANALYZE settlement_payment",
    "VACUUM ANALYZE settlement_delivery",
)

RESET = """
TRUNCATE settlement_anomalyresolution, settlement_reconciliationanomaly,
         settlement_reconciliationmatch;
UPDATE settlement_order SET status = 'unmatched', paid_amount = 0, delivered_amount = 0
WHERE status <> 'unmatched' OR paid_amount <> 0 OR delivered_amount <> 0;
"""


def main() -> None:
    env = bench_database(BENCH_DB)
    from django.db import connection

    from settlement import services
    from settlement.models import ReconciliationRun

    print(
        f"database {BENCH_DB}: {PARTNERS:,} partners, {ORDERS:,} orders, "
        f"{ORDERS:,} deliveries, {ORDERS:,} payments"
    )

    def generate() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE settlement_anomalyresolution, settlement_reconciliationanomaly,"
                " settlement_reconciliationmatch, settlement_reconciliationrun,"
                " settlement_payment, settlement_delivery, settlement_order RESTART IDENTITY"
                " CASCADE"
            )
            cursor.execute("DELETE FROM partners_partner WHERE tax_id LIKE 'BENCH%%'")
            cursor.execute(
                """
                INSERT INTO partners_partner (legal_name, tax_id, country, partner_type, regions,
                    classification, status, contract_currency, credit_limit, specializations,
                    created_at, updated_at, tier_id)
                SELECT 'Bench partner ' || g, 'BENCH' || lpad(g::text, 8, '0'), 'CN', 'reseller',
                       '{CN-SH}', '', 'active', 'CNY', 0, '{}', now(), now(),
                       (SELECT id FROM partners_tier ORDER BY rank LIMIT 1)
                FROM generate_series(1, %s) g
                """,
                [PARTNERS],
            )
            cursor.execute(GENERATE, {"partners": PARTNERS, "orders": ORDERS, "start": START})
            for statement in SETTLE:
                cursor.execute(statement)

    timed("generate partners, orders, deliveries, payments (SQL)", generate)

    def load() -> str:
        return "load average " + " / ".join(f"{x:.1f}" for x in os.getloadavg())

    def report() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT method, count(*) FROM settlement_reconciliationmatch GROUP BY 1 ORDER BY 1"
            )
            print("    matches: " + ", ".join(f"{m} {n:,}" for m, n in cursor.fetchall()))
            cursor.execute("SELECT status, count(*) FROM settlement_order GROUP BY 1 ORDER BY 1")
            print("    orders: " + ", ".join(f"{s} {n:,}" for s, n in cursor.fetchall()))
            cursor.execute(
                "SELECT kind, count(*) FROM settlement_reconciliationanomaly GROUP BY 1 ORDER BY 1"
            )
            print("    anomalies: " + ", ".join(f"{k} {n:,}" for k, n in cursor.fetchall()))

    def one_process(chunks: int):
        def run() -> dict:
            run = ReconciliationRun.objects.create()
            totals: dict[str, int] = {}
            for lo, hi in services.reconciliation_run_fan_out(run_id=run.pk, chunks=chunks):
                for key, value in services.reconciliation_chunk_run(
                    run_id=run.pk, partner_range=(lo, hi)
                ).items():
                    totals[key] = totals.get(key, 0) + value
            return totals

        return run

    def reset() -> None:
        with connection.cursor() as cursor:
            cursor.execute(RESET)
            cursor.execute("VACUUM ANALYZE settlement_order")
            cursor.execute("CHECKPOINT")

    figures: dict[str, float] = {}
    reset()
    print(f"    {load()}")
    totals, figures["1"] = timed(
        "(a) full matching run, 1 process, 1 chunk (fresh)", one_process(1)
    )
    print(f"    {totals}")
    report()
    totals, _ = timed("(b) the same run again (idempotent: nothing changes)", one_process(1))
    print(f"    {totals}")

    reset()
    print(f"    {load()}")
    totals, _ = timed("(c) full matching run, 1 process, 8 chunks (fresh)", one_process(8))
    print(f"    {totals}")

    for n, label in zip(PROCESSES, "defgh", strict=False):
        reset()
        run = ReconciliationRun.objects.create()
        services.reconciliation_run_fan_out(run_id=run.pk, chunks=n)
        connection.close()
        print(f"    {load()}")

        def split(n=n, run=run) -> None:
            procs = [
                subprocess.Popen(  # noqa: S603 (our own manage.py)
                    [*MANAGE, "reconcile", "--run", str(run.pk), "--chunks", str(n)]
                    + ["--chunk", str(i)],
                    env=env,
                    cwd=ROOT,
                    stdout=subprocess.PIPE,
                    text=True,
                )
                for i in range(n)
            ]
            for proc in procs:
                out, _err = proc.communicate()
                print("    " + out.strip())

        _, figures[str(n)] = timed(
            f"({label}) full matching run, {n} processes x 1 chunk (fresh, wall)", split
        )
        report()

    print(f"\nfresh runs, {ORDERS:,} payments, deliveries and orders ({load()} at the end)")
    one = figures["1"]
    goal = GOAL_ONE_PROCESS * ORDERS / 1_000_000
    verdict = "met" if one <= goal else "NOT met"
    scaled = "" if ORDERS == 1_000_000 else f" (scaled to {ORDERS:,}: <= {goal:.1f} s)"
    print(
        f"    1 process   {one:8.1f} s   goal <= {GOAL_ONE_PROCESS:.0f} s at 1,000,000{scaled}:"
        f" {verdict}"
    )
    for n in PROCESSES:
        wall = figures[str(n)]
        print(
            f"    {n} processes {wall:8.1f} s   {one / wall:4.2f} x the 1-process run"
            f" (goal: faster with each worker while there are cores for them)"
        )


if __name__ == "__main__":
    main()
