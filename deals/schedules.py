"""Periodic tasks of deal registration (merged into CELERY_BEAT_SCHEDULE by the settings)."""

from celery.schedules import crontab

SCHEDULE = {
    "deals.expire-stale": {
        "task": "deals.tasks.deal_expire_stale_task",
        "schedule": crontab(hour=1, minute=30),
    },
    "deals.escalate-overdue": {
        "task": "deals.tasks.deal_escalate_overdue_task",
        "schedule": crontab(minute=10),
    },
    "deals.leads-open-due": {
        "task": "deals.tasks.lead_open_due_task",
        "schedule": crontab(minute="*/10"),
    },
    "deals.warn-expiring": {
        "task": "deals.tasks.deal_warn_expiring_task",
        "schedule": crontab(hour=7, minute=0),
    },
    # Just after midnight: prices scheduled for today become the products' current prices.
    "deals.price-list-current-refresh": {
        "task": "deals.tasks.price_list_current_refresh_task",
        "schedule": crontab(hour=0, minute=5),
    },
}
