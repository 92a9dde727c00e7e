"""What inventory gives the apps below it, through their hooks (registered in `ready()`).

- `inventory_health` (partners' scorecard criterion, DESIGN §2.4): see `inventory_health_by_partner`.
- Rebates reads sell-through through the SQL view `inventory_sell_through_v` (migration 0002), not
  through a hook: rebates sits above inventory.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection

from deals.models import Product
from partners.figures import figure_register

from .models import FamilyAlertLimit

# Sell-through over this many days gives the average daily sales of days of inventory (§11); a
# partner's stock older than this is not its current stock.
DOI_WINDOW_DAYS = 90

_HEALTH_SQL = """
WITH latest AS (
    SELECT partner_id, max(as_of) AS as_of
    FROM inventory_inventorysnapshot
    WHERE is_current AND as_of <= %(as_of)s AND as_of > %(since)s
      AND (%(all)s OR partner_id = ANY(%(partners)s::bigint[]))
    GROUP BY partner_id
),
stock AS (
    SELECT s.partner_id, s.product_id, l.as_of, sum(s.on_hand) AS on_hand
    FROM latest l
    JOIN inventory_inventorysnapshot s
         ON s.partner_id = l.partner_id AND s.as_of = l.as_of AND s.is_current
    GROUP BY 1, 2, 3
),
sold AS (
    SELECT st.partner_id, st.product_id, sum(t.quantity) AS units
    FROM stock st
    JOIN inventory_sellthroughline t
         ON t.partner_id = st.partner_id AND t.product_id = st.product_id AND t.is_current
        AND t.sold_on > st.as_of - %(window)s AND t.sold_on <= st.as_of
    GROUP BY 1, 2
),
limits AS (
    SELECT * FROM unnest(%(products)s::bigint[], %(stock_out)s::int[], %(ageing)s::int[])
        AS x(product_id, stock_out, ageing)
),
rated AS (
    SELECT st.partner_id, st.as_of, st.on_hand, coalesce(so.units, 0) AS units,
           coalesce(li.stock_out, %(default_stock_out)s) AS stock_out,
           coalesce(li.ageing, %(default_ageing)s) AS ageing
    FROM stock st
    LEFT JOIN sold so ON so.partner_id = st.partner_id AND so.product_id = st.product_id
    LEFT JOIN limits li ON li.product_id = st.product_id
    -- Nothing held and nothing sold: not a product the partner stocks.
    WHERE st.on_hand > 0 OR so.units > 0
)
-- Days of inventory d = on hand × window ÷ units sold in the window; within the limits when
-- stock-out ≤ d ≤ ageing, compared without division (exact). Unsold stock is ageing.
SELECT partner_id, max(as_of), count(*),
       count(*) FILTER (WHERE units > 0
                          AND on_hand * %(window)s >= stock_out * units
                          AND on_hand * %(window)s <= ageing * units)
FROM rated
GROUP BY partner_id
"""


def inventory_health_by_partner(
    *, partner_ids: Iterable[int] | None, as_of: datetime.date
) -> dict[int, dict]:
    """Inventory health per partner, set-based (one query over current rows only):

    the partner's stock is its latest current inventory snapshot dated in the 90 days up to
    `as_of`; each product in it that the partner holds or sold is *healthy* when its days of
    inventory (on hand ÷ average daily sell-through of the 90 days up to the snapshot) lie within
    its family's limits (`FamilyAlertLimit`: stock-out ≤ days ≤ ageing; the model's defaults where
    a family has none). Stock that sold nothing is ageing. Returns {partner id: {"as_of",
    "products", "healthy", "score"}} with score = healthy ÷ products × 100, a whole number rounded
    half up; partners without a snapshot in the window are absent.
    """
    ids = None if partner_ids is None else list(partner_ids)
    if ids == []:
        return {}
    # The catalogue is small: each product's limits go in as arrays, so the query reads only
    # inventory's own tables.
    limits = list(
        Product.objects.filter(family__inventory_alert_limit__isnull=False)
        .values_list(
            "pk",
            "family__inventory_alert_limit__stock_out_days",
            "family__inventory_alert_limit__ageing_days",
        )
        .order_by("pk")
    )
    with connection.cursor() as cursor:
        cursor.execute(
            _HEALTH_SQL,
            {
                "as_of": as_of,
                "since": as_of - datetime.timedelta(days=DOI_WINDOW_DAYS),
                "window": DOI_WINDOW_DAYS,
                "all": ids is None,
                "partners": ids or [],
                "products": [row[0] for row in limits],
                "stock_out": [row[1] for row in limits],
                "ageing": [row[2] for row in limits],
                "default_stock_out": FamilyAlertLimit._meta.get_field("stock_out_days").default,
                "default_ageing": FamilyAlertLimit._meta.get_field("ageing_days").default,
            },
        )
        rows = cursor.fetchall()
    return {
        partner_id: {
            "as_of": snapshot_date.isoformat(),
            "products": products,
            "healthy": healthy,
            "score": int(
                (Decimal(healthy) * 100 / products).quantize(Decimal(1), rounding=ROUND_HALF_UP)
            ),
        }
        for partner_id, snapshot_date, products, healthy in rows
    }


def register() -> None:
    """Register inventory's figures and steps into the lower apps' hooks."""
    # Scorecards may weigh inventory health (DESIGN §2.4).
    figure_register("inventory_health", inventory_health_by_partner)
