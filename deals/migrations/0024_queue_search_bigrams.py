"""Two-character words in the approval queue's search (上海, 华为): pg_trgm finds no trigram in
them, so a GIN index of each pending registration's bigrams (customer and project in upper case,
as `icontains` compares, and the fingerprint) finds the candidates, which LIKE then confirms.
`deals_bigrams` is immutable: the same text always gives the same pairs. Built concurrently."""

import django.contrib.postgres.indexes
import django.db.models.functions.text
from django.conf import settings
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models

import deals.models

FUNCTION = """
CREATE OR REPLACE FUNCTION deals_bigrams(t text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
        SELECT coalesce(array_agg(DISTINCT substr(t, i, 2)), '{}'::text[])
        FROM generate_series(1, char_length(t) - 1) AS i
    $$;
"""

PENDING = models.Q(("status__in", ("submitted", "in_conflict")))


def pending_bigrams(expression, name: str):
    return django.contrib.postgres.indexes.GinIndex(
        deals.models.Bigrams(expression), condition=PENDING, name=name
    )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("deals", "0023_queue_search_indexes"),
        ("partners", "0016_name_search_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunSQL(FUNCTION, "DROP FUNCTION IF EXISTS deals_bigrams(text);"),
        AddIndexConcurrently(
            model_name="deal",
            index=pending_bigrams(
                django.db.models.functions.text.Upper("customer_name"),
                "deal_pending_customer_bigram",
            ),
        ),
        AddIndexConcurrently(
            model_name="deal",
            index=pending_bigrams(
                django.db.models.functions.text.Upper("project_name"),
                "deal_pending_project_bigram",
            ),
        ),
        AddIndexConcurrently(
            model_name="deal",
            index=pending_bigrams("customer_fingerprint", "deal_pending_fp_bigram"),
        ),
    ]
