"""Background jobs as people see them (progress, result), how they run, and what they guarantee.

A job's task records how to run it again; a worker running it beats (`heartbeat_at`); a fanned-out
job's chunks are rows (`JobChunk`) done once each. The reaper (`job_reap`) sends a job or chunk
whose worker stopped beating again, at most `PRM_JOB_MAX_ATTEMPTS` times, then fails the job with
the reason; an operator may resume it (`job_resume`). Single-flight locks carry a lease, so the
orphaned session of a killed worker is told from a live run and terminated.
"""

from __future__ import annotations

import functools
import logging
import math
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from celery import current_app, current_task
from celery.exceptions import MaxRetriesExceededError, SoftTimeLimitExceeded
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from .locks import lock_key
from .models import ChunkState, JobChunk, JobLease, JobRun, JobStatus

logger = logging.getLogger(__name__)

FINISHED = (JobStatus.SUCCEEDED, JobStatus.FAILED)


def _stall_cutoff():
    return timezone.now() - timedelta(seconds=settings.PRM_JOB_STALL_SECONDS)


def _in_worker() -> bool:
    """Inside a task a real worker runs (not eager, not a plain call)."""
    task = current_task
    return bool(task and task.request and task.request.id and not task.request.is_eager)


# --- heartbeats ----------------------------------------------------------------------------------
class _Heartbeat(threading.Thread):
    """Beats for a running job, chunk and lease from its own database connection, so a task busy
    in a long query still shows it is alive; it dies with the worker process (SIGKILL, hard limit)."""

    def __init__(self, *, job_id: int | None, chunk_id: int | None, lease: str | None) -> None:
        super().__init__(daemon=True, name="job-heartbeat")
        self.job_id, self.chunk_id, self.lease = job_id, chunk_id, lease
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.wait(settings.PRM_JOB_HEARTBEAT_SECONDS):
                try:
                    self.beat()
                except Exception:  # a missed beat is retried at the next one
                    logger.exception("heartbeat failed")
                    connection.close()
        finally:
            connection.close()

    def beat(self) -> None:
        now = timezone.now()
        if self.job_id:
            JobRun.objects.filter(pk=self.job_id, status=JobStatus.RUNNING).update(heartbeat_at=now)
        if self.chunk_id:
            JobChunk.objects.filter(pk=self.chunk_id, state=ChunkState.RUNNING).update(
                heartbeat_at=now
            )
        if self.lease:
            JobLease.objects.filter(name=self.lease, holder=_holder()).update(heartbeat_at=now)


@contextmanager
def heartbeat(
    *, job_id: int | None = None, chunk_id: int | None = None, lease: str | None = None
) -> Iterator[None]:
    """Beat while the block runs (only in a real worker: eager runs and plain calls need none)."""
    if not _in_worker() or settings.PRM_JOB_HEARTBEAT_SECONDS <= 0:
        yield
        return
    beat = _Heartbeat(job_id=job_id, chunk_id=chunk_id, lease=lease)
    beat.start()
    try:
        yield
    finally:
        beat.stopped.set()


