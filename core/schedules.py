"""Periodic tasks of the core app (merged into CELERY_BEAT_SCHEDULE by the settings)."""

from celery.schedules import crontab

SCHEDULE = {
    # Sends work recorded while the broker was down (core/outbox.py); cheap when nothing waits.
    "core.dispatch-outbox": {
        "task": "core.outbox.outbox_dispatch_task",
        "schedule": 60.0,
    },
    "core.purge-sent-outbox": {
        "task": "core.outbox.outbox_purge_sent_task",
        "schedule": crontab(hour=3, minute=25),
    },
    "core.purge-idempotency-keys": {
        "task": "core.idempotency.idempotency_key_purge_task",
        "schedule": crontab(hour=3, minute=35),
    },
    # Bounds how long a job whose worker died shows "running" (PRM_JOB_STALL_SECONDS + a minute).
    "core.reap-stalled-jobs": {
        "task": "core.tasks.job_reap_task",
        "schedule": 60.0,
    },
    "core.purge-read-notifications": {
        "task": "core.tasks.notification_purge_old_task",
        "schedule": crontab(hour=3, minute=15),
    },
    # One e-mail a day per person who chose a digest (core.notifications.notification_digest_send).
    "core.send-notification-digests": {
        "task": "core.tasks.notification_digest_task",
        "schedule": crontab(hour=7, minute=0),
    },
    "core.reject-abandoned-imports": {
        "task": "core.tasks.import_batch_abandoned_reject_task",
        "schedule": crontab(minute="*/15"),
    },
    # Vendor-wide dashboard figures, precomputed so no request groups a million rows.
    "core.refresh-precomputed-figures": {
        "task": "core.tasks.precomputed_figures_refresh_task",
        "schedule": 60.0,
    },
}
