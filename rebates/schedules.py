"""Periodic tasks of the rebates app (merged into CELERY_BEAT_SCHEDULE by the settings)."""

from celery.schedules import crontab

SCHEDULE = {
    "rebates.calculate-open-periods": {
        "task": "rebates.tasks.rebate_calculate_open_periods_task",
        "schedule": crontab(hour=2, minute=30),
    },
}
