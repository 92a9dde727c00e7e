"""Thin Celery wrappers around the partners jobs. Each is idempotent through constraints."""

from __future__ import annotations

import datetime

from celery import shared_task

from core.jobs import single_flight

from . import services

# --- agreements (DESIGN §2.5) -----------------------------------------------------------------


@shared_task(time_limit=30 * 60, soft_time_limit=25 * 60)
@single_flight("partners.agreement_daily")
def agreement_daily_task(today: str | None = None) -> dict:
    """Activate signed agreements that start, expire ended ones, send due renewal reminders."""
    day = datetime.date.fromisoformat(today) if today else None
    return {
        "activated": services.agreement_activate_due(today=day),
        "expired": services.agreement_expire_due(today=day),
        "reminded": services.agreement_send_reminders(today=day),
    }
