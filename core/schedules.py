"""Periodic tasks of the core app (merged into CELERY_BEAT_SCHEDULE by the settings)."""

from celery.schedules import crontab

SCHEDULE = {
    # Bounds how long a job whose worker died shows "running" (PRM_JOB_STALL_SECONDS + a minute).
    "core.reap-stalled-jobs": {
        "task": "core.tasks.job_reap_task",
        "schedule": 60.0,
    },
    "core.purge-read-notifications": {
        "task": "core.tasks.notification_purge_old_task",
        "schedule": crontab(hour=3, minute=15),
    },
}
