"""Periodic partners jobs (merged into CELERY_BEAT_SCHEDULE by the settings)."""

from celery.schedules import crontab

SCHEDULE = {
    # --- agreements (DESIGN §2.5) ---
    "partners.agreement-daily": {
        "task": "partners.tasks.agreement_daily_task",
        "schedule": crontab(hour=0, minute=30),
    },
}
