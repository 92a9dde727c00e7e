"""Thin Celery wrappers around deal services. Tasks take ids, never model instances."""

from __future__ import annotations

from celery import shared_task

from core.jobs import single_flight

from . import services


@shared_task(time_limit=1800, soft_time_limit=1700)
@single_flight("deals.expire_stale")
def deal_expire_stale_task() -> int:
    return services.deal_expire_stale()


@shared_task(time_limit=600, soft_time_limit=540)
@single_flight("deals.escalate_overdue")
def deal_escalate_overdue_task() -> int:
    return services.deal_escalate_overdue()


@shared_task(time_limit=600, soft_time_limit=540, acks_late=True)
@single_flight("deals.lead_open_due")
def lead_open_due_task() -> int:
    return services.lead_open_due()


@shared_task(time_limit=600, soft_time_limit=540, acks_late=True)
@single_flight("deals.warn_expiring")
def deal_warn_expiring_task() -> int:
    return services.deal_warn_expiring()


@shared_task(time_limit=600, soft_time_limit=540, acks_late=True)
@single_flight("deals.price_list_current_refresh")
def price_list_current_refresh_task() -> int:
    return services.price_list_current_refresh()
