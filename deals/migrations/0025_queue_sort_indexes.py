"""The approval queue's sortable columns over pending registrations only (DESIGN §4.3, §8.1):
submission, customer and project, each with the id that breaks ties; either direction reads the
same index. Built concurrently: the deals table holds a million rows."""

from django.conf import settings
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models

PENDING = models.Q(("status__in", ("submitted", "in_conflict")))


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("deals", "0024_queue_search_bigrams"),
        ("partners", "0016_name_search_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="deal",
            index=models.Index(
                condition=PENDING, fields=[column, "id"], name=f"deal_pending_{key}"
            ),
        )
        for column, key in (
            ("submitted_at", "submitted"),
            ("customer_name", "customer"),
            ("project_name", "project"),
        )
    ]
