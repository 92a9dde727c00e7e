"""Thin Celery wrappers around inventory's jobs; each is idempotent."""

from __future__ import annotations

import datetime

from celery import shared_task
from django.utils import timezone

from core.jobs import (
    job_chunk_run,
    job_create,
    job_fan_out,
    job_running,
    job_started,
    job_succeeded,
    job_wait_for_lock,
    single_flight_lock,
)
from core.models import JobRun

from . import scans


@shared_task(acks_late=True, time_limit=30 * 60, soft_time_limit=25 * 60)
def inventory_reports_scan_task(report_ids: list[int]) -> int:
    """Check the lines of newly received sell-through reports (run after each import)."""
    return scans.flags_raise(report_ids=report_ids)


# --- diversion and price flags: the monthly scan (DESIGN §11) ------------------------------------
@shared_task(acks_late=True, time_limit=15 * 60, soft_time_limit=14 * 60)
def inventory_flags_scan_chunk_task(
    month: str, chunk: list[int], job_id: int | None = None, chunk_id: int | None = None
) -> int:
    """Scan one range of partners for the month, once per chunk record (a re-run raises nothing
    new anyway); the last chunk finishes the job."""
    outcome = job_chunk_run(
        chunk_id,
        lambda: scans.flags_raise(
            month=datetime.date.fromisoformat(month), partner_range=(chunk[0], chunk[1])
        ),
    )
    if outcome.job_complete and job_id:
        job_succeeded(JobRun(pk=job_id), message=month[:7])
    return outcome.result or 0


@shared_task(acks_late=True, time_limit=10 * 60, soft_time_limit=9 * 60)
def inventory_flags_scan_month_task(
    month: str, chunks: int = scans.SCAN_CHUNKS, job_id: int | None = None
) -> dict:
    """Fan a month's scan out in partner ranges to the workers; a second fan-out of the same
    month waits for the first (a live one) or takes over from a dead one."""
    lock = f"inventory.flags_scan.{month[:7]}"
    with single_flight_lock(lock) as acquired:
        if acquired:
            return _scan_month(month, chunks=chunks, job_id=job_id)
    if job_id is not None:
        job_wait_for_lock(job_id, lock)
    return {"skipped": True}


def _scan_month(month: str, *, chunks: int, job_id: int | None) -> dict:
    if job_id is None:
        job_id = job_create(kind=scans.FLAG_SCAN_JOB, label=f"Flag scan {month[:7]}").pk
    with job_running(job_id) as run:
        if not run:
            return {"skipped": True}
        job = JobRun.objects.get(pk=job_id)
        ranges = scans.scan_partner_ranges(chunks=chunks)
        if not ranges and not job.chunks.exists():
            job_started(job, total=0)
            job_succeeded(job, message=month[:7])
            return {"chunks": 0}
        sent = job_fan_out(
            job,
            task_name=inventory_flags_scan_chunk_task.name,
            chunk_args=[[month, r, job_id] for r in ranges],
        )
        return {"chunks": sent}


@shared_task(time_limit=10 * 60, soft_time_limit=9 * 60)
def inventory_flags_scan_monthly_task() -> str:
    """Monthly: scan the month that just ended (its reports are in by now; a late report is
    scanned after its own import)."""
    start, _end = scans.month_bounds(timezone.localdate().replace(day=1) - datetime.timedelta(1))
    inventory_flags_scan_month_task.delay(start.isoformat())
    return start.isoformat()


# --- end of diversion and price flags ------------------------------------------------------------
# --- inventory stock -------------------------------------------------------------------------
# "batch" in the names: the figures are heavy set-based work (prm/queues.py routes them there).
@shared_task(acks_late=True, time_limit=30 * 60, soft_time_limit=25 * 60)
def inventory_figures_refresh_batch_task(partner_ids: list[int]) -> int:
    """Rebuild the figures of partners whose report was just accepted (13 months), the group
    sums of the last two months, and raise this month's alerts. Idempotent."""
    from .figures import inventory_figures_refresh

    return inventory_figures_refresh(partner_ids)


@shared_task(acks_late=True, time_limit=60 * 60, soft_time_limit=55 * 60)
def inventory_figures_nightly_batch_task() -> int:
    """Every partner's figures of the last two months (a new month starts from the carried
    snapshot), every group sum of the trend's 13 months, then the month's alerts."""
    from .figures import inventory_figures_refresh

    return inventory_figures_refresh(None, months=2, rollup_months=13)


@shared_task(acks_late=True, time_limit=30 * 60, soft_time_limit=25 * 60)
def inventory_limits_apply_batch_task(family_id: int) -> None:
    """A family's limits changed: flag its figures again and rebuild the sums."""
    from .figures import inventory_limits_apply

    inventory_limits_apply(family_id)


# --- end inventory stock ---------------------------------------------------------------------
