"""Celery queues by workload (prm/queues.py, DESIGN §10): every task lands on `interactive` or
`batch`, each with its time limits, and a long batch run does not hold up an e-mail."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid

import psycopg2
import pytest
from django.conf import settings
from django.db import connection

from core.jobs import job_create
from core.models import JobRun, JobStatus, Notification
from core.notifications import notify
from prm import queues
from prm.celery import app
from tests.factories import PartnerFactory, UserFactory, tier
from tests.rebates.factories import PERIOD, line, programme, target


def registered_tasks() -> list[str]:
    app.loader.import_default_modules()
    return sorted(app.tasks)


def routed_queue(name: str, **options) -> str:
    return app.amqp.router.route(options, name)["queue"].name


def test_every_registered_task_lands_on_the_interactive_or_the_batch_queue():
    names = registered_tasks()
    assert len(names) > 30
    for name in names:
        assert routed_queue(name) in {"interactive", "batch"}, name


@pytest.mark.parametrize(
    ("name", "queue"),
    [
        ("core.tasks.notification_email_task", "interactive"),
        ("core.outbox.outbox_dispatch_task", "interactive"),
        ("core.tasks.job_reap_task", "interactive"),
        ("core.tasks.precomputed_figures_refresh_task", "interactive"),
        ("celery.chord_unlock", "interactive"),
        ("rebates.tasks.rebate_calculate_task", "batch"),
        ("rebates.tasks.rebate_quarter_close_task", "batch"),
        ("settlement.tasks.reconciliation_run_task", "batch"),
        ("settlement.tasks.statement_export_chunk_task", "batch"),
        ("settlement.tasks.statement_build_period_task", "batch"),
        ("core.tasks.import_batch_run_task", "batch"),
        ("core.export_jobs.export_job_task", "batch"),
        ("partners.tasks.tier_evaluation_run_task", "batch"),
        ("partners.tasks.scorecard_evaluate_yearly_task", "batch"),
        ("deals.tasks.deal_expire_stale_task", "batch"),
        ("training.tasks.certification_send_expiry_reminders_task", "batch"),
        ("core.tasks.notification_purge_old_task", "batch"),
    ],
)
def test_each_workload_has_its_queue(name, queue):
    assert name in registered_tasks()
    assert routed_queue(name) == queue


@pytest.mark.parametrize(
    ("name", "queue"),
    [
        ("inventory.tasks.sell_through_import_task", "batch"),
        ("inventory.tasks.stock_scan_task", "batch"),
        ("partners.tasks.tier_preview_task", "batch"),
        ("settlement.tasks.statement_pdf_task", "batch"),
        ("anything.tasks.nightly_batch_task", "batch"),
        ("inventory.tasks.low_stock_alert_task", "interactive"),
        ("deals.tasks.deal_owner_notify_task", "interactive"),
    ],
)
def test_a_task_in_neither_list_is_batch_when_its_name_says_so_and_interactive_otherwise(
    name, queue
):
    assert routed_queue(name) == queue


def test_the_classified_names_are_registered_tasks_and_in_one_list_only():
    names = set(registered_tasks())
    assert names >= queues.INTERACTIVE_TASKS
    assert names >= queues.BATCH_TASKS
    assert not queues.INTERACTIVE_TASKS & queues.BATCH_TASKS


def test_an_explicit_queue_is_kept_so_a_job_sent_again_returns_to_its_queue():
    assert routed_queue("rebates.tasks.rebate_calculate_task", queue="pytest-x") == "pytest-x"


def test_queue_names_come_from_the_settings(settings):
    settings.PRM_INTERACTIVE_QUEUE = "staging-interactive"
    settings.PRM_BATCH_QUEUE = "staging-batch"
    assert routed_queue("core.tasks.notification_email_task") == "staging-interactive"
    assert routed_queue("rebates.tasks.rebate_calculate_task") == "staging-batch"


def test_every_task_has_limits_within_its_queue_cap_and_below_the_visibility_timeout():
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    caps = {
        "interactive": settings.PRM_INTERACTIVE_TIME_LIMIT,
        "batch": settings.PRM_BATCH_TIME_LIMIT,
    }
    for name in registered_tasks():
        task = app.tasks[name]
        cap = caps[queues.workload(name)]
        assert task.time_limit and task.time_limit <= cap, name
        assert 0 < task.soft_time_limit < task.time_limit, name
        assert task.time_limit < visibility, name
    # the job kinds keep their settings, the others their own limits
    assert (
        app.tasks["core.tasks.import_batch_run_task"].time_limit == settings.PRM_IMPORT_TIME_LIMIT
    )
    assert (
        app.tasks["rebates.tasks.rebate_calculate_task"].time_limit == settings.PRM_CHUNK_TIME_LIMIT
    )
    assert app.tasks["core.tasks.notification_email_task"].time_limit == 120
    assert app.tasks["celery.chord_unlock"].time_limit == settings.PRM_INTERACTIVE_TIME_LIMIT


def test_the_queue_caps_bound_the_limits():
    class Slow:  # what a task's class carries: its name and its decorator's limits
        name = "core.outbox.outbox_dispatch_task"
        time_limit = 3 * 3600
        soft_time_limit = None

    limits = queues.QueueTimeLimits().annotate(Slow)
    assert limits["time_limit"] == settings.PRM_INTERACTIVE_TIME_LIMIT
    Slow.name = "rebates.tasks.rebate_contract_revenue_add_task"
    assert queues.QueueTimeLimits().annotate(Slow)["time_limit"] == settings.PRM_BATCH_TIME_LIMIT


@pytest.mark.parametrize(
    ("args", "queues_option"),
    [
        ([], "-Q interactive,batch"),
        (["QUEUES=batch"], "-Q batch"),
        (["QUEUES=interactive"], "-Q interactive"),
    ],
)
def test_make_worker_runs_both_queues_or_the_one_named(args, queues_option):
    out = subprocess.run(  # noqa: S603
        ["make", "-n", "worker", *args],  # noqa: S607
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "MAKEFLAGS": ""},
    ).stdout
    [command] = [row for row in out.splitlines() if "celery -A prm worker" in row]
    assert queues_option in command


# --- real workers, one per queue ------------------------------------------------------------------
@pytest.fixture
def queue_workers(tmp_path, settings):
    """One worker per queue (prefork, concurrency 1 each), on this test's own queue names."""
    suffix = uuid.uuid4().hex[:10]
    settings.PRM_INTERACTIVE_QUEUE = f"pytest-interactive-{suffix}"
    settings.PRM_BATCH_QUEUE = f"pytest-batch-{suffix}"
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    started: list[subprocess.Popen] = []

    def start(queue: str) -> subprocess.Popen:
        db = settings.DATABASES["default"]
        env = dict(os.environ)
        env.update(
            DJANGO_SETTINGS_MODULE="prm.settings.test",
            DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{connection.settings_dict['NAME']}",
            CELERY_TASK_ALWAYS_EAGER="0",
            PRM_TEST_MEDIA_ROOT=str(settings.MEDIA_ROOT),
            PRM_INTERACTIVE_QUEUE=settings.PRM_INTERACTIVE_QUEUE,
            PRM_BATCH_QUEUE=settings.PRM_BATCH_QUEUE,
        )
        process = subprocess.Popen(  # noqa: S603 (celery of this virtualenv)
            [sys.executable, "-m", "celery", "-A", "prm", "worker", "--pool=prefork"]
            + ["--concurrency=1", "--loglevel=INFO", "-Q", queue, "-n", f"{queue}@%h"]
            + ["--without-heartbeat", "--without-mingle", "--without-gossip"],
            env=env,
            stdout=(tmp_path / f"{queue}.log").open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        started.append(process)
        return process

    start(settings.PRM_INTERACTIVE_QUEUE)
    start(settings.PRM_BATCH_QUEUE)
    yield
    app.conf.task_always_eager = eager
    for process in started:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=20)


