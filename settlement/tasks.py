"""Thin Celery wrappers around the settlement services."""

from celery import chord, shared_task

from core.jobs import heartbeat, job_chunk_run, job_fan_out, job_running, single_flight
from core.models import JobRun

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


# Time limits of the job tasks: the worker's settings (CELERY_TASK_ANNOTATIONS).
@shared_task(acks_late=True)
def statement_export_period_task(job_id: int, period: str, base_url: str = "") -> int:
    """Fan the period's PDFs out to the workers in chunks; the last step zips them. A chunk that
    dies stops the job's heartbeat: the reaper sends the whole export again (bounded)."""
    with job_running(job_id) as run:
        if not run:
            return 0
        chunks = statement_export_start(job_id=job_id, period=period)
        zip_step = statement_export_zip_task.si(job_id, period)
        if not chunks:
            zip_step.apply_async()
        else:
            chord(statement_export_chunk_task.s(job_id, ids, base_url) for ids in chunks)(zip_step)
        return len(chunks)


@shared_task(acks_late=True)
def statement_export_chunk_task(job_id: int, statement_ids: list[int], base_url: str = "") -> int:
    with heartbeat(job_id=job_id):
        return statement_export_chunk(job_id=job_id, statement_ids=statement_ids, base_url=base_url)


@shared_task(acks_late=True, time_limit=1800, soft_time_limit=1700)
def statement_export_zip_task(job_id: int, period: str) -> None:
    with heartbeat(job_id=job_id):
        statement_export_zip(job_id=job_id, period=period)


@shared_task(acks_late=True)
def reconciliation_chunk_task(run_id: int, chunk: list[int], chunk_id: int | None = None) -> dict:
    """Match one chunk of partners, once per chunk record (constraints and guards make a re-run
    converge anyway); the last chunk finishes the run."""
    outcome = job_chunk_run(
        chunk_id,
        lambda: services.reconciliation_chunk_run(
            run_id=run_id, partner_range=(chunk[0], chunk[1]), count=chunk_id is None
        ),
    )
    if outcome.ran and chunk_id is not None:
        services.reconciliation_run_progress(run_id=run_id)
    if outcome.job_complete:
        services.reconciliation_run_finish(run_id=run_id)
    return outcome.result or {}


def _run_job(run_id: int, *args, **kwargs) -> int | None:
    return services.reconciliation_run_job_id(run_id=run_id)


@shared_task(acks_late=True)
@single_flight("settlement.reconciliation_fan_out", job_of=_run_job)
def reconciliation_run_task(run_id: int, chunks: int = services.RECONCILIATION_CHUNKS) -> dict:
    """Fan a run out into one task per chunk of partners (several workers share them)."""
    with job_running(_run_job(run_id)) as run:
        if not run:
            return {"skipped": True}
        ranges = services.reconciliation_run_fan_out(run_id=run_id, chunks=chunks)
        job_id = _run_job(run_id)
        if not ranges or job_id is None:
            return {"chunks": len(ranges)}
        sent = job_fan_out(
            JobRun(pk=job_id),
            task_name=reconciliation_chunk_task.name,
            chunk_args=[[run_id, r] for r in ranges],
        )
        return {"chunks": sent}


@shared_task(time_limit=600, soft_time_limit=540)
def reconciliation_nightly_task() -> int:
    """Nightly: start a run over every partner."""
    return services.reconciliation_run_start(actor=None).pk
