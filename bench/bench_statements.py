"""Benchmark of statement PDFs: `.venv/bin/python bench/bench_statements.py [--statements N]`.

Creates (or reuses) the database `prm_bench_statements`, migrates it, then
(1) renders one statement of 50 lines (Chinese partner name, three approvals) 10 times, alternating
    with plain WeasyPrint rendering a comparable page (the same 50 lines in a table, the same Noto
    Sans CJK SC, a fresh `HTML(string=...).write_pdf()` each time), and prints both medians, wall
    clock and CPU, their ratio and the peak memory of a render. Goals: median ≤ 0.3 s on an idle
    machine and within 1.2× of plain WeasyPrint;
(2) exports a batch of 1,000 statements (--statements scales it down) as a zip through real Celery
    worker processes started here (--concurrency, default 2) and prints the time, the throughput and
    the peak memory (RSS) of each worker process. Goals: ≤ 120 s for 1,000 on 2 workers, < 300 MB
    per worker.
Uses the broker in REDIS_URL (give it a Redis database of its own). The machine may be shared: the
figures carry the load average they were measured at, and the CPU figures are the steadier ones.
"""

from __future__ import annotations

import argparse
import html
import os
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = os.environ.get("BENCH_DB", "prm_bench_statements")
PERIOD = "2026Q3"


