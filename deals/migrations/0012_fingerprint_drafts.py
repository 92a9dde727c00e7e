"""Drafts carry their customer fingerprint too, so that the global search finds them by customer
(DESIGN §8.1); until now only a submission computed it."""

from django.db import migrations

from deals.rules import normalize_customer_name

BATCH = 2000


def fingerprint_drafts(apps, schema_editor):
    deal_model = apps.get_model("deals", "Deal")
    rows = (
        deal_model.objects.filter(customer_fingerprint="")
        .values_list("pk", "customer_name")
        .iterator(chunk_size=BATCH)
    )
    changed = []
    for pk, name in rows:
        changed.append(deal_model(pk=pk, customer_fingerprint=normalize_customer_name(name)))
        if len(changed) >= BATCH:
            deal_model.objects.bulk_update(changed, ["customer_fingerprint"])
            changed = []
    deal_model.objects.bulk_update(changed, ["customer_fingerprint"])


class Migration(migrations.Migration):
    dependencies = [
        ("deals", "0011_search_indexes"),
    ]

    operations = [
        migrations.RunPython(fingerprint_drafts, migrations.RunPython.noop),
    ]
