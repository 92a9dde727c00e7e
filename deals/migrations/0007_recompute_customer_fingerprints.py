"""Stored fingerprints follow the normalization that keeps more than a place (DESIGN §4.2)."""

from django.db import migrations

from deals.rules import normalize_customer_name

BATCH = 2000


def recompute_fingerprints(apps, schema_editor):
    # Only submitted registrations carry a fingerprint; only changed ones are written, so the
    # trigram and tax-ID partial indexes see few updates.
    deal_model = apps.get_model("deals", "Deal")
    rows = (
        deal_model.objects.exclude(customer_fingerprint="")
        .values_list("pk", "customer_name", "customer_fingerprint")
        .iterator(chunk_size=BATCH)
    )
    changed = []
    for pk, name, fingerprint in rows:
        fresh = normalize_customer_name(name)
        if fresh != fingerprint:
            changed.append(deal_model(pk=pk, customer_fingerprint=fresh))
        if len(changed) >= BATCH:
            deal_model.objects.bulk_update(changed, ["customer_fingerprint"])
            changed = []
    deal_model.objects.bulk_update(changed, ["customer_fingerprint"])


class Migration(migrations.Migration):
    dependencies = [
        ("deals", "0006_price_check_in_deal_currency"),
    ]

    operations = [
        migrations.RunPython(recompute_fingerprints, migrations.RunPython.noop),
    ]
