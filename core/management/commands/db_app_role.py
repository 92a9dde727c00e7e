"""Grant the application role its rights (run as the schema's owner, after migrations)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from core.dbroles import grant_app_role, owned_by


class Command(BaseCommand):
    help = (
        "Create (if missing) the database role the portal runs as and grant it row access only: "
        "no TRUNCATE, no trigger or table control, no ownership. Run as the schema's owner."
    )

    def add_arguments(self, parser):
        parser.add_argument("role")
        parser.add_argument("--password", default=None, help="set or change its password")

    def handle(self, *args, role: str, password: str | None, **options):
        try:
            with connection.cursor() as cursor:
                grant_app_role(cursor, role=role, password=password)
                owned = owned_by(cursor, role=role)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if owned:
            raise CommandError(f"{role} owns {', '.join(sorted(owned)[:10])}: it must own nothing.")
        self.stdout.write(f"Database role {role}: row access granted, owns nothing.")
