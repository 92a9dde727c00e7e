"""`deals_floor_price_v`: each product's retail floor price with the dates it holds, the one way
other apps' set-based SQL reads floor prices (DESIGN §4.4, §11). `valid_from`/`valid_to` are
NULL where open; `valid_to` is exclusive. The price list with effective dates may redefine the
view; its columns stay."""

from django.db import migrations

CREATE = """
CREATE VIEW deals_floor_price_v AS
SELECT p.id AS product_id, p.floor_price AS price, p.currency AS currency,
       NULL::date AS valid_from, NULL::date AS valid_to
FROM deals_product p
"""


class Migration(migrations.Migration):
    dependencies = [("deals", "0016_settings_validators")]

    operations = [migrations.RunSQL(CREATE, "DROP VIEW deals_floor_price_v")]