def _database_url() -> str:
    base = urlparse(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
    return base._replace(path=f"/{BENCH_DB}").geturl()


def _create_database(url: str) -> None:
    import psycopg2

    admin = urlparse(url)._replace(path="/postgres").geturl()
    conn = psycopg2.connect(admin)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{BENCH_DB}"')
    conn.close()


BATCH_SQL = """
INSERT INTO partners_partner (legal_name, tax_id, country, partner_type, regions,
    classification, status, contract_currency, credit_limit, specializations,
    created_at, updated_at, tier_id)
SELECT '批量伙伴' || g || '科技有限公司', 'BST' || lpad(g::text, 8, '0'), 'CN', 'reseller',
       '{CN-SH}', '', 'active', 'CNY', 0, '{}', now(), now(),
       (SELECT id FROM partners_tier ORDER BY rank LIMIT 1)
FROM generate_series(1, %(n)s) g;

INSERT INTO settlement_statement (partner_id, period, revision, number, currency, state,
    subtotal, carried_balance, tax_rate, tax_amount, payable, required_approvals,
    verification_code, created_at, deemed_confirmed)
SELECT p.id, %(period)s, 1, 'ST-B-' || p.tax_id, 'CNY', 'draft', 5000, 0, 0, 0, 5000, 1,
       upper(substr(md5(p.tax_id), 1, 16)), now(), false
FROM partners_partner p WHERE p.tax_id LIKE 'BST%%';

INSERT INTO settlement_statementline (statement_id, kind, description, description_key, amount,
    original_amount, original_currency, fx_rate)
SELECT s.id, 'rebate_accrual', '返利 第' || l || '行 Rebate line ' || l, '', 1000, 1000, 'CNY', 1
FROM settlement_statement s, generate_series(1, 5) l WHERE s.number LIKE 'ST-B-%%';

UPDATE settlement_statement SET state = 'in_review' WHERE number LIKE 'ST-B-%%';
UPDATE settlement_statement SET state = 'approved' WHERE number LIKE 'ST-B-%%';
"""


def _plain_page(statement, lines) -> str:
    """The comparable page for plain WeasyPrint: the statement's 50 lines in a table, same font."""
    rows = "".join(
        f"<tr><td>{n}</td><td>{html.escape(line.get_kind_display())}</td>"
        f"<td>{html.escape(line.description)}</td>"
        f"<td>{line.original_currency} {line.original_amount:.2f}</td>"
        f"<td>{line.fx_rate:.6f}</td><td>{line.amount:.2f}</td></tr>"
        for n, line in enumerate(lines, 1)
    )
    return (
        "<html><body style=\"font-family: 'Noto Sans CJK SC'; font-size: 9.5pt\">"
        f"<h1>{html.escape(statement.partner.legal_name)} {statement.number}</h1>"
        f"<table>{rows}</table></body></html>"
    )


def _timed(render) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    render()
    return time.perf_counter() - wall, time.process_time() - cpu


def _peak_rss_mib(pid: int) -> dict[int, float]:
    """Peak resident memory (VmHWM) of a process and its children, MiB by pid."""
    peaks = {}
    children = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children += (task / "children").read_text().split()
    for each in [pid, *map(int, children)]:
        for line in Path(f"/proc/{each}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks[each] = int(line.split()[1]) / 1024
    return peaks


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--statements", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--renders", type=int, default=10)
    args = parser.parse_args()

    url = _database_url()
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "prm.settings.local"}
    os.environ.update(DATABASE_URL=url, DJANGO_SETTINGS_MODULE="prm.settings.local")
    if not os.environ.get("REDIS_URL"):
        sys.exit("Set REDIS_URL (a Redis database of its own) for the Celery part.")
    _create_database(url)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run(  # noqa: S603 (our own manage.py)
        [*manage, "migrate", "--verbosity", "0"], env=env, check=True, cwd=ROOT
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from decimal import Decimal

    from django.conf import settings
    from django.db import connection

    from accounts.choices import Role
    from accounts.models import User
    from core.jobs import job_create
    from core.models import JobRun, JobStatus
    from partners.models import Partner, Tier
    from settlement import services
    from settlement.models import Statement
    from settlement.pdf import statement_pdf_render
    from settlement.tasks import statement_export_period_task

    with connection.cursor() as cursor:
        # A database of its own: start from no partners (and so no statements, users, audit).
        cursor.execute("TRUNCATE partners_partner, core_jobrun CASCADE")
    # (1) one statement of 50 lines, countersigned
    partner = Partner.objects.create(
        legal_name="上海华东数字科技有限公司",
        tax_id="BPDF",
        country="CN",
        partner_type="reseller",
        regions=["CN-SH"],
        contract_currency="CNY",
        credit_limit=Decimal(0),
        tier=Tier.objects.order_by("rank").first(),
    )
    for n in range(50):
        services.settlement_entry_queue(
            partner=partner,
            kind="rebate_accrual",
            amount=Decimal("25000.00") + n,
            currency="CNY",
            description=f"返利 标准计划 合同 SO-{n:04d} · Rebate standard programme",
            source_type="bench",
            source_id=n,
            period=PERIOD,
        )
    statement = services.statement_build(partner=partner, period=PERIOD)
    finance = [
        User.objects.get_or_create(
            email=f"bench{i}@prm.bench", defaults={"full_name": f"财务 {i}", "role": Role.FINANCE}
        )[0]
        for i in range(4)
    ]
    services.statement_submit(statement=statement, actor=finance[0])
    statement.refresh_from_db()
    for approver in finance[1 : 1 + statement.required_approvals]:
        services.statement_approve(statement=statement, actor=approver)
    statement = Statement.objects.select_related("partner").get(pk=statement.pk)
    print(
        f"database {BENCH_DB}: statement {statement.number}, {statement.lines.count()} lines, "
        f"{statement.approvals.count()} approvals, state {statement.state}"
    )
    from weasyprint import HTML

    lines = list(statement.lines.all())
    plain = _plain_page(statement, lines)

    def ours() -> bytes:
        return statement_pdf_render(statement=statement, base_url="https://prm.example/")

    def plain_weasyprint() -> bytes:
        return HTML(string=plain).write_pdf()

    ours(), plain_weasyprint()  # warm-up: imports, fonts
    timings: dict[str, list[tuple[float, float]]] = {"ours": [], "plain": []}
    for n in range(args.renders):  # alternate, so both see the same load
        for name, render in (("ours", ours), ("plain", plain_weasyprint))[:: 1 if n % 2 else -1]:
            timings[name].append(_timed(render))
    pdf, plain_pdf = ours(), plain_weasyprint()
    tracemalloc.start()
    ours()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    wall = {name: statistics.median(t[0] for t in runs) for name, runs in timings.items()}
    cpu = {name: statistics.median(t[1] for t in runs) for name, runs in timings.items()}
    print(f"    load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(
        f"(1) PDF of 50 lines, median of {args.renders}: ours {wall['ours']:.3f} s "
        f"(CPU {cpu['ours']:.3f} s, {len(pdf) / 1024:.0f} KiB); plain WeasyPrint, comparable page, "
        f"same font: {wall['plain']:.3f} s (CPU {cpu['plain']:.3f} s, {len(plain_pdf) / 1024:.0f} KiB)"
    )
    print(
        f"    ours / plain: {wall['ours'] / wall['plain']:.2f}× wall, "
        f"{cpu['ours'] / cpu['plain']:.2f}× CPU (goal ≤ 1.2×); "
        f"median ≤ 0.3 s: {'met' if wall['ours'] <= 0.3 else 'NOT met'} at this load"
    )
    print(
        f"    peak Python memory during a render {peak / 2**20:.1f} MiB; process max RSS {rss:.0f} MiB"
    )

    # (2) a batch through real Celery workers
    with connection.cursor() as cursor:
        cursor.execute(BATCH_SQL, {"n": args.statements, "period": PERIOD})
    total = Statement.objects.filter(period=PERIOD).count()
    worker = subprocess.Popen(  # noqa: S603 (our own Celery app)
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "prm",
            "worker",
            "--loglevel=WARNING",
            f"--concurrency={args.concurrency}",
            "-Q",  # both queues: the batch export and what it notifies
            f"{settings.PRM_INTERACTIVE_QUEUE},{settings.PRM_BATCH_QUEUE}",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
        ],
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    try:
        time.sleep(8)  # let the worker processes start
        job = job_create(kind="settlement.statement_export", label=f"bench {PERIOD}")
        started = time.perf_counter()
        statement_export_period_task.delay(job.pk, PERIOD, "https://prm.example/")
        while True:
            time.sleep(1)
            job = JobRun.objects.get(pk=job.pk)
            if job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED):
                break
            if time.perf_counter() - started > 3600:
                sys.exit("the batch did not finish within an hour")
        elapsed = time.perf_counter() - started
        peaks = _peak_rss_mib(worker.pid)
    finally:
        os.killpg(worker.pid, 15)
        worker.wait(timeout=60)
    size = job.result_file.size / 2**20 if job.result_file else 0
    goal = 120 * total / 1000
    print(
        f"(2) batch of {total:,} statements, {args.concurrency} worker processes: {job.status} in "
        f"{elapsed:.1f} s (goal ≤ {goal:.0f} s: {'met' if elapsed <= goal else 'NOT met'}), "
        f"{total / elapsed:.1f} statements/s, zip {size:.1f} MiB; load average "
        f"{os.getloadavg()[0]:.1f}"
    )
    pool = sorted(peak for pid, peak in peaks.items() if pid != worker.pid)
    print(
        f"    peak RSS per worker process: {', '.join(f'{p:.0f}' for p in pool)} MiB "
        f"(goal < 300 MB: {'met' if pool and max(pool) * 2**20 < 300e6 else 'NOT met'}); "
        f"the Celery main process {peaks.get(worker.pid, 0):.0f} MiB"
    )


if __name__ == "__main__":
    main()
