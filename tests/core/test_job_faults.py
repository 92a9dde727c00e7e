"""Fault injection on real Celery workers: SIGKILL, hard and soft time limits (jobs never lose,
stick or lie). Short heartbeats, stall bounds and limits come from the worker's environment."""

import contextlib
import datetime
import os
import signal
import subprocess
import sys
import time
import uuid
from decimal import Decimal

import psycopg2
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from core.jobs import job_create, job_reap
from core.models import (
    ChunkState,
    ImportBatch,
    ImportStatus,
    JobChunk,
    JobRun,
    JobStatus,
    OutboxMessage,
)
from rebates.models import Accrual
from rebates.services import partner_chunks
from tests.factories import PartnerFactory, UserFactory, tier
from tests.rebates.factories import PERIOD, line, programme, target

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery_worker]

# A fresh queue per test (set by the `broker` fixture): a worker of another pytest-xdist process
# would run against its database, and the broker's binding of a queue whose worker was killed may
# be expired after the next test declared it again.
QUEUE = "pytest-faults"
FAST = {
    "PRM_JOB_HEARTBEAT_SECONDS": "0.5",
    "PRM_JOB_STALL_SECONDS": "3",
    "PRM_JOB_MAX_ATTEMPTS": "2",
}


@pytest.fixture(autouse=True)
def fast_jobs(settings, broker):
    settings.PRM_JOB_HEARTBEAT_SECONDS = 0.5
    settings.PRM_JOB_STALL_SECONDS = 3
    settings.PRM_JOB_MAX_ATTEMPTS = 2


@pytest.fixture
def broker():
    """Tasks go to the real broker (this test's queue, emptied first), not in-process."""
    from prm.celery import app

    global QUEUE  # noqa: PLW0603 (read by the helpers below at call time)
    QUEUE = f"pytest-faults-{uuid.uuid4().hex[:12]}"
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(QUEUE)
    yield
    app.conf.task_always_eager = eager


@pytest.fixture
def workers(tmp_path):
    started: list[subprocess.Popen] = []

    def start(*, pool: str = "solo", **extra: str) -> subprocess.Popen:
        db = settings.DATABASES["default"]
        env = dict(os.environ)
        env.update(
            DJANGO_SETTINGS_MODULE="prm.settings.test",
            DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{connection.settings_dict['NAME']}",
            CELERY_TASK_ALWAYS_EAGER="0",
            PRM_TEST_MEDIA_ROOT=str(settings.MEDIA_ROOT),
            **FAST,
            **extra,
        )
        args = ["--pool=solo"] if pool == "solo" else ["--pool=prefork", "--concurrency=1"]
        process = subprocess.Popen(  # noqa: S603 (celery of this virtualenv)
            [sys.executable, "-m", "celery", "-A", "prm", "worker", *args, "--loglevel=INFO"]
            + ["-Q", QUEUE, "--without-heartbeat", "--without-mingle", "--without-gossip"],
            env=env,
            stdout=(tmp_path / f"worker-{len(started)}.log").open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: a kill takes its pool children too
        )
        started.append(process)
        return process

    yield start
    for process in started:
        kill(process)


