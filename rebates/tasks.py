"""Thin Celery wrappers around the accrual run: a fan-out per period, one task per partner chunk."""

from __future__ import annotations

from celery import group, shared_task
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from core.jobs import (
    job_create,
    job_failed,
    job_started,
    job_succeeded,
    single_flight,
)
from core.locks import advisory_lock
from core.models import JobRun
from core.periods import Quarter

from . import jobs
from .services import (
    accruals_calculate,
    clawbacks_queue,
    contract_revenue_add_new_lines,
    partner_chunks,
    quarter_close,
    sales_lines_from_won_deals,
)

DEFAULT_CHUNKS = 8


@shared_task(acks_late=True, time_limit=60 * 60, soft_time_limit=55 * 60)
def rebate_calculate_task(period: str, chunk: list[int], job_id: int | None = None) -> int:
    """Recompute one chunk of partners; safe to run again (the upsert converges)."""
    written = accruals_calculate(period=Quarter.parse(period), partner_range=(chunk[0], chunk[1]))
    if job_id:
        JobRun.objects.filter(pk=job_id).update(done=F("done") + 1)
        job = JobRun.objects.filter(pk=job_id, done__gte=F("total")).first()
        if job is not None:
            job_succeeded(job, message=f"{period}")
    return written


@shared_task(acks_late=True, time_limit=10 * 60, soft_time_limit=9 * 60)
def rebate_calculate_period_task(
    period: str, chunks: int = DEFAULT_CHUNKS, job_id: int | None = None
) -> dict:
    """Fan the period out into chunk tasks; a second fan-out of the same period is skipped."""
    quarter = Quarter.parse(period)
    with advisory_lock(f"rebates.calculate.{quarter}") as acquired:
        if not acquired:
            return {"skipped": True}
        sales_lines_from_won_deals(period=quarter)
        ranges = partner_chunks(period=quarter, chunks=chunks)
        if job_id is None:
            job_id = job_create(kind=jobs.CALCULATE, label=f"Rebates {quarter}").pk
        job = JobRun.objects.get(pk=job_id)
        job_started(job, total=len(ranges))
        if not ranges:
            job_succeeded(job, message=f"{quarter}")
            return {"chunks": 0}
        group(rebate_calculate_task.s(str(quarter), r, job_id) for r in ranges).apply_async()
        return {"chunks": len(ranges)}


@shared_task(time_limit=10 * 60, soft_time_limit=9 * 60)
def rebate_calculate_open_periods_task() -> list[str]:
    """Nightly: the current quarter and the previous one (returns keep arriving after quarter end).

    A closed quarter is skipped by the calculation; its late returns become clawbacks.
    """
    current = Quarter.containing(timezone.localdate())
    periods = [str(current.previous()), str(current)]
    for period in periods:
        rebate_calculate_period_task.delay(period)
    rebate_clawbacks_queue_task.delay()
    return periods


@shared_task(acks_late=True, time_limit=30 * 60, soft_time_limit=25 * 60)
def rebate_contract_revenue_add_task() -> dict:
    """After an import: sum its lines per contract for every built quarter (idempotent)."""
    return contract_revenue_add_new_lines()


@shared_task(acks_late=True, time_limit=30 * 60, soft_time_limit=25 * 60)
@single_flight("rebates.clawbacks_queue")
def rebate_clawbacks_queue_task() -> int:
    """Queue clawbacks for late returns in closed quarters (idempotent)."""
    return clawbacks_queue()


@shared_task(acks_late=True, time_limit=60 * 60, soft_time_limit=55 * 60)
def rebate_quarter_close_task(period: str, job_id: int, user_id: int | None = None) -> dict:
    """Close a quarter and hand its accruals to settlement, as a job finance can follow."""
    from django.core.exceptions import ValidationError

    job = JobRun.objects.get(pk=job_id)
    job_started(job, total=1)
    actor = User.objects.filter(pk=user_id).first() if user_id else None
    try:
        close = quarter_close(period=Quarter.parse(period), actor=actor)
    except ValidationError as exc:
        job_failed(job, message=" ".join(exc.messages))
        return {"closed": False}
    result = {"closed": True, "accruals_queued": close.accruals_queued}
    job_succeeded(job, result=result, message=period)
    return result
