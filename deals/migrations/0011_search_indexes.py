"""Indexes for the global search (DESIGN §8.1) over every registration and lead, whatever its
status: trigrams on the customer fingerprint, project and lead customer names, b-trees on the tax
IDs. Built concurrently: a million rows must keep taking registrations meanwhile."""

import django.contrib.postgres.indexes
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


def trigram(name: str, field: str):
    return django.contrib.postgres.indexes.GinIndex(
        fields=[field], name=name, opclasses=["gin_trgm_ops"]
    )


def tax_id(name: str):
    return models.Index(
        condition=models.Q(("customer_tax_id", ""), _negated=True),
        fields=["customer_tax_id"],
        name=name,
    )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("deals", "0010_queue_sla_due"),
    ]

    operations = [
        AddIndexConcurrently("deal", trigram("deal_fingerprint_trgm", "customer_fingerprint")),
        AddIndexConcurrently("deal", trigram("deal_project_trgm", "project_name")),
        AddIndexConcurrently("deal", tax_id("deal_tax_id")),
        AddIndexConcurrently("lead", trigram("lead_customer_trgm", "customer_name")),
        AddIndexConcurrently("lead", trigram("lead_project_trgm", "project_name")),
        AddIndexConcurrently("lead", tax_id("lead_tax_id")),
    ]
