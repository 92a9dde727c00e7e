"""A sales line is identified by partner, invoice number and line number.

The new unique index leads with the partner, so it also serves the per-partner reads that used
`salesline_partner_date`; an import then maintains two indexes instead of three. The old key was
stricter (no partner), so existing lines cannot violate the new one. The new index is built
before the old ones go, so per-partner reads always have an index.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("rebates", "0006_contract_revenue"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="salesline",
            constraint=models.UniqueConstraint(
                fields=("partner", "invoice_number", "line_number"),
                name="salesline_unique_partner_invoice_line",
            ),
        ),
        migrations.RemoveConstraint(
            model_name="salesline",
            name="salesline_unique_invoice_line",
        ),
        migrations.RemoveIndex(
            model_name="salesline",
            name="salesline_partner_date",
        ),
    ]
