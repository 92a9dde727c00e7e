"""Periodic tasks of the settlement app (merged into CELERY_BEAT_SCHEDULE by the settings)."""

from celery.schedules import crontab

SCHEDULE = {
    "settlement.deem-confirmed": {
        "task": "settlement.tasks.statement_deem_confirmed_task",
        "schedule": crontab(hour=1, minute=30),
    },
    "settlement.reconciliation": {
        "task": "settlement.tasks.reconciliation_nightly_task",
        "schedule": crontab(hour=2, minute=30),
    },
}