def wait_for(condition, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError("timed out")


def sessions_waiting_on_a_lock(exclude_pid: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND pid <> %s AND pid <> pg_backend_pid()",
            [exclude_pid],
        )
        return cursor.fetchone()[0]


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_long_batch_run_does_not_hold_up_an_email(queue_workers):
    # given a rebate run held in the batch worker: another session locks the sales lines it reads
    prog = programme()
    partners = [PartnerFactory(tier=tier("silver")) for _ in range(2)]
    for partner in partners:
        target(prog, partner, 1_000_000)
        line(partner, 900_000)
    params = connection.get_connection_params()
    blocker = psycopg2.connect(**{k: v for k, v in params.items() if k != "cursor_factory"})
    try:
        with blocker.cursor() as cursor:
            cursor.execute("LOCK TABLE rebates_salesline IN SHARE MODE")
        from rebates.tasks import rebate_calculate_period_task

        job = job_create(kind="rebates.calculate", label="Rebates 2026Q3")
        rebate_calculate_period_task.delay(str(PERIOD), chunks=1, job_id=job.pk)  # no queue named
        wait_for(lambda: sessions_waiting_on_a_lock(blocker.get_backend_pid()) >= 1)
        # when a notification is e-mailed while the batch worker is busy
        [note] = notify(recipients=[UserFactory()], kind="test", title="Deal approved")
        # then the interactive worker sends it while the rebate run is still held
        wait_for(lambda: Notification.objects.get(pk=note.pk).emailed_at is not None, seconds=60)
        assert JobRun.objects.get(pk=job.pk).status == JobStatus.RUNNING
        assert sessions_waiting_on_a_lock(blocker.get_backend_pid()) >= 1
    finally:
        blocker.rollback()
        blocker.close()
    # and once released, the batch run finishes on its own queue
    wait_for(lambda: JobRun.objects.get(pk=job.pk).status == JobStatus.SUCCEEDED)
