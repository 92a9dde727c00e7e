"""The partner columns other apps' set-based SQL may read, as views (never the bare tables).

- `partners_partner_v`: `id`, `tax_id`, `contract_currency`, `tier_id`, `status` of every partner
  (imports resolve a tax ID to the partner; the rebate calculation converts to the contract
  currency);
- `partners_tier_v`: `id`, `rebate_multiplier` of every tier (the rebate calculation).

Plain projections, inlined by the planner: the same plans as the bare tables. PostgreSQL refuses
to change the type of a column a view reads: a migration that alters one of these columns drops
the view first and creates it again after.
"""

from django.db import migrations

CREATE = """
CREATE VIEW partners_partner_v AS
SELECT id, tax_id, contract_currency, tier_id, status FROM partners_partner;
CREATE VIEW partners_tier_v AS
SELECT id, rebate_multiplier FROM partners_tier;
"""


class Migration(migrations.Migration):
    dependencies = [("partners", "0006_agreements_credit_reports_visits")]

    operations = [
        migrations.RunSQL(CREATE, "DROP VIEW partners_tier_v; DROP VIEW partners_partner_v;")
    ]
