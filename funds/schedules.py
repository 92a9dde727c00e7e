"""Periodic MDF jobs (merged into CELERY_BEAT_SCHEDULE by the settings)."""

from celery.schedules import crontab

SCHEDULE = {
    "funds.expire-unused": {
        "task": "funds.tasks.mdf_expire_all_task",
        "schedule": crontab(day_of_month=1, month_of_year="1,4,7,10", hour=1, minute=0),
    },
    "funds.accrue-quarterly": {
        "task": "funds.tasks.mdf_accrue_all_task",
        "schedule": crontab(day_of_month=2, month_of_year="1,4,7,10", hour=2, minute=0),
    },
    "funds.release-unclaimed": {
        "task": "funds.tasks.fund_request_release_unclaimed_task",
        "schedule": crontab(hour=2, minute=30),
    },
}
