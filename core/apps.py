from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Shared infrastructure: audit log, notifications, jobs, imports, money, uploads, dashboard."""

    name = "core"
    verbose_name = _("Portal infrastructure")

    def ready(self) -> None:
        from . import dashboard, listings  # noqa: F401 — core's own lists register themselves

        dashboard.autodiscover()
