"""Load the demo data set: safe to run again (every step is idempotent)."""

from importlib import import_module
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings

from ...demo import DEMO_PASSWORD, demo_logins


def project_apps() -> list[str]:
    """The project's own apps in INSTALLED_APPS order (infrastructure first, then the domains),
    so this infrastructure command names no domain app; each app's `demo.seed` does its part."""
    root = Path(settings.BASE_DIR).resolve()
    return [
        config.name
        for config in apps.get_app_configs()
        if Path(config.path).resolve().parent == root
    ]


class Command(BaseCommand):
    help = "Create demo users for every role and each app's demo data; prints the demo logins."

    def handle(self, *args, **options) -> None:
        # Demo actions raise real notifications; keep them in-app and send no e-mail to the
        # invented addresses (the console backend would flood the terminal).
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            self._seed_apps()
        self.stdout.write(self.style.SUCCESS(f"\nDemo logins (password for all: {DEMO_PASSWORD})"))
        for role, email in demo_logins():
            self.stdout.write(f"  {email:<26} {role}")

    def _seed_apps(self) -> None:
        for label in project_apps():
            try:
                module = import_module(f"{label}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{label}.demo":
                    raise
                continue
            with transaction.atomic():
                module.seed(stdout=self.stdout)
            self.stdout.write(f"  {label}: demo data ready")
