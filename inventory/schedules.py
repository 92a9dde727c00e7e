"""Periodic tasks of the inventory app (merged into CELERY_BEAT_SCHEDULE by the settings)."""

from celery.schedules import crontab

SCHEDULE = {
    # --- diversion and price flags (DESIGN §11) ---
    "inventory.flags-scan-monthly": {
        "task": "inventory.tasks.inventory_flags_scan_monthly_task",
        "schedule": crontab(day_of_month=6, hour=3, minute=15),
    },
    # --- end of diversion and price flags ---
    # --- inventory stock: figures, group sums and alerts of the night ---------------------------
    "inventory.figures-nightly": {
        "task": "inventory.tasks.inventory_figures_nightly_batch_task",
        "schedule": crontab(hour=3, minute=15),
    },
}
