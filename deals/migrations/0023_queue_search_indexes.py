"""The approval queue's search (DESIGN §4.3, §8.1) over pending registrations only: trigrams on
UPPER(customer_name) and UPPER(project_name), a b-tree on UPPER(customer_tax_id) — what
`icontains` and `iexact` compare — and trigrams on the fingerprint (the open registrations' index
also holds the approved ones). Built concurrently: the deals table holds a million rows."""

import django.contrib.postgres.indexes
import django.db.models.functions.text
from django.conf import settings
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models

PENDING = models.Q(("status__in", ("submitted", "in_conflict")))


def pending_upper_trigram(field: str, name: str):
    return django.contrib.postgres.indexes.GinIndex(
        django.contrib.postgres.indexes.OpClass(
            django.db.models.functions.text.Upper(field), name="gin_trgm_ops"
        ),
        condition=PENDING,
        name=name,
    )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("deals", "0022_queue_list_indexes"),
        ("partners", "0016_name_search_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="deal",
            index=pending_upper_trigram("customer_name", "deal_pending_customer_trgm"),
        ),
        AddIndexConcurrently(
            model_name="deal",
            index=pending_upper_trigram("project_name", "deal_pending_project_trgm"),
        ),
        AddIndexConcurrently(
            model_name="deal",
            index=models.Index(
                django.db.models.functions.text.Upper("customer_tax_id"),
                condition=PENDING,
                name="deal_pending_tax_id",
            ),
        ),
        AddIndexConcurrently(
            model_name="deal",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["customer_fingerprint"],
                condition=PENDING,
                name="deal_pending_fingerprint_trgm",
                opclasses=["gin_trgm_ops"],
            ),
        ),
    ]
