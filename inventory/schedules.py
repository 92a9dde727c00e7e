"""Periodic inventory jobs (merged into CELERY_BEAT_SCHEDULE by the settings)."""

from celery.schedules import crontab

SCHEDULE = {
    # --- inventory stock: figures, group sums and alerts of the night ---------------------------
    "inventory.figures-nightly": {
        "task": "inventory.tasks.inventory_figures_nightly_batch_task",
        "schedule": crontab(hour=3, minute=15),
    },
}
