"""Periodic tasks of the training app (merged into CELERY_BEAT_SCHEDULE by the settings)."""

from celery.schedules import crontab

SCHEDULE = {
    "training.certification-expiry-reminders": {
        "task": "training.tasks.certification_send_expiry_reminders_task",
        "schedule": crontab(hour=6, minute=30),
    },
    # Right after midnight (certifications start and end by the day) and every ten minutes: a
    # partner whose certifications were written meanwhile is counted live until then.
    "training.partner-coverage-refresh": {
        "task": "training.tasks.partner_coverage_refresh_task",
        "schedule": crontab(minute="1-59/10"),
    },
}
