"""The link from a deal to the MDF activity it came from moves from `deals.Deal.fund_request` to
`funds.ActivityDeal`, so deals no longer depends on funds (DESIGN §7 unchanged). Existing links are
copied here; `deals.0009` then drops the old column."""

import django.db.models.deletion
from django.db import migrations, models


def copy_links(apps, schema_editor):
    Deal = apps.get_model("deals", "Deal")
    ActivityDeal = apps.get_model("funds", "ActivityDeal")
    rows = Deal.objects.filter(fund_request__isnull=False).values_list("pk", "fund_request_id")
    ActivityDeal.objects.bulk_create(
        [ActivityDeal(deal_id=deal, fund_request_id=request) for deal, request in rows.iterator()],
        batch_size=5000,
    )


def copy_back(apps, schema_editor):
    Deal = apps.get_model("deals", "Deal")
    ActivityDeal = apps.get_model("funds", "ActivityDeal")
    for link in ActivityDeal.objects.all().iterator():
        Deal.objects.filter(pk=link.deal_id).update(fund_request_id=link.fund_request_id)


class Migration(migrations.Migration):

    dependencies = [
        ("deals", "0008_won_line_view"),
        ("funds", "0003_settlement_state_choices"),
    ]

    operations = [
        migrations.CreateModel(
            name="ActivityDeal",
            fields=[
                (
                    "deal",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="deals.deal",
                        verbose_name="deal",
                    ),
                ),
                (
                    "fund_request",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="activity_deals",
                        to="funds.fundrequest",
                        verbose_name="MDF activity",
                    ),
                ),
            ],
            options={
                "verbose_name": "deal from an MDF activity",
                "verbose_name_plural": "deals from MDF activities",
            },
        ),
        migrations.RunPython(copy_links, copy_back),
    ]
