"""Periodic tasks of the training app (merged into CELERY_BEAT_SCHEDULE by the settings)."""

from celery.schedules import crontab

SCHEDULE = {
    "training.certification-expiry-reminders": {
        "task": "training.tasks.certification_send_expiry_reminders_task",
        "schedule": crontab(hour=6, minute=30),
    },
}
