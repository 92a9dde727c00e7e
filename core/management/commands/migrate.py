"""`migrate`, run as the schema's owner when `DATABASE_OWNER_URL` is set.

The portal itself connects with `DATABASE_URL` as an application role that owns nothing (see
core/dbroles.py). With both URLs set, this command migrates through the owner's URL and then
grants the application role its rights, so one `manage.py migrate` keeps both in step.
"""

from __future__ import annotations

import dj_database_url
from django.conf import settings
from django.core.management.commands import migrate
from django.db import connections

from core.dbroles import grant_app_role, role_of


class Command(migrate.Command):
    def handle(self, *args, **options):
        owner_url = getattr(settings, "DATABASE_OWNER_URL", None)
        database = options.get("database") or "default"
        if not owner_url or database != "default":
            return super().handle(*args, **options)
        connection = connections[database]
        app_settings = dict(connection.settings_dict)
        owner = dj_database_url.parse(owner_url)
        connection.close()
        connection.settings_dict.update(
            {key: owner[key] for key in ("NAME", "USER", "PASSWORD", "HOST", "PORT")},
            OPTIONS={**app_settings.get("OPTIONS", {}), **owner.get("OPTIONS", {})},
        )
        try:
            super().handle(*args, **options)
            role, password = role_of(settings.DATABASE_URL)
            if role != owner["USER"]:
                with connection.cursor() as cursor:
                    grant_app_role(cursor, role=role, password=password)
                if options["verbosity"]:
                    self.stdout.write(f"Granted the application role {role} its row access.")
        finally:
            connection.close()
            connection.settings_dict.clear()
            connection.settings_dict.update(app_settings)
