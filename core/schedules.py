"""Periodic tasks of the core app (merged into CELERY_BEAT_SCHEDULE by the settings)."""

from celery.schedules import crontab

SCHEDULE = {
    "core.purge-read-notifications": {
        "task": "core.tasks.notification_purge_old_task",
        "schedule": crontab(hour=3, minute=15),
    },
    # Vendor-wide dashboard figures, precomputed so no request groups a million rows.
    "core.refresh-precomputed-figures": {
        "task": "core.tasks.precomputed_figures_refresh_task",
        "schedule": 60.0,
    },
}
