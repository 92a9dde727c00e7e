from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Shared infrastructure: audit log, notifications, jobs, imports, money, uploads, dashboard."""

    name = "core"
    verbose_name = _("Portal infrastructure")

    def ready(self) -> None:
        # outbox and idempotency: their periodic tasks are registered on import; export_jobs: the
        # export task; list_exports and listings: core's own lists; import_jobs: how jobs end a
        # stopped import.
        from . import (  # noqa: F401
            dashboard,
            export_jobs,
            idempotency,
            import_jobs,
            list_exports,
            listings,
            outbox,
        )
        from .microcache import connect_signals

        connect_signals()
        dashboard.autodiscover()
        import_jobs.register_job_hooks()
