"""Thin Celery wrappers around core services. Tasks take ids, never model instances."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.utils import timezone

from .import_jobs import import_batch_stopped
from .imports import import_batch_abandoned_reject, import_batch_run
from .jobs import job_reap, job_running, job_succeeded, single_flight
from .models import ImportBatch, JobRun, Notification
from .notifications import notification_digest_send, notification_email_send
from .precomputed import precomputed_refresh_all


@shared_task(
    acks_late=True,
    time_limit=120,
    soft_time_limit=100,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def notification_email_task(notification_id: int) -> bool:
    """E-mail one notification in its recipient's language, as they chose for its kind."""
    return notification_email_send(notification_id=notification_id)


@shared_task(time_limit=1800, soft_time_limit=1700)
@single_flight("core.notification_digest")
def notification_digest_task() -> int:
    """Daily: one e-mail per person who chose a digest, listing the day's undelivered items."""
    return notification_digest_send()


# Time limit: the worker's settings (CELERY_TASK_ANNOTATIONS, PRM_IMPORT_TIME_LIMIT).
@shared_task(acks_late=True)
def import_batch_run_task(batch_id: int) -> str:
    """Run an import as its job: all or nothing, so a run the reaper sends again starts over."""
    job_id = ImportBatch.objects.filter(pk=batch_id).values_list("job_id", flat=True).first()
    try:
        with job_running(job_id) as run:
            if not run:
                return "skipped"
            return import_batch_run(batch_id).status
    except SoftTimeLimitExceeded:
        # Nothing was saved (the rows are saved in one transaction): say so, never "validating".
        return import_batch_stopped(batch_id=batch_id).status


@shared_task(time_limit=60, soft_time_limit=50)
@single_flight("core.job_reap")
def job_reap_task() -> dict:
    """Every minute: jobs and chunks whose worker stopped are sent again (bounded) or failed."""
    return job_reap()


@shared_task(time_limit=600, soft_time_limit=540)
@single_flight("core.notification_purge_old")
def notification_purge_old_task(days: int = 365) -> int:
    """Read notifications older than a year are noise; unread ones are kept."""
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = Notification.objects.filter(read_at__lt=cutoff).delete()
    return deleted


@shared_task(time_limit=30, soft_time_limit=25)
def ping_task(job_id: int) -> str:
    """Marks a job succeeded from inside a worker: proves the worker, broker and database connect."""
    job_succeeded(JobRun.objects.get(pk=job_id), result={"pong": True}, message="pong")
    return "pong"


@shared_task(time_limit=300, soft_time_limit=270)
def import_batch_abandoned_reject_task() -> int:
    """Imports whose worker was lost end rejected with a message, never "validating" forever."""
    return import_batch_abandoned_reject()


@shared_task(time_limit=50, soft_time_limit=45, expires=55)
@single_flight("core.precomputed_figures_refresh")
def precomputed_figures_refresh_task() -> list[str]:
    """Recompute the vendor-wide dashboard figures every minute (core/precomputed.py)."""
    return precomputed_refresh_all()
