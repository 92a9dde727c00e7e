from celery import shared_task

from core.jobs import single_flight

from .services import certification_send_expiry_reminders, partner_coverage_refresh


@shared_task(time_limit=600)
@single_flight("training.certification-expiry-reminders")
def certification_send_expiry_reminders_task() -> int | dict:
    return certification_send_expiry_reminders()


@shared_task(time_limit=600)
@single_flight("training.partner-coverage-refresh")
def partner_coverage_refresh_task() -> int | dict:
    return partner_coverage_refresh()
