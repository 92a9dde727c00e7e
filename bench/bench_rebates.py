"""Benchmark of the rebates app: `.venv/bin/python bench/bench_rebates.py` (prints figures).

Creates (or reuses) the database `prm_bench_rebates` on the server of `DATABASE_URL`, migrates it,
generates 10,000 partners and 5,000,000 sales lines in one quarter in SQL, then measures:
(a) a raw `GROUP BY partner` sum, (b) the full accrual calculation in one worker process (with its
peak memory), the same split across 2 worker processes, and the import of 1,000,000 lines followed
by adding them to the revenue per contract (what a worker does after each import); then (f) adds
a programme that takes its revenue from sell-through (DESIGN §5.1, §11) with
BENCH_SELL_THROUGH_LINES current sell-through lines in the quarter and measures the calculation of
both programmes, and again with nothing changed.
Sizes: BENCH_PARTNERS, BENCH_LINES, BENCH_IMPORT_LINES, BENCH_SELL_THROUGH_LINES (0: skip (f)).
"""

from __future__ import annotations

import csv
import os
import subprocess
import tempfile
import time

from common import MANAGE, ROOT, bench_database, timed

BENCH_DB = os.environ.get("BENCH_DB", "prm_bench_rebates")
PARTNERS = int(os.environ.get("BENCH_PARTNERS", "10000"))
LINES = int(os.environ.get("BENCH_LINES", "5000000"))
IMPORT_LINES = int(os.environ.get("BENCH_IMPORT_LINES", "1000000"))
SELL_THROUGH_LINES = int(os.environ.get("BENCH_SELL_THROUGH_LINES", "1000000"))
PERIOD = "2026Q3"


