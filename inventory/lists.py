"""Inventory's lists (DESIGN §8.1): base selectors, FilterSets and columns, one definition for
the page, the API and exports."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.scoping import companies
from core.lists import Column, ListDefinition, list_register

from .filtersets import (
    InventoryFlagFilterSet,
    ReportFilterSet,
    StockAlertFilterSet,
    StockPositionFilterSet,
    StockRollupFilterSet,
)
from .models import InventoryReport, InventorySnapshot, SellThroughLine
from .selectors import stock_alert_base_for, stock_position_base_for, stock_rollup_base_for
from .selectors_flags import flag_list_base_for


# --- inventory reports (reports in) ----------------------------------------------------------------
def _visible(model, user) -> QuerySet:
    """A partner user reads its own company's reports and, for a distributor, its dealers'
    (those it may report for, DESIGN §11); staff read every partner's."""
    if getattr(user, "is_partner_user", False) and user.is_active:
        return model.objects.unrestricted(
            "scoped just below: the company and, for a distributor, its dealers"
        ).filter(partner_id__in=companies().visible_ids(user.partner_id, True))
    return model.objects.visible_to(user)


def inventory_report_list_base_for(*, user) -> QuerySet[InventoryReport]:
    return _visible(InventoryReport, user).select_related("partner", "reported_by")


def inventory_report_get_for(*, user, pk: int) -> InventoryReport:
    """One report the user may read, else 404."""
    return get_object_or_404(inventory_report_list_base_for(user=user), pk=pk)


def sell_through_line_list_base_for(*, user) -> QuerySet[SellThroughLine]:
    return _visible(SellThroughLine, user).select_related("partner", "product")


def snapshot_list_base_for(*, user) -> QuerySet[InventorySnapshot]:
    return _visible(InventorySnapshot, user).select_related("partner", "product")


def inventory_report_versions_for(*, user, report: InventoryReport) -> QuerySet[InventoryReport]:
    """Every version of the report's partner, kind and month, newest first."""
    return (
        inventory_report_list_base_for(user=user)
        .filter(partner_id=report.partner_id, kind=report.kind, month=report.month)
        .order_by("-version")
    )


INVENTORY_REPORT_LIST = list_register(
    ListDefinition(
        key="inventory-reports",
        url_name="inventory:report_list",
        base=inventory_report_list_base_for,
        filterset=ReportFilterSet,
        columns=(
            Column("month", _("Month"), sort="month"),
            Column("partner", _("Partner"), sort="partner"),
            Column("kind", _("Kind"), sort="kind"),
            Column("version", _("Version"), sort="version", num=True),
            Column("lines", _("Lines"), sort="lines", num=True),
            Column("source", _("Received by")),
            Column("received", _("Received"), sort="received"),
        ),
    )
)
# --- end of inventory reports ------------------------------------------------------------------------

# --- diversion and price flags (DESIGN §11) ---

INVENTORY_FLAG_LIST = list_register(
    ListDefinition(
        key="inventory-flags",
        url_name="inventory:flag_list",
        base=flag_list_base_for,
        filterset=InventoryFlagFilterSet,
        columns=(
            Column("raised", _("Raised"), sort="raised"),
            Column("partner", _("Partner"), sort="partner", staff_only=True),
            Column("kind", _("Kind"), sort="kind"),
            Column("line", _("Sale")),
            Column("region", _("Customer region")),
            Column("sold_on", _("Sold on"), sort="sold_on"),
            Column("status", _("Status"), sort="status"),
            Column("outcome", _("Outcome")),
        ),
    )
)
# --- end of diversion and price flags ---

# --- inventory stock -------------------------------------------------------------------------

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
