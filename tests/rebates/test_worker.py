"""A real Celery worker killed in the middle of a run; the re-run leaves no duplicates (DESIGN §5.2)."""

import os
import signal
import subprocess
import sys
import time
from decimal import Decimal

import psycopg2
import pytest
from django.conf import settings
from django.db import connection

from core.jobs import job_create
from core.models import JobRun, JobStatus
from rebates.models import Accrual
from rebates.services import partner_chunks
from tests.factories import PartnerFactory, tier

from .factories import PERIOD, line, programme, target

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery_worker]

QUEUE = "pytest-rebates"


def start_worker() -> subprocess.Popen:
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="prm.settings.test",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{connection.settings_dict['NAME']}",
        CELERY_TASK_ALWAYS_EAGER="0",
    )
    return subprocess.Popen(  # noqa: S603 (celery of this virtualenv)
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "prm",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "-Q",
            QUEUE,
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def other_session():
    params = connection.get_connection_params()
    conn = psycopg2.connect(**{k: v for k, v in params.items() if k != "cursor_factory"})
    conn.autocommit = False
    return conn


def wait_for(condition, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError("timed out")


def dispatch(chunks: list[list[int]]) -> JobRun:
    from rebates.tasks import rebate_calculate_task

    job = job_create(kind="rebates.calculate", label="Rebates 2026Q3", total=len(chunks))
    JobRun.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)
    for chunk in chunks:
        rebate_calculate_task.apply_async(args=[str(PERIOD), chunk, job.pk], queue=QUEUE)
    return job


@pytest.fixture
def broker_dispatch():
    from prm.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(QUEUE)
    yield
    app.conf.task_always_eager = eager


def test_a_worker_killed_mid_run_then_rerun_leaves_exact_accruals_without_duplicates(
    broker_dispatch,
):
    # given four Silver partners at 90% (45,000.00 each), split into two chunks
    prog = programme()
    partners = [PartnerFactory(tier=tier("silver")) for _ in range(4)]
    for partner in partners:
        target(prog, partner, 1_000_000)
        line(partner, 900_000)
    chunks = partner_chunks(period=PERIOD, chunks=2)
    # and another session holding an uncommitted accrual of the second chunk's first partner,
    # so the worker's second chunk stops inside its transaction
    blocker = other_session()
    with blocker.cursor() as cursor:
        cursor.execute(
            "INSERT INTO rebates_accrual (partner_id, programme_id, period, amount, currency,"
            " revenue, target, attainment, effective_rate, trace, inputs_hash, calculated_at)"
            " VALUES (%s, %s, %s, 0, 'CNY', 0, 1, 0, 0, '{}', '', now())",
            [chunks[1][0], prog.pk, str(PERIOD)],
        )
    worker = start_worker()
    try:
        job = dispatch(chunks)
        # when the first chunk is done and the second is waiting mid-transaction
        wait_for(lambda: Accrual.objects.count() == 2)
        wait_for(
            lambda: _waiting_on_lock(exclude_pid=blocker.get_backend_pid()),
        )
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=20)
    finally:
        blocker.rollback()
        blocker.close()
        if worker.poll() is None:
            worker.kill()
    # then the killed chunk left nothing behind
    assert Accrual.objects.count() == 2
    assert JobRun.objects.get(pk=job.pk).done == 1
    # when the run is dispatched again on a fresh worker (twice)
    worker = start_worker()
    try:
        rerun = dispatch(chunks)
        wait_for(lambda: JobRun.objects.get(pk=rerun.pk).status == JobStatus.SUCCEEDED)
        first = list(Accrual.objects.order_by("pk").values())
        again = dispatch(chunks)
        wait_for(lambda: JobRun.objects.get(pk=again.pk).status == JobStatus.SUCCEEDED)
    finally:
        worker.terminate()
        worker.wait(timeout=20)
    # then every partner has exactly one, correct accrual, and the second re-run changed nothing
    rows = list(Accrual.objects.order_by("pk").values())
    assert sorted(r["partner_id"] for r in rows) == sorted(p.pk for p in partners)
    assert {r["amount"] for r in rows} == {Decimal("45000.00")}
    assert rows == first


def _waiting_on_lock(*, exclude_pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND pid <> %s AND pid <> pg_backend_pid()",
            [exclude_pid],
        )
        return cursor.fetchone()[0] > 0
