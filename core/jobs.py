"""Background jobs as people see them (progress, result) and single-flight scheduling."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from .locks import advisory_lock
from .models import JobRun, JobStatus

logger = logging.getLogger(__name__)


def single_flight(name: str | None = None) -> Callable:
    """Decorate a task body so that two runs of it never overlap; a second run returns at once."""

    def decorator(func: Callable) -> Callable:
        lock_name = name or f"{func.__module__}.{func.__qualname__}"

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with advisory_lock(lock_name) as acquired:
                if not acquired:
                    logger.info("%s is already running; skipped", lock_name)
                    return {"skipped": True}
                return func(*args, **kwargs)

        return wrapper

    return decorator


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
    fields = {"status": JobStatus.RUNNING, "started_at": timezone.now(), "done": 0}
    if total is not None:
        fields["total"] = total
    JobRun.objects.filter(pk=job.pk).update(**fields)


def job_progress(job: JobRun, *, done: int, total: int | None = None, message: str = "") -> None:
    """Record progress. Written with a plain UPDATE so it is visible while the job runs."""
    fields: dict[str, Any] = {"done": done, "message": message[:500]}
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
    )


def job_failed(job: JobRun, *, message: str) -> None:
    JobRun.objects.filter(pk=job.pk).update(
        status=JobStatus.FAILED, message=message[:500], finished_at=timezone.now()
    )