# --- single flight -------------------------------------------------------------------------------
def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _try_lock(key: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        return cursor.fetchone()[0]


def _lock_holder_pid(key: int) -> int | None:
    """The backend holding the session advisory lock of `key` (pg_locks splits it in two oids)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND classid = %s::oid AND objid = %s::oid AND objsubid = 1",
            [(key >> 32) & 0xFFFFFFFF, key & 0xFFFFFFFF],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _take_over_orphan(name: str, key: int) -> bool:
    """Take the lock from a dead run's session: its lease names that session and has gone silent.

    A holder without a lease, or with a fresh one, is a live run: the lock stays with it.
    """
    pid = _lock_holder_pid(key)
    if pid is None:
        return _try_lock(key)
    lease = JobLease.objects.filter(name=name, backend_pid=pid).first()
    if lease is None or lease.heartbeat_at >= _stall_cutoff():
        return False
    logger.warning("%s: terminating the orphaned session %s of %s", name, pid, lease.holder)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if _try_lock(key):
            return True
        time.sleep(0.2)
    return False


@contextmanager
def single_flight_lock(name: str) -> Iterator[bool]:
    """Hold the single-flight lock of `name` with a lease; yields whether we hold it.

    The lock is a PostgreSQL session advisory lock. A worker killed mid-run leaves its session
    running (and the lock held) until its query ends; its lease then stops beating, and the next
    run terminates that session instead of skipping forever.
    """
    key = lock_key(name)
    acquired = _try_lock(key) or _take_over_orphan(name, key)
    if not acquired:
        yield False
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        JobLease.objects.update_or_create(
            name=name,
            defaults={"holder": _holder(), "backend_pid": pid, "heartbeat_at": timezone.now()},
        )
        with heartbeat(lease=name):
            yield True
    finally:
        JobLease.objects.filter(name=name, holder=_holder()).delete()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def single_flight(name: str | None = None, *, job_of: Callable[..., int | None] | None = None):
    """Decorate a task body so that two runs of it never overlap; a second run returns at once.

    With `job_of` (the job id the task's arguments run), a run that finds the lock busy never
    leaves its job behind: in a worker it is retried later (bounded), then its job fails with the
    reason; a run whose job is already finished just returns.
    """

    def decorator(func: Callable) -> Callable:
        lock_name = name or f"{func.__module__}.{func.__qualname__}"

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with single_flight_lock(lock_name) as acquired:
                if acquired:
                    return func(*args, **kwargs)
            logger.info("%s is already running; skipped", lock_name)
            job_id = job_of(*args, **kwargs) if job_of else None
            if job_id:
                job_wait_for_lock(job_id, lock_name)
            return {"skipped": True}

        return wrapper

    return decorator


def job_wait_for_lock(job_id: int, lock_name: str) -> None:
    if JobRun.objects.filter(pk=job_id, status__in=FINISHED).exists():
        return
    if _in_worker():
        countdown = max(1.0, settings.PRM_JOB_STALL_SECONDS / 2)
        retries = math.ceil(settings.PRM_FANOUT_TIME_LIMIT / countdown) + 2
        try:
            raise current_task.retry(countdown=countdown, max_retries=retries)
        except MaxRetriesExceededError:
            pass
    job_failed(
        JobRun(pk=job_id),
        message=_("Another run held %(lock)s for too long; this one did not start.")
        % {"lock": lock_name},
        resumable=True,
    )


def key_ranges(
    *, source: str, key: str, chunks: int, params: Sequence[Any] = ()
) -> list[list[int]]:
    """Split the distinct keys `source` selects into at most `chunks` contiguous [low, high]
    ranges of about the same size, in key order: the units a job fans out to its workers.

    `source` is a constant SELECT of the column `key` (with `%s` placeholders for `params`).
    """
    sql = f"""
        SELECT min({key}), max({key}) FROM (
            SELECT {key}, ntile(%s) OVER (ORDER BY {key}) AS bucket FROM ({source}) k
        ) b GROUP BY bucket ORDER BY bucket
    """  # noqa: S608 (constant SQL of the caller, never user input)
    with connection.cursor() as cursor:
        cursor.execute(sql, [max(1, chunks), *params])
        return [[lo, hi] for lo, hi in cursor.fetchall()]


# --- who may see a job and its result file -------------------------------------------------
# A job's result (a zip of every partner's statements, an import report) is its owner's and, besides,
# belongs to the roles entitled to its content, declared with the kind; administrators see every job.
_KIND_ROLES: dict[str, frozenset[str]] = {}


def job_kind(kind: str, *, roles: Iterable[str]) -> str:
    """Declare a job kind and the roles that may see its jobs and results besides their owner."""
    _KIND_ROLES[kind] = frozenset(roles)
    return kind


def job_kind_roles(kind: str) -> frozenset[str]:
    return _KIND_ROLES.get(kind, frozenset())


def job_list_for(*, user) -> QuerySet[JobRun]:
    """Jobs the user may see: their own, and those of kinds their role is entitled to."""
    jobs = JobRun.objects.select_related("started_by")
    if not getattr(user, "is_authenticated", False):
        return jobs.none()
    if user.is_admin:
        return jobs
    kinds = [kind for kind, roles in _KIND_ROLES.items() if user.role in roles]
    return jobs.filter(Q(started_by=user) | Q(kind__in=kinds))


def job_get_for(*, user, pk: int) -> JobRun:
    """One job the user may see (404 otherwise, as if it did not exist)."""
    return get_object_or_404(job_list_for(user=user), pk=pk)


def job_create(*, kind: str, label: str, user=None, total: int = 0) -> JobRun:
    return JobRun.objects.create(kind=kind, label=label[:300], started_by=user, total=total)


def job_started(job: JobRun, *, total: int | None = None) -> None:
    now = timezone.now()
    fields = {"status": JobStatus.RUNNING, "started_at": now, "heartbeat_at": now, "done": 0}
    if total is not None:
        fields["total"] = total
    JobRun.objects.filter(pk=job.pk).update(**fields)


def job_progress(job: JobRun, *, done: int, total: int | None = None, message: str = "") -> None:
    """Record progress. Written with a plain UPDATE so it is visible while the job runs."""
    fields: dict[str, Any] = {
        "done": done,
        "message": message[:500],
        "heartbeat_at": timezone.now(),
    }
    if total is not None:
        fields["total"] = total
    JobRun.objects.filter(pk=job.pk).update(**fields)


def job_succeeded(job: JobRun, *, result: dict | None = None, message: str = "") -> None:
    job.refresh_from_db(fields=["total"])
    JobRun.objects.filter(pk=job.pk).update(
        status=JobStatus.SUCCEEDED,
        done=job.total,
        result=result or {},
        message=message[:500],
        finished_at=timezone.now(),
        resumable=False,
    )


def job_failed(job: JobRun, *, message: str, resumable: bool = False) -> None:
    JobRun.objects.filter(pk=job.pk).update(
        status=JobStatus.FAILED,
        message=message[:500],
        finished_at=timezone.now(),
        resumable=resumable,
    )
    _abandoned(job.pk)


# --- what a job's owner app does when its job is given up ------------------------------------------
# An import batch, say, must not stay "validating" when the reaper fails its job.
_ABANDON_HOOKS: list[tuple[str, Callable[[JobRun], None]]] = []


def job_on_abandon(kind_prefix: str, hook: Callable[[JobRun], None]) -> None:
    """Call `hook(job)` when a job of a kind starting with `kind_prefix` fails."""
    _ABANDON_HOOKS.append((kind_prefix, hook))


def _abandoned(job_id: int) -> None:
    job = JobRun.objects.filter(pk=job_id).first()
    for prefix, hook in _ABANDON_HOOKS if job else ():
        if job.kind.startswith(prefix):
            hook(job)


# --- running a job: one task, or a fan-out of chunks --------------------------------------------
def _send(task_name: str, *, args: Sequence[Any], kwargs: dict[str, Any], queue: str) -> None:
    """The one place a job's task or chunk is sent again (honours eager mode in tests)."""
    options = {"queue": queue} if queue else {}
    current_app.tasks[task_name].apply_async(args=list(args), kwargs=kwargs, **options)


def _current_queue() -> str:
    if not _in_worker():
        return ""
    return (current_task.request.delivery_info or {}).get("routing_key") or ""


@contextmanager
def job_running(job_id: int | None) -> Iterator[bool]:
    """Run the block as the job's task: record how to send it again, beat, bound the attempts.

    Yields False (skip the block) when the job is finished, alive in another worker, or has used
    its attempts (then it is failed with the reason). A soft time limit fails the job with the
    reason; a hard kill leaves it silent for the reaper.
    """
    if job_id is None:
        yield True
        return
    with transaction.atomic():
        job = JobRun.objects.select_for_update().filter(pk=job_id).first()
        alive = (
            job is not None
            and job.status == JobStatus.RUNNING
            and job.heartbeat_at is not None
            and job.heartbeat_at >= _stall_cutoff()
            and job.task_id
            and job.task_id != _task_id()
        )
        if job is None or job.status in FINISHED or alive:
            run = False
        elif job.attempts >= settings.PRM_JOB_MAX_ATTEMPTS:
            run = False
            transaction.on_commit(
                functools.partial(
                    job_failed,
                    job,
                    message=_("Stopped %(n)s times without finishing; resume it from its page.")
                    % {"n": job.attempts},
                    resumable=True,
                )
            )
        else:
            run = True
            now = timezone.now()
            fields: dict[str, Any] = {
                "status": JobStatus.RUNNING,
                "heartbeat_at": now,
                "attempts": job.attempts + 1,
                "task_id": _task_id(),
            }
            if not job.started_at:
                fields["started_at"] = now
            if _in_worker():
                request = current_task.request
                fields.update(
                    task_name=current_task.name,
                    task_args=list(request.args or []),
                    task_kwargs=dict(request.kwargs or {}),
                    task_queue=_current_queue(),
                )
            JobRun.objects.filter(pk=job.pk).update(**fields)
    if not run:
        yield False
        return
    try:
        with heartbeat(job_id=job_id):
            yield True
    except SoftTimeLimitExceeded:
        limit = getattr(current_task, "soft_time_limit", None) if current_task else None
        job_failed(
            JobRun(pk=job_id),
            message=_("Stopped at its time limit (%(s)s s).") % {"s": limit or "?"},
            resumable=True,
        )
        raise


def _task_id() -> str:
    return (current_task.request.id or "") if _in_worker() else ""


def job_fan_out(job: JobRun, *, task_name: str, chunk_args: Sequence[Sequence[Any]]) -> int:
    """Split the job into chunks (recorded once: a fan-out sent again reuses them) and send each
    chunk that is not done nor alive in a worker. Returns the number of chunks."""
    with transaction.atomic():
        JobRun.objects.select_for_update().filter(pk=job.pk).first()
        chunks = list(job.chunks.all())
        if not chunks:
            chunks = JobChunk.objects.bulk_create(
                JobChunk(job_id=job.pk, index=i, task_name=task_name, task_args=list(args))
                for i, args in enumerate(chunk_args)
            )
        done = sum(1 for c in chunks if c.state == ChunkState.DONE)
        JobRun.objects.filter(pk=job.pk).update(
            status=JobStatus.RUNNING, total=len(chunks), done=done, heartbeat_at=timezone.now()
        )
        queue = _current_queue() or JobRun.objects.get(pk=job.pk).task_queue
        cutoff = _stall_cutoff()
        to_send = [
            chunk
            for chunk in chunks
            if chunk.state == ChunkState.QUEUED
            or (chunk.state == ChunkState.RUNNING and chunk.heartbeat_at < cutoff)
        ]
    # Sent once the chunks are committed (a worker run is in autocommit; eager runs send inline).
    for chunk in to_send:
        _send_chunk(chunk, queue)
    return len(chunks)


def _send_chunk(chunk: JobChunk, queue: str) -> None:
    _send(chunk.task_name, args=chunk.task_args, kwargs={"chunk_id": chunk.pk}, queue=queue)


@dataclass
class ChunkOutcome:
    ran: bool
    result: Any = None
    # Every chunk of the job is done: the caller finishes the job (idempotently).
    job_complete: bool = False


def job_chunk_run(chunk_id: int | None, body: Callable[[], Any]) -> ChunkOutcome:
    """Run one chunk's `body` once: skip it when done, failed or alive in another worker; beat
    while it runs; at a soft time limit send it again (bounded) or fail the job with the reason."""
    if chunk_id is None:  # sent without a chunk record (tests, old messages): just run it
        return ChunkOutcome(ran=True, result=body())
    chunk = _chunk_claim(chunk_id)
    if chunk is None:
        job_id = JobChunk.objects.filter(pk=chunk_id).values_list("job_id", flat=True).first()
        return ChunkOutcome(ran=False, job_complete=bool(job_id) and _job_chunks_done(job_id))
    try:
        with heartbeat(job_id=chunk.job_id, chunk_id=chunk.pk):
            result = body()
    except SoftTimeLimitExceeded:
        _chunk_stopped(chunk.pk, reason=_("stopped at its time limit"))
        return ChunkOutcome(ran=False)
    except Exception as exc:
        _chunk_fail(chunk.pk, reason=str(exc) or exc.__class__.__name__, resumable=False)
        raise
    return ChunkOutcome(ran=True, result=result, job_complete=_chunk_done(chunk.pk))


def _chunk_claim(chunk_id: int) -> JobChunk | None:
    with transaction.atomic():
        chunk = (
            JobChunk.objects.select_for_update(of=("self",))
            .select_related("job")
            .filter(pk=chunk_id)
            .first()
        )
        if chunk is None or chunk.job.status in FINISHED:
            return None
        if chunk.state in (ChunkState.DONE, ChunkState.FAILED):
            return None
        if chunk.state == ChunkState.RUNNING and chunk.heartbeat_at >= _stall_cutoff():
            return None  # alive in another worker
        if chunk.attempts >= settings.PRM_JOB_MAX_ATTEMPTS:
            transaction.on_commit(
                functools.partial(
                    _chunk_fail,
                    chunk.pk,
                    reason=_("stopped %(n)s times") % {"n": chunk.attempts},
                    resumable=True,
                )
            )
            return None
        now = timezone.now()
        JobChunk.objects.filter(pk=chunk.pk).update(
            state=ChunkState.RUNNING, attempts=chunk.attempts + 1, heartbeat_at=now, message=""
        )
        JobRun.objects.filter(pk=chunk.job_id).update(heartbeat_at=now)
        return chunk


def _chunk_done(chunk_id: int) -> bool:
    """Count the chunk done; whether every chunk of its job is done (the job row is locked, so
    the last two chunks finishing together never both miss it)."""
    with transaction.atomic():
        job_id = JobChunk.objects.filter(pk=chunk_id).values_list("job_id", flat=True).get()
        JobRun.objects.select_for_update().filter(pk=job_id).first()
        JobChunk.objects.filter(pk=chunk_id).update(
            state=ChunkState.DONE, heartbeat_at=timezone.now()
        )
        done = JobChunk.objects.filter(job_id=job_id, state=ChunkState.DONE).count()
        total = JobChunk.objects.filter(job_id=job_id).count()
        JobRun.objects.filter(pk=job_id).update(done=done, heartbeat_at=timezone.now())
    return done >= total


def _job_chunks_done(job_id: int) -> bool:
    chunks = JobChunk.objects.filter(job_id=job_id)
    return chunks.exists() and not chunks.exclude(state=ChunkState.DONE).exists()


def _chunk_stopped(chunk_id: int, *, reason: str) -> None:
    """A chunk that stopped (time limit, worker lost) is sent again while it has attempts left."""
    with transaction.atomic():
        chunk = (
            JobChunk.objects.select_for_update(of=("self",)).select_related("job").get(pk=chunk_id)
        )
        if chunk.state not in (ChunkState.RUNNING, ChunkState.QUEUED):
            return
        if chunk.attempts >= settings.PRM_JOB_MAX_ATTEMPTS:
            transaction.on_commit(
                functools.partial(
                    _chunk_fail,
                    chunk.pk,
                    reason=_("%(reason)s, %(n)s times") % {"reason": reason, "n": chunk.attempts},
                    resumable=True,
                )
            )
            return
        JobChunk.objects.filter(pk=chunk.pk).update(state=ChunkState.QUEUED, message=reason[:500])
        transaction.on_commit(functools.partial(_send_chunk, chunk, chunk.job.task_queue))


def _chunk_fail(chunk_id: int, *, reason: str, resumable: bool) -> None:
    chunk = JobChunk.objects.select_related("job").get(pk=chunk_id)
    JobChunk.objects.filter(pk=chunk_id).update(state=ChunkState.FAILED, message=reason[:500])
    job_failed(
        chunk.job,
        message=_("Part %(i)s of %(n)s failed: %(reason)s")
        % {"i": chunk.index + 1, "n": chunk.job.total, "reason": reason},
        resumable=resumable,
    )


# --- the reaper and the operator's resume -------------------------------------------------------
# Not atomic as a whole: each stalled job or chunk is handled in its own transaction.
def job_reap() -> dict[str, int]:
    """Find running jobs and chunks whose worker stopped beating; send them again (bounded) or
    fail them with the reason. Runs every minute (core/schedules.py)."""
    cutoff = _stall_cutoff()
    counts = {"chunks": 0, "jobs": 0}
    stale_chunks = JobChunk.objects.filter(state=ChunkState.RUNNING, heartbeat_at__lt=cutoff)
    for chunk_id in stale_chunks.values_list("pk", flat=True):
        _chunk_stopped(chunk_id, reason=_("its worker stopped"))
        counts["chunks"] += 1
    stale_jobs = JobRun.objects.filter(status=JobStatus.RUNNING, heartbeat_at__lt=cutoff)
    for job_id in stale_jobs.values_list("pk", flat=True):
        counts["jobs"] += _job_stopped(job_id)
    return counts


def _job_stopped(job_id: int) -> int:
    with transaction.atomic():
        job = JobRun.objects.select_for_update().get(pk=job_id)
        if job.status != JobStatus.RUNNING or job.heartbeat_at >= _stall_cutoff():
            return 0
        chunks = list(job.chunks.all())
        if chunks:
            if all(c.state == ChunkState.DONE for c in chunks):
                # The last chunk finished but its worker died before finishing the job.
                transaction.on_commit(functools.partial(_send_chunk, chunks[-1], job.task_queue))
                JobRun.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())
                return 1
            return 0  # queued chunks are the broker's; running ones the chunk reaper's
        if not job.task_name:
            transaction.on_commit(
                functools.partial(
                    job_failed, job, message=_("Its worker stopped."), resumable=False
                )
            )
            return 1
        if job.attempts >= settings.PRM_JOB_MAX_ATTEMPTS:
            transaction.on_commit(
                functools.partial(
                    job_failed,
                    job,
                    message=_("Its worker stopped %(n)s times; resume it from its page.")
                    % {"n": job.attempts},
                    resumable=True,
                )
            )
            return 1
        _job_send_again(job, message=_("Sent again: its worker stopped."))
        return 1


def _job_send_again(job: JobRun, *, message: str) -> None:
    # Queued again: `job_running` claims it when a worker takes the task.
    JobRun.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED, message=message[:500])
    transaction.on_commit(
        functools.partial(
            _send, job.task_name, args=job.task_args, kwargs=job.task_kwargs, queue=job.task_queue
        )
    )


