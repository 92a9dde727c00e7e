from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Shared infrastructure: audit log, notifications, jobs, imports, money, uploads, dashboard."""

    name = "core"
    verbose_name = _("Portal infrastructure")

    def ready(self) -> None:
        # outbox and idempotency: their periodic tasks are registered on import.
        from . import dashboard, idempotency, outbox  # noqa: F401

        dashboard.autodiscover()
