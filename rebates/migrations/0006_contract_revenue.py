"""Per-contract revenue kept up to date by a trigger on sales line inserts (read by the calculation)."""

import django.db.models.deletion
from django.db import migrations, models

# The fingerprint of the product codes a programme's contract revenue was built for.
PRODUCTS_KEY = """
CREATE FUNCTION rebates_products_key(eligible varchar[], strategic varchar[]) RETURNS varchar
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT md5(eligible::text || '/' || strategic::text) $$;
"""

# One set-based upsert per INSERT statement (a million-line import included), into every
# programme quarter that has been built for the programme's current products. Quarters not built
# yet are left alone: the calculation builds them from the lines when it first needs them.
ADD_LINES = """
CREATE FUNCTION rebates_contract_revenue_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO rebates_contractrevenue AS t
        (programme_id, period, partner_id, contract, currency, net, strategic_net)
    SELECT b.programme_id, b.period, l.partner_id,
           coalesce(nullif(l.deal_reference, ''), l.order_number), l.currency,
           sum(CASE WHEN l.kind = 'return' THEN -l.net_amount ELSE l.net_amount END),
           coalesce(sum(CASE WHEN l.kind = 'return' THEN -l.net_amount ELSE l.net_amount END)
                    FILTER (WHERE l.product_code = ANY(p.strategic_product_codes)), 0)
    FROM new_lines l
    JOIN rebates_contractrevenuebuild b ON l.invoice_date BETWEEN b.starts_on AND b.ends_on
    JOIN rebates_programme p ON p.id = b.programme_id
         AND b.products_key = rebates_products_key(p.eligible_product_codes,
                                                   p.strategic_product_codes)
    WHERE cardinality(p.eligible_product_codes) = 0
       OR l.product_code = ANY(p.eligible_product_codes)
    GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT (programme_id, period, partner_id, contract, currency) DO UPDATE
        SET net = t.net + EXCLUDED.net, strategic_net = t.strategic_net + EXCLUDED.strategic_net;
    RETURN NULL;
END
$$;
CREATE TRIGGER rebates_salesline_contract_revenue AFTER INSERT ON rebates_salesline
REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT
EXECUTE FUNCTION rebates_contract_revenue_add();
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
                ("starts_on", models.DateField()),
                ("ends_on", models.DateField()),
                ("products_key", models.CharField(max_length=32)),
                ("built_at", models.DateTimeField()),
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
        migrations.RunSQL(
            sql=ADD_LINES,
            reverse_sql=(
                "DROP TRIGGER rebates_salesline_contract_revenue ON rebates_salesline;"
                "DROP FUNCTION rebates_contract_revenue_add();"
            ),
        ),
    ]
