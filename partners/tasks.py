"""Celery wrappers of the partners jobs: thin, idempotent (through constraints), single-flight."""

from __future__ import annotations

import datetime

from celery import shared_task
from django.utils import timezone

from core.jobs import single_flight
from core.periods import Quarter

from . import services


@shared_task(acks_late=True, time_limit=3600, soft_time_limit=3500)
@single_flight("partners.tier-evaluation")
def tier_evaluation_run_task(quarter: str | None = None) -> dict:
    """Evaluate the quarter just ended (or `quarter`); re-running it changes nothing."""
    period = (
        Quarter.parse(quarter) if quarter else Quarter.containing(timezone.localdate()).previous()
    )
    return services.tier_evaluation_run(quarter=period)


@shared_task(acks_late=True, time_limit=3600, soft_time_limit=3500)
@single_flight("partners.scorecard-yearly")
def scorecard_evaluate_yearly_task(year: int | None = None, workers: int = 1) -> dict:
    """The yearly scorecard of every partner for the year just ended (or `year`); idempotent.

    With `workers` > 1 the partners are split into that many id ranges, one task each, for the
    workers to run side by side; the summary then lists the ranges sent.
    """
    year = year or timezone.localdate().year - 1
    if workers <= 1:
        return services.scorecard_evaluate_yearly(year=year)
    ranges = services.scorecard_yearly_ranges(chunks=workers)
    for first_id, last_id in ranges:
        scorecard_evaluate_yearly_range_task.delay(year, first_id, last_id)
    return {"ranges": ranges}


@shared_task(acks_late=True, time_limit=3600, soft_time_limit=3500)
def scorecard_evaluate_yearly_range_task(year: int, first_id: int, last_id: int) -> dict:
    """The yearly scorecards of the partners with ids in [first_id, last_id]; idempotent, and a
    second run of the same range waits for the first (the partner rows are locked), then skips."""
    return services.scorecard_evaluate_yearly(year=year, first_id=first_id, last_id=last_id)


# --- agreements (DESIGN §2.5) -----------------------------------------------------------------


@shared_task(acks_late=True, time_limit=30 * 60, soft_time_limit=25 * 60)
@single_flight("partners.agreement_daily")
def agreement_daily_task(today: str | None = None) -> dict:
    """Activate signed agreements that start, expire ended ones, send due renewal reminders."""
    day = datetime.date.fromisoformat(today) if today else None
    return {
        "activated": services.agreement_activate_due(today=day),
        "expired": services.agreement_expire_due(today=day),
        "reminded": services.agreement_send_reminders(today=day),
    }


# --- exit and handover (DESIGN §2.9) ----------------------------------------------------------


@shared_task(acks_late=True, time_limit=30 * 60, soft_time_limit=25 * 60)
@single_flight("partners.exit_deactivate_users")
def partner_exits_deactivate_due_task(today: str | None = None) -> int:
    """Deactivate the users of every partner whose exit date has come; a rerun changes nothing."""
    day = datetime.date.fromisoformat(today) if today else None
    return services.partner_exits_deactivate_due(today=day)


# --- credit rating and NPS early warning (DESIGN §2.6, §2.4) ------------------------------------


@shared_task(acks_late=True, time_limit=3600, soft_time_limit=3500)
@single_flight("partners.credit-rating")
def credit_rating_run_task(quarter: str | None = None) -> dict:
    """Rate every partner for the quarter just ended (or `quarter`); re-running changes nothing."""
    period = (
        Quarter.parse(quarter) if quarter else Quarter.containing(timezone.localdate()).previous()
    )
    return services.credit_rating_run(quarter=period)


@shared_task(acks_late=True, time_limit=3600, soft_time_limit=3500)
@single_flight("partners.nps-warning")
def nps_warning_run_task(quarter: str | None = None) -> dict:
    """Grade the NPS of the quarter just ended (or `quarter`); re-running changes nothing."""
    period = (
        Quarter.parse(quarter) if quarter else Quarter.containing(timezone.localdate()).previous()
    )
    return services.nps_warning_run(quarter=period)
