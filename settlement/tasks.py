"""Thin Celery wrappers around the settlement services."""

from celery import chord, group, shared_task

from core.jobs import single_flight

from . import services
from .exports import statement_export_chunk, statement_export_start, statement_export_zip


@shared_task(time_limit=3600, soft_time_limit=3300)
@single_flight("settlement.statement_build_period")
def statement_build_period_task(period: str) -> int:
    return len(services.statement_build_period(period=period))


@shared_task(time_limit=600, soft_time_limit=540)
@single_flight("settlement.statement_deem_confirmed")
def statement_deem_confirmed_task() -> int:
    return services.statement_deem_confirmed()


@shared_task(acks_late=True, time_limit=600, soft_time_limit=540)
def statement_export_period_task(job_id: int, period: str, base_url: str = "") -> int:
    """Fan the period's PDFs out to the workers in chunks; the last step zips them."""
    chunks = statement_export_start(job_id=job_id, period=period)
    zip_step = statement_export_zip_task.si(job_id, period)
    if not chunks:
        zip_step.apply_async()
    else:
        chord(statement_export_chunk_task.s(job_id, ids, base_url) for ids in chunks)(zip_step)
    return len(chunks)


@shared_task(acks_late=True, time_limit=1800, soft_time_limit=1700)
def statement_export_chunk_task(job_id: int, statement_ids: list[int], base_url: str = "") -> int:
    return statement_export_chunk(job_id=job_id, statement_ids=statement_ids, base_url=base_url)


@shared_task(acks_late=True, time_limit=1800, soft_time_limit=1700)
def statement_export_zip_task(job_id: int, period: str) -> None:
    statement_export_zip(job_id=job_id, period=period)


@shared_task(acks_late=True, time_limit=3600, soft_time_limit=3300)
def reconciliation_chunk_task(run_id: int, chunk: list[int]) -> dict:
    """Match one chunk of partners; safe to run again (constraints and guards make it converge)."""
    return services.reconciliation_chunk_run(run_id=run_id, partner_range=(chunk[0], chunk[1]))


@shared_task(acks_late=True, time_limit=600, soft_time_limit=540)
@single_flight("settlement.reconciliation_fan_out")
def reconciliation_run_task(run_id: int, chunks: int = services.RECONCILIATION_CHUNKS) -> dict:
    """Fan a run out into one task per chunk of partners (several workers share them)."""
    ranges = services.reconciliation_run_fan_out(run_id=run_id, chunks=chunks)
    if ranges:
        group(reconciliation_chunk_task.s(run_id, r) for r in ranges).apply_async()
    return {"chunks": len(ranges)}


@shared_task(time_limit=600, soft_time_limit=540)
def reconciliation_nightly_task() -> int:
    """Nightly: start a run over every partner."""
    return services.reconciliation_run_start(actor=None).pk
