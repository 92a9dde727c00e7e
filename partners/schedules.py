"""Periodic tasks of the partners app (merged into CELERY_BEAT_SCHEDULE by the settings)."""

from celery.schedules import crontab

SCHEDULE = {
    # First day of each quarter: evaluate the quarter just ended (DESIGN §2.3).
    "partners.tier-evaluation": {
        "task": "partners.tasks.tier_evaluation_run_task",
        "schedule": crontab(day_of_month=1, month_of_year="1,4,7,10", hour=2, minute=0),
    },
    # First of January: the yearly scorecard of the year just ended (DESIGN §2.4).
    "partners.scorecard-yearly": {
        "task": "partners.tasks.scorecard_evaluate_yearly_task",
        "schedule": crontab(day_of_month=1, month_of_year=1, hour=3, minute=0),
    },
    # Daily: activate, expire and remind agreements (DESIGN §2.5).
    "partners.agreement-daily": {
        "task": "partners.tasks.agreement_daily_task",
        "schedule": crontab(hour=0, minute=30),
    },
    # Daily: the users of partners whose exit date has come are deactivated (DESIGN §2.9).
    "partners.exit-deactivate-users": {
        "task": "partners.tasks.partner_exits_deactivate_due_task",
        "schedule": crontab(hour=0, minute=5),
    },
    # Quarterly, once the quarter's payments are reconciled: the credit rating (DESIGN §2.6).
    "partners.credit-rating": {
        "task": "partners.tasks.credit_rating_run_task",
        "schedule": crontab(day_of_month=5, month_of_year="1,4,7,10", hour=3, minute=30),
    },
    # Quarterly, after the surveys of the quarter just ended: the NPS early warning (DESIGN §2.4).
    "partners.nps-warning": {
        "task": "partners.tasks.nps_warning_run_task",
        "schedule": crontab(day_of_month=2, month_of_year="1,4,7,10", hour=4, minute=0),
    },
}