def main() -> None:
    env = bench_database(BENCH_DB)
    from django.db import connection, transaction

    from core.periods import Quarter
    from rebates.calculation import contract_revenue_refresh
    from rebates.importers import sales_lines_load
    from rebates.models import Programme
    from rebates.services import contract_revenue_add_new_lines, programme_ensure_default

    quarter = Quarter.parse(PERIOD)
    print(f"database {BENCH_DB}: {PARTNERS:,} partners, {LINES:,} lines in {PERIOD}")

    def generate() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE rebates_accrual, rebates_target, rebates_salesline, "
                "rebates_contractrevenue, rebates_contractrevenuebuild RESTART IDENTITY"
            )
            # The sell-through of (f), which refers to the partners deleted next.
            cursor.execute("TRUNCATE inventory_inventoryreport, inventory_sellthroughline CASCADE")
            cursor.execute("DELETE FROM partners_partner WHERE tax_id LIKE 'BENCH%%'")
            cursor.execute(
                """
                INSERT INTO partners_partner (legal_name, tax_id, country, partner_type, regions,
                    classification, status, contract_currency, credit_limit, specializations,
                    created_at, updated_at, tier_id)
                SELECT 'Bench partner ' || g, 'BENCH' || lpad(g::text, 8, '0'), 'CN', 'reseller',
                       '{CN-SH}', '', 'active', 'CNY', 0, '{}', now(), now(),
                       (SELECT id FROM partners_tier ORDER BY rank OFFSET (g %% 3) + 1 LIMIT 1)
                FROM generate_series(1, %s) g
                """,
                [PARTNERS],
            )
        # (f)'s programme of an earlier run waits until (f).
        Programme.objects.filter(revenue_source="sell_through").update(is_active=False)
        programme = programme_ensure_default()
        programme.strategic_product_codes = ["SKU-1", "SKU-2", "SKU-3"]
        programme.save(update_fields=["strategic_product_codes"])
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO rebates_target (programme_id, partner_id, period, amount, currency)
                SELECT %s, id, %s, 350000 + (id %% 17) * 20000, 'CNY'
                FROM partners_partner WHERE tax_id LIKE 'BENCH%%'
                """,
                [programme.pk, PERIOD],
            )
            cursor.execute(
                """
                WITH p AS (SELECT min(id) AS first FROM partners_partner
                           WHERE tax_id LIKE 'BENCH%%')
                INSERT INTO rebates_salesline (partner_id, order_number, invoice_number,
                    line_number, invoice_date, product_code, quantity, net_amount, currency, kind,
                    deal_reference, source, created_at)
                SELECT p.first + ((g / 5) %% %s), 'SO-' || (g / 5), 'B-' || g, 1,
                       %s::date + (g %% 92), 'SKU-' || (g %% 50), 1,
                       ((g::bigint * 7919) %% 200000) / 100.0 + 10,
                       'CNY', CASE WHEN g %% 50 = 0 THEN 'return' ELSE 'sale' END,
                       CASE WHEN (g / 5) %% 4 = 0 THEN 'D-' || (g / 5) ELSE '' END, 'import', now()
                FROM generate_series(1, %s) g, p
                """,
                [PARTNERS, quarter.start, LINES],
            )
        # What autovacuum does to an insert-only table soon after a bulk load.
        connection.close()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE rebates_salesline")
            cursor.execute("ANALYZE rebates_target; ANALYZE partners_partner")

    timed("generate partners, targets and sales lines (SQL)", generate)

    def build() -> None:
        with transaction.atomic():
            contract_revenue_refresh(programme_id=programme_ensure_default().pk, period=quarter)
        # What autovacuum does soon after, as for the lines above.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE rebates_contractrevenue")

    # Once per programme quarter (its first run, or after its products change); from then on
    # each import adds its lines (see (e)) and each run adds whatever is left.
    timed("build the quarter's revenue per contract (once)", build)

    def raw_group_by() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT partner_id, sum(net_amount) FROM rebates_salesline "
                "WHERE invoice_date BETWEEN %s AND %s GROUP BY partner_id",
                [quarter.start, quarter.end],
            )
            cursor.fetchall()

    timed("(a) raw SELECT partner_id, sum(net_amount) GROUP BY (cold)", raw_group_by)
    _, raw_seconds = timed("(a) raw SELECT partner_id, sum(net_amount) GROUP BY", raw_group_by)

    def truncate_accruals() -> None:
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE rebates_accrual")

    truncate_accruals()
    connection.close()

    def calculate(chunks: int, chunk: int | None) -> subprocess.Popen:
        args = [*MANAGE, "calculate_rebates", "--period", PERIOD, "--chunks", str(chunks)]
        if chunk is not None:
            args += ["--chunk", str(chunk)]
        return subprocess.Popen(  # noqa: S603 (our own manage.py)
            args, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )

    def finish(proc: subprocess.Popen) -> tuple[str, float, float]:
        """(output, seconds the command measured itself, peak RSS of the process in MB)."""
        out = proc.stdout.read()
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode:
            raise SystemExit(f"calculate_rebates failed:\n{out}")
        seconds = float(out.rsplit(" in ", 1)[1].rstrip().rstrip("s"))
        return out.strip(), seconds, usage.ru_maxrss / 1024

    out, calc_seconds, rss = finish(calculate(1, None))
    print(f"{'(b) full calculation, 1 worker (fresh accruals)':<58} {calc_seconds:8.2f} s")
    print(f"    {out}\n    peak worker memory (RSS): {rss:.0f} MB")
    ratio = calc_seconds / raw_seconds
    print(f"    (b) / (a) = {ratio:.2f}   goal <= 2 and (b) < 60 s: ", end="")
    print("met" if ratio <= 2 and calc_seconds < 60 else "MISSED")
    print(f"    same amounts as evaluating every contract: {_every_contract_agrees(connection)}")
    out, again_seconds, rss_again = finish(calculate(1, None))
    print(f"{'(b) again: nothing changed, nothing written':<58} {again_seconds:8.2f} s")
    print(f"    {out}\n    peak worker memory (RSS): {rss_again:.0f} MB")

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT md5(string_agg(trace::text || amount::text, '' ORDER BY partner_id, programme_id)) FROM rebates_accrual"
        )
        digest = cursor.fetchone()[0]
        cursor.execute("TRUNCATE rebates_accrual")
    connection.close()

    started = time.perf_counter()
    procs = [calculate(2, i) for i in range(2)]
    results = [finish(proc) for proc in procs]
    wall = time.perf_counter() - started
    print(f"{'(c) full calculation, 2 workers x 1 chunk (wall, incl. start-up)':<58} {wall:8.2f} s")
    for i, (out, seconds, rss) in enumerate(results):
        print(f"    worker {i}: {seconds:.2f} s, peak RSS {rss:.0f} MB — {out}")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT md5(string_agg(trace::text || amount::text, '' ORDER BY partner_id, programme_id)) FROM rebates_accrual"
        )
        split_digest = cursor.fetchone()[0]
        cursor.execute("SELECT count(*), sum(amount) FROM rebates_accrual")
        count, total = cursor.fetchone()
    print(f"    accruals: {count:,}, total accrued {total:,.2f} CNY")
    print(f"    same accruals as the 1-worker run: {digest == split_digest}")

    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, newline="") as handle:
        path = handle.name
        writer = csv.writer(handle)
        writer.writerow(
            [
                "partner_tax_id",
                "order_number",
                "invoice_number",
                "line",
                "invoice_date",
                "product_code",
                "quantity",
                "net_amount",
                "currency",
                "kind",
                "deal_reference",
            ]
        )
        for i in range(IMPORT_LINES):
            writer.writerow(
                [
                    f"BENCH{1 + i % PARTNERS:08d}",
                    f"IO-{i // 4}",
                    f"IMP-{i // 3}",
                    i % 3 + 1,
                    f"2026-{7 + i % 3:02d}-{1 + i % 28:02d}",
                    f"SKU-{i % 50}",
                    "2",
                    f"{(i * 31) % 100000 / 100 + 1:.2f}",
                    "CNY",
                    "sale",
                    "",
                ]
            )

    def import_file() -> int:
        with open(path, encoding="utf-8-sig", newline="") as stream, transaction.atomic():
            count, saved, errors = sales_lines_load(stream, batch_id=None)
            assert not errors, errors[:3]
            return saved

    saved, elapsed = timed(
        f"(d) import {IMPORT_LINES:,} lines (COPY, validate, INSERT)", import_file
    )
    print(f"    imported {saved:,} lines: {saved / elapsed:,.0f} lines/s")
    # What the import queues for a worker once it has committed.
    outcome, _ = timed(
        "(e) then add them to the revenue per contract", contract_revenue_add_new_lines
    )
    print(f"    {outcome}")
    os.unlink(path)
    if SELL_THROUGH_LINES:
        _sell_through(connection, quarter=quarter, calculate=calculate, finish=finish)


def _sell_through(connection, *, quarter, calculate, finish) -> None:
    """(f) A sell-through programme beside the default one: both calculated in one run."""
    from accounts.models import User
    from deals.models import Product, ProductFamily
    from rebates.models import Programme
    from rebates.services import DEFAULT_BRACKETS, programme_save

    def generate() -> Programme:
        family, _ = ProductFamily.objects.get_or_create(code="bench", defaults={"name": "Bench"})
        for i in range(50):
            Product.objects.get_or_create(
                sku=f"SKU-{i}",
                defaults={
                    "name": f"Bench product {i}",
                    "family": family,
                    "list_price": 1000,
                    "floor_price": 600,
                    "currency": "CNY",
                },
            )
        user, _ = User.objects.get_or_create(
            email="bench-inventory@prm.bench", defaults={"full_name": "Bench", "role": "admin"}
        )
        Programme.objects.filter(name="Bench sell-through").update(is_active=True)
        programme = Programme.objects.filter(name="Bench sell-through").first()
        if programme is None:
            programme = programme_save(
                actor=None,
                programme=Programme(
                    name="Bench sell-through",
                    revenue_source="sell_through",
                    strategic_product_codes=["SKU-1", "SKU-2", "SKU-3"],
                ),
                brackets=DEFAULT_BRACKETS,
            )
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE inventory_inventoryreport, inventory_sellthroughline CASCADE")
            cursor.execute("DELETE FROM rebates_target WHERE programme_id = %s", [programme.pk])
            cursor.execute(
                """
                INSERT INTO rebates_target (programme_id, partner_id, period, amount, currency)
                SELECT %s, id, %s, 250000 + (id %% 13) * 20000, 'CNY'
                FROM partners_partner WHERE tax_id LIKE 'BENCH%%'
                """,
                [programme.pk, PERIOD],
            )
            # One sell-through report per partner and month of the quarter, then the lines.
            cursor.execute(
                """
                INSERT INTO inventory_inventoryreport (partner_id, kind, month, version,
                    is_current, source, reported_by_id, line_count, created_at)
                SELECT p.id, 'sell_through', (%s::date + make_interval(months => m))::date, 1,
                       true, 'import', %s, 0, now()
                FROM partners_partner p, generate_series(0, 2) m
                WHERE p.tax_id LIKE 'BENCH%%'
                """,
                [quarter.start, user.pk],
            )
            cursor.execute(
                """
                WITH p AS (SELECT min(id) AS first, count(*) AS n FROM partners_partner
                           WHERE tax_id LIKE 'BENCH%%'),
                g AS (SELECT g, p.first + (g %% p.n) AS partner_id, (g / p.n) %% 3 AS m
                      FROM generate_series(1, %s) g, p)
                INSERT INTO inventory_sellthroughline (report_id, partner_id, product_id, sold_on,
                    quantity, unit_price, currency, customer_name, customer_tax_id,
                    customer_region, serial_numbers, is_current)
                SELECT r.id, g.partner_id, pr.id,
                       (%s::date + make_interval(months => g.m::int))::date + (g %% 28),
                       1 + g %% 5, ((g::bigint * 7919) %% 200000) / 100.0 + 10, 'CNY',
                       'Customer ' || (g %% 40), '', 'CN-SH', '{}', true
                FROM g
                JOIN inventory_inventoryreport r ON r.partner_id = g.partner_id
                     AND r.kind = 'sell_through'
                     AND r.month = (%s::date + make_interval(months => g.m::int))::date
                JOIN deals_product pr ON pr.sku = 'SKU-' || (g %% 50)
                """,
                [SELL_THROUGH_LINES, quarter.start, quarter.start],
            )
        connection.close()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE inventory_sellthroughline")
            cursor.execute("ANALYZE inventory_inventoryreport; ANALYZE rebates_target")
        return programme

    timed(f"(f) generate {SELL_THROUGH_LINES:,} sell-through lines (SQL)", generate)
    connection.close()
    out, seconds, rss = finish(calculate(1, None))
    print(f"{'(f) calculation with a sell-through programme, 1 worker':<58} {seconds:8.2f} s")
    print(f"    {out}\n    peak worker memory (RSS): {rss:.0f} MB")
    print(f"    same amounts as evaluating every contract: {_every_contract_agrees(connection)}")
    out, seconds, rss = finish(calculate(1, None))
    print(f"{'(f) again: no new report, nothing rebuilt':<58} {seconds:8.2f} s")
    print(f"    {out}")


def _every_contract_agrees(connection) -> bool:
    """Recompute each accrual contract by contract from its trace (no shortcuts) and compare."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH each AS (
                SELECT a.id, a.amount, sum(least(
                    (c.net * (a.trace->>'effective_rate')::numeric
                     + c.strategic_net * (a.trace->>'strategic_bonus')::numeric)
                    * (a.trace->>'multiplier')::numeric * (a.trace->>'modifier')::numeric,
                    greatest((a.trace->>'contract_cap')::numeric * c.net, 0))) AS unrounded
                FROM rebates_accrual a
                JOIN rebates_contractrevenue c ON c.programme_id = a.programme_id
                     AND c.period = a.period AND c.partner_id = a.partner_id
                GROUP BY a.id, a.amount
            )
            SELECT count(*) FILTER (WHERE amount <> greatest(round(unrounded, 2), 0)) FROM each
            """
        )
        return cursor.fetchone()[0] == 0


if __name__ == "__main__":
    main()
