"""`partners_partner_v` also gives each partner's territory (`regions`, an array of region codes),
so inventory's set-based diversion scan reads the territory through the view (DESIGN §11)."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE VIEW partners_partner_v AS
SELECT id, tax_id, contract_currency, tier_id, status, regions FROM partners_partner;
"""
REVERSE = """
DROP VIEW partners_partner_v;
CREATE VIEW partners_partner_v AS
SELECT id, tax_id, contract_currency, tier_id, status FROM partners_partner;
"""


class Migration(migrations.Migration):
    dependencies = [("partners", "0013_scorecard_inventory_health")]

    operations = [migrations.RunSQL(CREATE, REVERSE)]
