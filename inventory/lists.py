"""Inventory's lists (DESIGN §8.1): base selector, FilterSet and columns, one definition for the
page, the API and exports."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.lists import Column, ListDefinition, list_register

# --- inventory stock -------------------------------------------------------------------------
from .filtersets import StockAlertFilterSet, StockPositionFilterSet, StockRollupFilterSet
from .selectors import stock_alert_base_for, stock_position_base_for, stock_rollup_base_for

STOCK_LIST = list_register(
    ListDefinition(
        key="inventory-stock",
        url_name="inventory:stock",
        base=stock_rollup_base_for,
        filterset=StockRollupFilterSet,
        columns=(
            Column("name", pgettext_lazy("inventory group", "Name"), sort="name"),
            Column("positions", _("Positions"), num=True),
            Column("on_hand", _("On hand"), sort="on_hand", num=True),
            Column("sold_90d", _("Sold in 90 days"), sort="sold_90d", num=True),
            Column("doi", _("Days of inventory"), sort="doi", num=True),
            Column("turnover", _("Turnover (12 months)"), sort="turnover", num=True),
            Column("ageing", _("Ageing"), sort="ageing", num=True),
            Column("stock_out", _("Stock-outs"), sort="stock_out", num=True),
        ),
    )
)

POSITION_LIST = list_register(
    ListDefinition(
        key="inventory-positions",
        url_name="inventory:positions",
        base=stock_position_base_for,
        filterset=StockPositionFilterSet,
        columns=(
            Column("partner", _("Partner"), sort="partner"),
            Column("product", _("Product"), sort="product"),
            Column("family", _("Family"), default=False),
            Column("as_of", _("As of")),
            Column("on_hand", _("On hand"), sort="on_hand", num=True),
            Column("sold_90d", _("Sold in 90 days"), sort="sold_90d", num=True),
            Column("doi", _("Days of inventory"), sort="doi", num=True),
            Column("turnover", _("Turnover (12 months)"), sort="turnover", num=True),
            Column("alerts", _("Alerts")),
        ),
    )
)

ALERT_LIST = list_register(
    ListDefinition(
        key="inventory-alerts",
        url_name="inventory:alert_list",
        base=stock_alert_base_for,
        filterset=StockAlertFilterSet,
        columns=(
            Column("month", _("Month"), sort="month"),
            Column("partner", _("Partner"), sort="partner"),
            Column("product", _("Product"), sort="product"),
            Column("kind", _("Alert"), sort="kind"),
            Column("doi", _("Days of inventory"), num=True),
            Column("on_hand", _("On hand"), num=True),
            Column("raised", _("Raised"), sort="raised"),
        ),
    )
)
# --- end inventory stock ---------------------------------------------------------------------
