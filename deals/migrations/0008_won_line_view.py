"""`deals_won_line_v`: the final order lines of won deals, the one way other apps' set-based SQL
reads them (rebates turns them into sales lines, settlement into orders to reconcile).

One row per final line of a deal with status `won`: `deal_id`, `partner_id`, `order_number`,
`closed_on`, `currency`, `line_id`, `product_sku`, `quantity`, `unit_price`, `amount`
(quantity × unit price). A plain view, inlined by the planner: the same plans as the bare tables
(the product join is a LEFT JOIN on its primary key, so a query without `product_sku` skips it).
PostgreSQL refuses to change the type of a column a view reads: a migration that alters one of
these columns drops the view first and creates it again after.
"""

from django.db import migrations

CREATE = """
CREATE VIEW deals_won_line_v AS
SELECT d.id AS deal_id, d.partner_id, d.order_number, d.closed_on, d.currency,
       l.id AS line_id, p.sku AS product_sku, l.quantity, l.unit_price,
       l.quantity * l.unit_price AS amount
FROM deals_deal d
JOIN deals_dealline l ON l.deal_id = d.id AND l.final
LEFT JOIN deals_product p ON p.id = l.product_id
WHERE d.status = 'won'
"""


class Migration(migrations.Migration):
    dependencies = [("deals", "0007_recompute_customer_fingerprints")]

    operations = [migrations.RunSQL(CREATE, "DROP VIEW deals_won_line_v")]