def kill(process: subprocess.Popen) -> None:
    """SIGKILL the whole worker: its main process and its pool's children."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=20)


def wait_for(condition, seconds: float = 180, every=None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if every:
            every()
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError("timed out")


def other_session():
    params = connection.get_connection_params()
    conn = psycopg2.connect(**{k: v for k, v in params.items() if k != "cursor_factory"})
    conn.autocommit = False
    return conn


def backends_waiting(*, exclude_pid: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND pid <> %s AND pid <> pg_backend_pid()",
            [exclude_pid],
        )
        return [row[0] for row in cursor.fetchall()]


def backend_alive(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone()[0] == 1


def four_partners_at_90_percent():
    prog = programme()
    partners = [PartnerFactory(tier=tier("silver")) for _ in range(4)]
    for partner in partners:
        target(prog, partner, 1_000_000)
        line(partner, 900_000)
    return prog, partners


def block_accrual_of(blocker, *, partner_id: int, prog) -> None:
    """An uncommitted accrual of one partner: the chunk computing it waits inside its transaction."""
    with blocker.cursor() as cursor:
        cursor.execute(
            "INSERT INTO rebates_accrual (partner_id, programme_id, period, amount, currency,"
            " revenue, target, attainment, effective_rate, trace, inputs_hash, calculated_at)"
            " VALUES (%s, %s, %s, 0, 'CNY', 0, 1, 0, 0, '{}', '', now())",
            [partner_id, prog.pk, str(PERIOD)],
        )


def calculate(job: JobRun) -> None:
    from rebates.tasks import rebate_calculate_period_task

    rebate_calculate_period_task.apply_async(
        args=[str(PERIOD)], kwargs={"chunks": 2, "job_id": job.pk}, queue=QUEUE
    )


def exact_accruals(partners) -> bool:
    rows = list(Accrual.objects.values_list("partner_id", "amount"))
    return sorted(rows) == sorted((p.pk, Decimal("45000.00")) for p in partners)


def test_a_redelivered_fan_out_terminates_the_dead_runs_orphaned_session_and_finishes(workers):
    # given a rebate run whose fan-out holds the single-flight lock, stuck in a query
    _prog, partners = four_partners_at_90_percent()
    blocker = other_session()
    with blocker.cursor() as cursor:
        cursor.execute("LOCK TABLE rebates_salesline IN SHARE MODE")
    first = workers()
    job = job_create(kind="rebates.calculate", label="Rebates 2026Q3")
    try:
        calculate(job)
        wait_for(lambda: backends_waiting(exclude_pid=blocker.get_backend_pid()))
        [orphan] = backends_waiting(exclude_pid=blocker.get_backend_pid())
        # when the worker is killed: its session runs on, lock held, and the message comes back
        kill(first)
        assert backend_alive(orphan)
        workers()
        calculate(job)
        # then the redelivery waits out the dead run's lease and terminates its session
        wait_for(lambda: not backend_alive(orphan))
    finally:
        blocker.rollback()
        blocker.close()
    # and it finishes the job (never "skipped" with the job left at 0 chunks)
    wait_for(lambda: JobRun.objects.get(pk=job.pk).status == JobStatus.SUCCEEDED)
    assert exact_accruals(partners)
    assert JobRun.objects.get(pk=job.pk).done == 2


def test_a_redelivered_reconciliation_fan_out_never_leaves_its_run_at_0_chunks(workers):
    # given four partners with a payment and an order each, and a reconciliation run whose
    # fan-out holds the single-flight lock, stuck in a query
    from settlement import services as settlement
    from settlement.models import ReconciliationRun
    from settlement.tasks import reconciliation_run_task
    from tests.settlement.recon_factories import order, payment

    for _ in range(4):
        partner = PartnerFactory()
        order(partner, reference=f"PO-{partner.pk}")
        payment(partner, reference=f"PO-{partner.pk}")
    blocker = other_session()
    with blocker.cursor() as cursor:
        cursor.execute("LOCK TABLE settlement_order IN SHARE MODE")
    first = workers()

    def start(run_id: int, chunks: int) -> None:
        reconciliation_run_task.apply_async(args=[run_id, 2], queue=QUEUE)

    try:
        with transaction.atomic():
            run = settlement.reconciliation_run_start(actor=None)
            # The test sends the fan-out itself, to its workers' queue: not through the outbox.
            OutboxMessage.objects.filter(job=run.job).update(sent_at=timezone.now())
        start(run.pk, 2)
        wait_for(lambda: backends_waiting(exclude_pid=blocker.get_backend_pid()))
        [orphan] = backends_waiting(exclude_pid=blocker.get_backend_pid())
        # when the worker is killed and the message comes again to a fresh worker
        kill(first)
        workers()
        start(run.pk, 2)
        # then the dead run's session is terminated instead of the redelivery being "skipped"
        wait_for(lambda: not backend_alive(orphan))
    finally:
        blocker.rollback()
        blocker.close()
    # and the run is matched to the end, each chunk counted once
    wait_for(lambda: ReconciliationRun.objects.get(pk=run.pk).finished_at is not None)
    run = ReconciliationRun.objects.select_related("job").get(pk=run.pk)
    assert run.job.status == JobStatus.SUCCEEDED
    assert run.chunks == run.chunks_done == run.job.done == 2


def test_a_whole_worker_killed_mid_chunk_is_reaped_and_resent_to_the_exact_result(workers):
    # given a two-chunk run whose second chunk waits mid-transaction in the only worker
    prog, partners = four_partners_at_90_percent()
    chunks = partner_chunks(period=PERIOD, chunks=2)
    blocker = other_session()
    block_accrual_of(blocker, partner_id=chunks[1][0], prog=prog)
    first = workers()
    job = job_create(kind="rebates.calculate", label="Rebates 2026Q3")
    try:
        calculate(job)
        wait_for(lambda: Accrual.objects.count() == 2)
        wait_for(lambda: backends_waiting(exclude_pid=blocker.get_backend_pid()))
        # when the whole worker is killed
        kill(first)
    finally:
        blocker.rollback()
        blocker.close()
    # then within the stall bound its page says it stalled, at 1 of 2
    wait_for(lambda: JobRun.objects.get(pk=job.pk).is_stalled, seconds=60)
    assert JobRun.objects.get(pk=job.pk).done == 1
    # and the reaper sends the dead chunk again; a fresh worker finishes it, no broker timeout
    workers()
    wait_for(lambda: JobRun.objects.get(pk=job.pk).status == JobStatus.SUCCEEDED, every=job_reap)
    assert exact_accruals(partners)
    assert list(JobChunk.objects.filter(job=job).values_list("state", flat=True)) == [
        ChunkState.DONE,
        ChunkState.DONE,
    ]


def test_a_chunk_killed_at_its_hard_limit_is_retried_a_bounded_number_of_times_then_resumed(
    workers, client
):
    # given a chunk that can never finish within the worker's 2 s hard limit
    prog, partners = four_partners_at_90_percent()
    chunks = partner_chunks(period=PERIOD, chunks=2)
    blocker = other_session()
    block_accrual_of(blocker, partner_id=chunks[1][0], prog=prog)
    workers(pool="prefork", PRM_CHUNK_TIME_LIMIT="2")
    job = job_create(kind="rebates.calculate", label="Rebates 2026Q3")
    try:
        # when it runs: killed at the limit, reaped and sent again, killed again
        calculate(job)
        wait_for(
            lambda: JobRun.objects.get(pk=job.pk).status == JobStatus.FAILED,
            seconds=240,
            every=job_reap,
        )
    finally:
        blocker.rollback()
        blocker.close()
    # then the job failed with the reason after two attempts, instead of "running 1/2" forever
    failed = JobRun.objects.get(pk=job.pk)
    assert failed.resumable and "2 of 2" in failed.message and "2 times" in failed.message
    assert JobChunk.objects.get(job=job, index=1).attempts == 2
    # when finance resumes it from its page once the cause is gone
    finance = UserFactory(role=Role.FINANCE)
    client.force_login(finance)
    response = client.post(reverse("core:job_resume", args=[job.pk]))
    assert response.status_code == 302
    # then it finishes with the exact accruals
    wait_for(lambda: JobRun.objects.get(pk=job.pk).status == JobStatus.SUCCEEDED, every=job_reap)
    assert exact_accruals(partners)


def test_an_fx_import_stopped_at_its_soft_limit_is_rejected_with_the_reason(workers):
    # given a 40,000-row FX file and a worker allowing imports 2 s (soft limit 1 s)
    start = datetime.date(2000, 1, 1)
    rows = "".join(
        f"{start + datetime.timedelta(days=i // 2)},{('USD', 'EUR')[i % 2]},CNY,7.{i:05d}\n"
        for i in range(40_000)
    )  # every (date, from, to) once: a repeated key would be refused before any limit
    upload = SimpleUploadedFile("fx.csv", ("date,from,to,rate\n" + rows).encode())
    user = UserFactory(role=Role.FINANCE)
    job = job_create(kind="import.fx_rates", label="FX", user=user)
    batch = ImportBatch.objects.create(
        kind="fx_rates", file=upload, original_name="fx.csv", uploaded_by=user, job=job
    )
    workers(pool="prefork", PRM_IMPORT_TIME_LIMIT="2")
    # when it runs
    from core.tasks import import_batch_run_task

    import_batch_run_task.apply_async(args=[batch.pk], queue=QUEUE)
    # then the batch is rejected with the reason (never left "validating"), nothing imported
    wait_for(lambda: ImportBatch.objects.get(pk=batch.pk).status == ImportStatus.REJECTED)
    batch.refresh_from_db()
    assert "time limit" in batch.errors[0]["message"]
    assert batch.imported_count == 0
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "time limit" in job.message
