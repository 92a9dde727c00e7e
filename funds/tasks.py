"""Thin Celery wrappers around the MDF jobs. Each is idempotent through ledger constraints."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from core.jobs import single_flight
from core.periods import Quarter

from . import services


def _quarter(quarter: str | None, *, previous: bool = False) -> Quarter:
    if quarter:
        return Quarter.parse(quarter)
    current = Quarter.containing(timezone.localdate())
    return current.previous() if previous else current


@shared_task(time_limit=60 * 60, soft_time_limit=55 * 60)
@single_flight("funds.mdf_accrue_all")
def mdf_accrue_all_task(quarter: str | None = None) -> int:
    """Accrue the current quarter's MDF from the previous quarter's net revenue."""
    return services.mdf_accrue_all(quarter=_quarter(quarter))


@shared_task(time_limit=60 * 60, soft_time_limit=55 * 60)
@single_flight("funds.mdf_expire_all")
def mdf_expire_all_task(quarter: str | None = None) -> int:
    """Expire what was left unused at the end of `quarter` (default: the one just ended)."""
    return services.mdf_expire_all(quarter=_quarter(quarter, previous=True))


@shared_task(time_limit=30 * 60, soft_time_limit=25 * 60)
@single_flight("funds.fund_request_release_unclaimed")
def fund_request_release_unclaimed_task() -> int:
    return services.fund_request_release_unclaimed()
