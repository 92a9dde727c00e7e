"""Revenue per contract and programme quarter, the calculation's input (DESIGN §5.2)."""

import django.db.models.deletion
from django.db import migrations, models

# The fingerprint of the product codes a programme's contract revenue was built for.
PRODUCTS_KEY = """
CREATE FUNCTION rebates_products_key(eligible varchar[], strategic varchar[]) RETURNS varchar
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT md5(eligible::text || '/' || strategic::text) $$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0006_agreements_credit_reports_visits"),
        ("rebates", "0005_clearer_labels"),
    ]

    operations = [
        migrations.CreateModel(
            name="ContractRevenue",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "programme",
                        "period",
                        "partner",
                        "contract",
                        "currency",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("period", models.CharField(max_length=6)),
                ("contract", models.CharField(db_collation="C", max_length=60)),
                ("currency", models.CharField(max_length=3)),
                ("net", models.DecimalField(decimal_places=4, max_digits=24)),
                ("strategic_net", models.DecimalField(decimal_places=4, max_digits=24)),
                (
                    "partner",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="partners.partner",
                    ),
                ),
                (
                    "programme",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="rebates.programme",
                    ),
                ),
            ],
            options={
                "verbose_name": "contract revenue",
                "verbose_name_plural": "contract revenues",
            },
        ),
        migrations.CreateModel(
            name="ContractRevenueBuild",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("period", models.CharField(max_length=6)),
                ("products_key", models.CharField(max_length=32)),
                ("line_watermark", models.BigIntegerField()),
                ("built_at", models.DateTimeField()),
                ("updated_at", models.DateTimeField()),
                (
                    "programme",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="rebates.programme",
                    ),
                ),
            ],
            options={
                "verbose_name": "contract revenue build",
                "verbose_name_plural": "contract revenue builds",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("programme", "period"), name="contract_revenue_build_unique"
                    )
                ],
            },
        ),
        migrations.RunSQL(
            sql=PRODUCTS_KEY,
            reverse_sql="DROP FUNCTION rebates_products_key(varchar[], varchar[]);",
        ),
    ]
