"""Thin Celery wrappers around the settlement services."""

from celery import shared_task

from core.jobs import single_flight

from . import services


@shared_task(time_limit=3600, soft_time_limit=3300)
@single_flight("settlement.statement_build_period")
def statement_build_period_task(period: str) -> int:
    return len(services.statement_build_period(period=period))


@shared_task(time_limit=600, soft_time_limit=540)
@single_flight("settlement.statement_deem_confirmed")
def statement_deem_confirmed_task() -> int:
    return services.statement_deem_confirmed()


@shared_task(time_limit=3600, soft_time_limit=3300)
def statement_export_period_task(job_id: int, period: str, base_url: str = "") -> None:
    from .exports import statement_export_period

    statement_export_period(job_id=job_id, period=period, base_url=base_url)
