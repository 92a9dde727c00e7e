"""The approval queue sorts pending registrations by SLA due (DESIGN §4.3): an index on it, and
a due moment for any pending registration that has none (set at submission since, business days)."""

from django.db import migrations, models

from core.business_days import add_business_days


def backfill_sla_due(apps, schema_editor):
    Deal = apps.get_model("deals", "Deal")
    DealSettings = apps.get_model("deals", "DealSettings")
    rules = DealSettings.objects.first()
    days = rules.sla_business_days if rules else 2
    missing = Deal.objects.filter(
        status__in=("submitted", "in_conflict"), sla_due_at__isnull=True, submitted_at__isnull=False
    )
    for deal in missing.only("pk", "submitted_at").iterator(chunk_size=2000):
        Deal.objects.filter(pk=deal.pk).update(
            sla_due_at=add_business_days(deal.submitted_at, days)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("deals", "0009_fund_request_link_moves_to_funds"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="deal",
            index=models.Index(
                condition=models.Q(("status__in", ("submitted", "in_conflict"))),
                fields=["sla_due_at", "id"],
                name="deal_pending_sla_due",
            ),
        ),
        migrations.RunPython(backfill_sla_due, migrations.RunPython.noop, elidable=True),
    ]
