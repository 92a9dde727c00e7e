"""A trigram index on UPPER(legal_name), the expression `icontains` compares: the directory's
search and the approval queue's search by partner name. Built concurrently."""

import django.contrib.postgres.indexes
import django.db.models.functions.text
from django.conf import settings
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("partners", "0015_list_page_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="partner",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.functions.text.Upper("legal_name"), name="gin_trgm_ops"
                ),
                name="partner_name_upper_trgm",
            ),
        ),
    ]
