"""Cheaper matching job writes (DESIGN §6.4).

Orders keep half of each page free, so the job's update of every newly matched order stays on its
page (HOT) and writes no index entry; pages written before this change get it as they are rewritten.
The duplicate single-column indexes (order partner, match order) go: `order_partner_date` and
`match_order` serve the same lookups.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0006_agreements_credit_reports_visits"),
        ("settlement", "0004_reconciliation_guards"),
    ]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE settlement_order SET (fillfactor = 50)",
            "ALTER TABLE settlement_order SET (fillfactor = 70)",
        ),
        # Django keeps a foreign key's index when db_index turns off: drop it here.
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS settlement_order_partner_id_bf56db78;"
                    " DROP INDEX IF EXISTS settlement_reconciliationmatch_order_id_fd499586",
                    "CREATE INDEX settlement_order_partner_id_bf56db78"
                    " ON settlement_order (partner_id);"
                    " CREATE INDEX settlement_reconciliationmatch_order_id_fd499586"
                    " ON settlement_reconciliationmatch (order_id)",
                ),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="order",
                    name="partner",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="partners.partner",
                        verbose_name="partner",
                    ),
                ),
                migrations.AlterField(
                    model_name="reconciliationmatch",
                    name="order",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="matches",
                        to="settlement.order",
                    ),
                ),
            ],
        ),
    ]
