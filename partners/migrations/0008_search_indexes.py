"""Trigram index on the partner's legal name for the global search (DESIGN §8.1)."""

import django.contrib.postgres.indexes
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("partners", "0007_partner_views"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="partner",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["legal_name"], name="partner_name_trgm", opclasses=["gin_trgm_ops"]
            ),
        ),
    ]
