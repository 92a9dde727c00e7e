"""Thin Celery wrappers around the accrual run: a fan-out per period, one task per partner chunk."""

from __future__ import annotations

from celery import shared_task
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from core.jobs import (
    job_chunk_run,
    job_create,
    job_failed,
    job_fan_out,
    job_running,
    job_started,
    job_succeeded,
    job_wait_for_lock,
    single_flight,
    single_flight_lock,
)
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


# Time limits: the worker's settings (CELERY_TASK_ANNOTATIONS in prm/settings/base.py).
@shared_task(acks_late=True)
def rebate_calculate_task(
    period: str, chunk: list[int], job_id: int | None = None, chunk_id: int | None = None
) -> int:
    """Recompute one chunk of partners, once per chunk record (a redelivery of a done chunk does
    nothing; the upsert converges anyway); the last chunk finishes the job."""
    outcome = job_chunk_run(
        chunk_id,
        lambda: accruals_calculate(
            period=Quarter.parse(period), partner_range=(chunk[0], chunk[1])
        ),
    )
    if chunk_id is None and job_id:
        # A message without a chunk record (sent before chunks were recorded): count it as then.
        JobRun.objects.filter(pk=job_id).update(done=F("done") + 1)
        outcome.job_complete = JobRun.objects.filter(pk=job_id, done__gte=F("total")).exists()
    if outcome.job_complete and job_id:
        job_succeeded(JobRun(pk=job_id), message=f"{period}")
    return outcome.result or 0


@shared_task(acks_late=True)
def rebate_calculate_period_task(
    period: str, chunks: int = DEFAULT_CHUNKS, job_id: int | None = None
) -> dict:
    """Fan the period out into chunk tasks. A second fan-out of the same period waits for the
    first (a live one) or takes over from a dead one; it never leaves its job queued."""
    quarter = Quarter.parse(period)
    with single_flight_lock(f"rebates.calculate.{quarter}") as acquired:
        if acquired:
            return _calculate_period(quarter, chunks=chunks, job_id=job_id)
    if job_id is not None:
        job_wait_for_lock(job_id, f"rebates.calculate.{quarter}")
    return {"skipped": True}


def _calculate_period(quarter: Quarter, *, chunks: int, job_id: int | None) -> dict:
    if job_id is None:
        job_id = job_create(kind=jobs.CALCULATE, label=f"Rebates {quarter}").pk
    with job_running(job_id) as run:
        if not run:
            return {"skipped": True}
        sales_lines_from_won_deals(period=quarter)
        ranges = partner_chunks(period=quarter, chunks=chunks)
        job = JobRun.objects.get(pk=job_id)
        if not ranges and not job.chunks.exists():
            job_started(job, total=0)
            job_succeeded(job, message=f"{quarter}")
            return {"chunks": 0}
        sent = job_fan_out(
            job,
            task_name=rebate_calculate_task.name,
            chunk_args=[[str(quarter), r, job_id] for r in ranges],
        )
        return {"chunks": sent}


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


@shared_task(acks_late=True)
def rebate_quarter_close_task(period: str, job_id: int, user_id: int | None = None) -> dict:
    """Close a quarter and hand its accruals to settlement, as a job finance can follow."""
    from django.core.exceptions import ValidationError

    with job_running(job_id) as run:
        if not run:
            return {"skipped": True}
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
