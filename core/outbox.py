"""Transactional outbox (DESIGN §9, §10): work a user action queues survives a broker that is down.

An action that queues a task writes an `OutboxMessage` in the same transaction as its record (a
job, an import batch, a reconciliation run): both exist, or neither. Sending to the broker happens
after commit and may fail; the row then stays pending and a dispatcher sends it when the broker is
back. Three things dispatch, because the periodic one needs the broker itself:
- an attempt right after the commit, in the process that wrote the row (`outbox_enqueue`);
- the beat task `outbox_dispatch_task` every minute (core/schedules.py);
- the command `manage.py dispatch_outbox [--loop]`, which needs only PostgreSQL.

Dispatchers never send a row twice at once (`SELECT … FOR UPDATE SKIP LOCKED`); a send whose
"sent" mark is lost (a crash between the two) is sent again, so each message keeps the job id in
its arguments and in a `job_id` header, and the tasks converge when run twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from celery import current_app, shared_task
from django.contrib import messages
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy

from .models import JobRun, OutboxMessage

logger = logging.getLogger(__name__)

# What a user sees when the work is recorded but the broker could not take it yet.
QUEUED_FOR_WORKER = gettext_lazy("Queued, will start when the worker is reachable.")
# Seconds a dispatcher waits for the broker before leaving the rows for the next attempt: a page
# that queued work must answer promptly when the broker is down.
BROKER_CONNECT_TIMEOUT = 2
DISPATCH_BATCH = 200


def outbox_enqueue(
    task: str,
    *,
    args: Sequence[Any] = (),
    kwargs: dict[str, Any] | None = None,
    job: JobRun | None = None,
    queue: str = "",
) -> OutboxMessage:
    """Record that `task` (its dotted path, e.g. "core.tasks.ping_task") must run; it is sent to
    the broker after the surrounding transaction commits, or later by a dispatcher."""
    return outbox_enqueue_many([(task, list(args), dict(kwargs or {}))], job=job, queue=queue)[0]


def outbox_enqueue_many(
    messages: Iterable[tuple[str, list, dict]], *, job: JobRun | None = None, queue: str = ""
) -> list[OutboxMessage]:
    """Record several tasks at once (one row each, one dispatch attempt after commit)."""
    if not transaction.get_connection().in_atomic_block:
        # Outside a transaction the row would commit alone, before the record it belongs to.
        raise RuntimeError("outbox_enqueue must run inside the transaction of its record")
    rows = OutboxMessage.objects.bulk_create(
        OutboxMessage(task=task, args=args, kwargs=kwargs, job=job, queue=queue)
        for task, args, kwargs in messages
    )
    ids = [row.pk for row in rows]
    transaction.on_commit(lambda: outbox_dispatch(ids=ids))
    return rows


def outbox_waiting(*, job: JobRun) -> bool:
    """Whether some of the job's work is recorded but not yet taken by the broker."""
    return OutboxMessage.objects.filter(job=job, sent_at__isnull=True).exists()


def queued_notice(
    request,
    *,
    job: JobRun | None = None,
    message: OutboxMessage | None = None,
    otherwise: str = "",
) -> None:
    """After an action queued work (a job's, or one message): tell the user when it waits for the
    broker — a normal page, never an error — else show `otherwise` (if any). Checked once the
    surrounding transaction committed, after the dispatch attempt."""

    def check() -> None:
        pending = OutboxMessage.objects.filter(sent_at__isnull=True)
        if job is not None:
            pending = pending.filter(job=job)
        elif message is not None:
            pending = pending.filter(pk=message.pk)
        if (job is not None or message is not None) and pending.exists():
            messages.warning(request, QUEUED_FOR_WORKER)
        elif otherwise:
            messages.success(request, otherwise)

    transaction.on_commit(check)


def outbox_pending_count() -> int:
    return OutboxMessage.objects.filter(sent_at__isnull=True).count()


# Not atomic as a whole: each batch commits its "sent" marks on its own, and an eager run (no
# broker: development and tests) executes the tasks after its batch committed.
def outbox_dispatch(*, ids: Sequence[int] | None = None, limit: int = 10_000) -> int:
    """Send pending messages to the broker, oldest first, and mark them sent; returns how many
    were sent. Stops at the first broker failure (the rest wait for the next attempt)."""
    sent_total = 0
    while sent_total < limit:
        sent, more = _dispatch_batch(ids=ids, size=min(DISPATCH_BATCH, limit - sent_total))
        sent_total += sent
        if not more:
            break
    return sent_total


def _dispatch_batch(*, ids: Sequence[int] | None, size: int) -> tuple[int, bool]:
    """Send one batch; returns (sent, whether to go on)."""
    app = current_app
    eager = bool(app.conf.task_always_eager)
    with transaction.atomic():
        pending = OutboxMessage.objects.filter(sent_at__isnull=True)
        if ids is not None:
            pending = pending.filter(pk__in=list(ids))
        rows = list(pending.select_for_update(skip_locked=True).order_by("pk")[:size])
        if not rows:
            return 0, False
        sent = rows if eager else _send_all(app, rows)
        if sent:
            OutboxMessage.objects.filter(pk__in=[row.pk for row in sent]).update(
                sent_at=timezone.now()
            )
    if eager:
        # No broker: the task runs here, after its row is marked, as `.delay()` would run it.
        for row in rows:
            import_string(row.task).apply_async(args=row.args, kwargs=row.kwargs)
    return len(sent), len(sent) == len(rows) == size


def _send_all(app, rows: list[OutboxMessage]) -> list[OutboxMessage]:
    """Publish the rows in order over one connection; those before the first failure are sent."""
    sent: list[OutboxMessage] = []
    try:
        with app.connection_for_write(connect_timeout=BROKER_CONNECT_TIMEOUT) as connection:
            connection.ensure_connection(max_retries=0, timeout=BROKER_CONNECT_TIMEOUT)
            producer = app.amqp.Producer(connection)
            for row in rows:
                _publish(app, row, producer)
                sent.append(row)
    except Exception as exc:  # noqa: BLE001 (any broker failure: the row waits, the page answers)
        failed = rows[len(sent)]
        logger.warning("outbox: broker unreachable, %s waits: %s", failed, exc)
        OutboxMessage.objects.filter(pk=failed.pk).update(
            attempts=failed.attempts + 1, last_error=f"{type(exc).__name__}: {exc}"[:500]
        )
    return sent


def _publish(app, row: OutboxMessage, producer) -> None:
    options: dict[str, Any] = {"queue": row.queue} if row.queue else {}
    app.send_task(
        row.task,
        args=row.args,
        kwargs=row.kwargs,
        # The same id on a repeated send: the worker side can tell a duplicate.
        task_id=f"outbox-{row.pk}",
        producer=producer,
        retry=False,
        ignore_result=True,
        headers={"outbox_id": row.pk, "job_id": row.job_id},
        **options,
    )


def outbox_purge_sent(*, older_than: timedelta = timedelta(days=30)) -> int:
    """Sent messages are kept a month for inspection, then deleted."""
    cutoff = timezone.now() - older_than
    deleted, _ = OutboxMessage.objects.filter(sent_at__lt=cutoff).delete()
    return deleted


@shared_task(time_limit=600, soft_time_limit=540)
def outbox_purge_sent_task() -> int:
    return outbox_purge_sent()


@shared_task(time_limit=300, soft_time_limit=270)
def outbox_dispatch_task() -> int:
    """Periodic: send what the after-commit attempts could not (the broker was down)."""
    return outbox_dispatch()
