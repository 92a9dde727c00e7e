"""`inventory_sell_through_v`: the current sell-through lines, the one way other apps' set-based SQL
reads sell-through (rebates takes revenue from it for programmes that say so, DESIGN §5.1, §11).

One row per current line: `line_id`, `report_id`, `partner_id`, `product_id`, `product_sku`,
`sold_on`, `quantity`, `unit_price`, `currency`, `amount` (quantity × unit price),
`customer_name`, `customer_tax_id`. A superseded report's lines are not in it.

`inventory_sell_through_report_v`: every sell-through report version (`id`, `partner_id`, `month`,
`version`, `is_current`). A new or corrected report is a new row with a higher id, so its highest id
tells a reader whether the current lines may have changed since it last looked; locking the view
(LOCK TABLE … IN SHARE MODE locks the reports under it) waits for the reports being written.
PostgreSQL refuses to change the type of a column a view reads: a migration that alters one of
these columns drops the views first and creates them again after.
"""

from django.db import migrations

CREATE_LINES = """
CREATE VIEW inventory_sell_through_v AS
SELECT l.id AS line_id, l.report_id, l.partner_id, l.product_id, p.sku AS product_sku,
       l.sold_on, l.quantity, l.unit_price, l.currency, l.quantity * l.unit_price AS amount,
       l.customer_name, l.customer_tax_id
FROM inventory_sellthroughline l
LEFT JOIN deals_product p ON p.id = l.product_id
WHERE l.is_current
"""

CREATE_REPORTS = """
CREATE VIEW inventory_sell_through_report_v AS
SELECT r.id, r.partner_id, r.month, r.version, r.is_current
FROM inventory_inventoryreport r
WHERE r.kind = 'sell_through'
"""


class Migration(migrations.Migration):
    dependencies = [("inventory", "0001_initial")]

    operations = [
        migrations.RunSQL(CREATE_LINES, "DROP VIEW inventory_sell_through_v"),
        migrations.RunSQL(CREATE_REPORTS, "DROP VIEW inventory_sell_through_report_v"),
    ]