def job_can_resume(job: JobRun) -> bool:
    """A stalled job, or one that failed because it stopped, and that knows how to run again."""
    if not (job.is_stalled or (job.status == JobStatus.FAILED and job.resumable)):
        return False
    return bool(job.task_name) or job.chunks.exists()


@transaction.atomic
def job_resume(*, job: JobRun, actor) -> JobRun:
    """An operator resumes a stalled or stopped job: its unfinished chunks (or its task) are sent
    again with fresh attempts; audited."""
    from django.core.exceptions import ValidationError

    from .audit import audit_record

    job = JobRun.objects.select_for_update().get(pk=job.pk)
    if not job_can_resume(job):
        raise ValidationError(_("This job is not stalled; there is nothing to resume."))
    before = job.status
    chunks = list(job.chunks.exclude(state=ChunkState.DONE))
    if job.chunks.exists():
        job.chunks.exclude(state=ChunkState.DONE).update(
            state=ChunkState.QUEUED, attempts=0, message=""
        )
        JobRun.objects.filter(pk=job.pk).update(
            status=JobStatus.RUNNING,
            attempts=0,
            resumable=False,
            finished_at=None,
            heartbeat_at=timezone.now(),
            message=_("Resumed."),
        )
        for chunk in chunks:
            transaction.on_commit(functools.partial(_send_chunk, chunk, job.task_queue))
        if not chunks:  # every chunk done: the last one finishes the job
            last = job.chunks.order_by("-index").first()
            transaction.on_commit(functools.partial(_send_chunk, last, job.task_queue))
    else:
        JobRun.objects.filter(pk=job.pk).update(attempts=0, resumable=False, finished_at=None)
        _job_send_again(job, message=_("Resumed."))
    audit_record(
        actor=actor,
        action="job.resumed",
        obj=job,
        changes={"status": {"before": before, "after": JobStatus.RUNNING}},
        note=f"{len(chunks)} chunk(s)" if chunks else "",
    )
    job.refresh_from_db()
    return job
