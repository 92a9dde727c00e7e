"""The transactional outbox (core/outbox.py): queued work is recorded with its record, sent once,
and never lost to a broker that is down. Redis outages end to end: tests/core/test_redis_down.py."""

from __future__ import annotations

import ast
import socket
import threading
from pathlib import Path

import pytest
from celery import current_app
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.utils.module_loading import import_string

from core.jobs import job_create
from core.models import JobRun, JobStatus, OutboxMessage
from core.outbox import outbox_dispatch, outbox_enqueue

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def dead_broker():
    """Send to a port nothing listens on: the broker is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    conf = current_app.conf
    saved = conf.broker_url, conf.task_always_eager
    conf.broker_url, conf.task_always_eager = f"redis://127.0.0.1:{port}/0", False
    yield
    conf.broker_url, conf.task_always_eager = saved


@pytest.mark.django_db(transaction=True)
def test_enqueue_outside_a_transaction_is_refused():
    # in autocommit the message would be stored apart from its record
    with pytest.raises(RuntimeError):
        outbox_enqueue("core.tasks.ping_task", args=[1])
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_job_and_its_message_are_written_or_rolled_back_together():
    # when the transaction that creates a job and queues its task fails
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        job = job_create(kind="ping", label="Ping")
        outbox_enqueue("core.tasks.ping_task", args=[job.pk], job=job)
        1 / 0  # noqa: B018
    # then neither exists
    assert not JobRun.objects.exists() and not OutboxMessage.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_the_task_runs_in_process_after_commit():
    # given no broker (development, and these tests): tasks run eagerly, as `.delay()` did
    with transaction.atomic():
        job = job_create(kind="ping", label="Ping")
        outbox_enqueue("core.tasks.ping_task", args=[job.pk], job=job)
    # then the after-commit dispatch ran it and marked it sent
    assert JobRun.objects.get(pk=job.pk).status == JobStatus.SUCCEEDED
    assert OutboxMessage.objects.get().sent_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_broker_that_is_down_leaves_the_message_pending_with_its_error(dead_broker):
    # when work is queued while the broker is down
    with transaction.atomic():
        job = job_create(kind="ping", label="Ping")
        outbox_enqueue("core.tasks.ping_task", args=[job.pk], job=job)
    # then the commit succeeded, the message waits with the reason, and a later round fails too
    message = OutboxMessage.objects.get()
    assert message.sent_at is None and message.attempts == 1
    assert message.last_error
    assert outbox_dispatch() == 0
    message.refresh_from_db()
    assert message.attempts == 2 and message.sent_at is None
    assert JobRun.objects.get().status == JobStatus.QUEUED


@pytest.mark.django_db(transaction=True)
def test_a_message_another_dispatcher_holds_is_skipped(dead_broker):
    # given a pending message that another dispatcher has locked
    with transaction.atomic():
        outbox_enqueue("core.tasks.ping_task", args=[0])
    locked, release = threading.Event(), threading.Event()

    def other_dispatcher() -> None:
        try:
            with transaction.atomic():
                list(OutboxMessage.objects.select_for_update())
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=other_dispatcher)
    thread.start()
    locked.wait(10)
    # when this dispatcher runs, it neither waits nor touches the locked row
    try:
        assert outbox_dispatch() == 0
        assert OutboxMessage.objects.get().attempts == 1  # only the after-commit attempt
    finally:
        release.set()
        thread.join()


@pytest.mark.django_db(transaction=True)
def test_dispatch_command_reports_what_waits(dead_broker, capsys):
    with transaction.atomic():
        outbox_enqueue("core.tasks.ping_task", args=[0])
    call_command("dispatch_outbox")
    assert "sent 0, waiting 1" in capsys.readouterr().out


def test_every_task_named_in_an_outbox_message_exists():
    # tasks are named by their dotted path (the services may not import them): a typo must fail
    names = set()
    apps = [d for d in ROOT.iterdir() if (d / "apps.py").exists()]
    for path in (p for app in apps for p in app.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            for arg in [*node.args, *(e for e in ast.walk(node) if isinstance(e, ast.Tuple))]:
                if isinstance(arg, ast.Constant) and str(arg.value).count(".tasks.") == 1:
                    names.add(arg.value)
    assert len(names) >= 6
    for name in sorted(names):
        task = import_string(name)
        assert task.name == name, name


def test_beat_dispatches_the_outbox_every_minute():
    entry = settings.CELERY_BEAT_SCHEDULE["core.dispatch-outbox"]
    assert entry["task"] == "core.outbox.outbox_dispatch_task"
    assert entry["schedule"] <= 60
    assert import_string(entry["task"]).name == entry["task"]


@pytest.mark.django_db
def test_sent_messages_and_old_idempotency_keys_are_purged(partner_user):
    # given a message sent long ago, one still waiting, and an old and a fresh key
    import datetime

    from django.utils import timezone

    from core.idempotency import idempotency_purge_old
    from core.models import IdempotencyKey
    from core.outbox import outbox_purge_sent

    long_ago = timezone.now() - datetime.timedelta(days=40)
    old = OutboxMessage.objects.create(task="core.tasks.ping_task", sent_at=long_ago)
    waiting = OutboxMessage.objects.create(task="core.tasks.ping_task")
    OutboxMessage.objects.filter(pk=waiting.pk).update(created_at=long_ago)
    stale = IdempotencyKey.objects.create(user=partner_user, key="old", fingerprint="x")
    IdempotencyKey.objects.filter(pk=stale.pk).update(created_at=long_ago)
    IdempotencyKey.objects.create(user=partner_user, key="new", fingerprint="x")
    # when
    assert outbox_purge_sent() == 1 and idempotency_purge_old() == 1
    # then what still waits is never purged
    assert list(OutboxMessage.objects.values_list("pk", flat=True)) == [waiting.pk]
    assert not OutboxMessage.objects.filter(pk=old.pk).exists()
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]
