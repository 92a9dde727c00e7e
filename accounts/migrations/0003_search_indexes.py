"""Trigram indexes for the global search (DESIGN §8.1), built without locking out writes."""

import django.contrib.postgres.indexes
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("accounts", "0002_initial"),
        ("core", "0003_append_only_audit"),  # pg_trgm
    ]

    operations = [
        AddIndexConcurrently(
            model_name="user",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["full_name"], name="user_name_trgm", opclasses=["gin_trgm_ops"]
            ),
        ),
        AddIndexConcurrently(
            model_name="user",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["email"], name="user_email_trgm", opclasses=["gin_trgm_ops"]
            ),
        ),
    ]
