"""A schema for the staging tables of bulk imports: the application role may create tables there
and nowhere else (core/dbroles.py)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("core", "0005_outbox_and_idempotency_keys")]

    operations = [
        migrations.RunSQL(
            "CREATE SCHEMA IF NOT EXISTS prm_stage", "DROP SCHEMA IF EXISTS prm_stage CASCADE"
        )
    ]
