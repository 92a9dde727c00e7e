"""Celery application: configuration comes from Django settings (CELERY_* names)."""

import os

from celery import Celery, Task

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prm.settings.local")


class WorkerLimitsTask(Task):
    """Time limits are the worker's (its settings' CELERY_TASK_ANNOTATIONS), not the sender's:
    a message carries a limit only when the caller passes one explicitly to apply_async."""

    def _get_exec_options(self) -> dict:
        options = dict(super()._get_exec_options())
        options.pop("time_limit", None)
        options.pop("soft_time_limit", None)
        return options


app = Celery("prm", task_cls=WorkerLimitsTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
