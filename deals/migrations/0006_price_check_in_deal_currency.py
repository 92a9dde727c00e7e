from django.db import migrations, models

# Submitted lines priced in the product's own currency keep the floor they were checked against.
BACKFILL_SAME_CURRENCY_FLOORS = """
UPDATE deals_dealline l SET floor_price = p.floor_price
FROM deals_deal d, deals_product p
WHERE l.deal_id = d.id AND p.id = l.product_id AND NOT l.final
  AND d.status <> 'draft' AND p.currency = d.currency
"""
# Pending registrations with a line in another currency were never checked in their currency:
# their check is held until a director approves the pricing.
HOLD_UNCHECKED_PENDING = """
UPDATE deals_deal d SET price_check_held = true
WHERE d.status IN ('submitted', 'in_conflict') AND EXISTS (
    SELECT 1 FROM deals_dealline l JOIN deals_product p ON p.id = l.product_id
    WHERE l.deal_id = d.id AND NOT l.final AND p.currency <> d.currency
)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("deals", "0005_customer_contact"),
    ]

    operations = [
        migrations.AddField(
            model_name="deal",
            name="price_check_held",
            field=models.BooleanField(
                default=False,
                help_text="A line's floor price could not be converted: no FX rate on submission.",
                verbose_name="price check held",
            ),
        ),
        migrations.AddField(
            model_name="dealline",
            name="floor_price",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                help_text="The product's floor in the deal's currency at the FX rate of the "
                "submission date.",
                max_digits=14,
                null=True,
                verbose_name="floor price",
            ),
        ),
        migrations.RunSQL(BACKFILL_SAME_CURRENCY_FLOORS, migrations.RunSQL.noop),
        migrations.RunSQL(HOLD_UNCHECKED_PENDING, migrations.RunSQL.noop),
    ]
