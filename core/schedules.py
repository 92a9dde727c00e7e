"""Periodic tasks of the core app (merged into CELERY_BEAT_SCHEDULE by the settings)."""

from celery.schedules import crontab

SCHEDULE = {
    "core.purge-read-notifications": {
        "task": "core.tasks.notification_purge_old_task",
        "schedule": crontab(hour=3, minute=15),
    },
    "core.reject-abandoned-imports": {
        "task": "core.tasks.import_batch_abandoned_reject_task",
        "schedule": crontab(minute="*/15"),
    },
}
