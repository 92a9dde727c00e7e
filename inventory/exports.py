"""Exports of inventory's lists (DESIGN §8.1): exactly what the page's filters show."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.choices import STAFF_ROLES
from core.exports import ExportRows, export_choice, export_list_rows, export_register

from .lists import ALERT_LIST, INVENTORY_FLAG_LIST, INVENTORY_REPORT_LIST, POSITION_LIST, STOCK_LIST
from .models import InventoryAlert, InventoryReport
from .models_figures import InventoryFigure, InventoryRollup


# --- inventory reports (reports in) ----------------------------------------------------------------
def inventory_report_export_row(report: InventoryReport) -> list:
    return [
        report.pk,
        report.partner.legal_name,
        export_choice(report, "kind"),
        report.month.strftime("%Y-%m"),
        report.version,
        report.is_current,
        report.line_count,
        export_choice(report, "source"),
        report.created_at,
    ]


def inventory_report_rows_for(user, params: Mapping[str, Any]) -> ExportRows:
    """The report list exactly as its page filters and sorts it (`inventory.lists`)."""
    return ExportRows(
        records=export_list_rows(INVENTORY_REPORT_LIST, user=user, params=params),
        row=inventory_report_export_row,
    )


export_register(
    "inventory-reports",
    title=_("Inventory reports"),
    columns=(
        _("ID"),
        _("Partner"),
        _("Kind"),
        _("Month"),
        _("Version"),
        _("Current"),
        _("Lines"),
        _("Received by"),
        _("Received"),
    ),
    rows_for=inventory_report_rows_for,
)
# --- end of inventory reports ------------------------------------------------------------------------


# --- diversion and price flags (DESIGN §11) ---
def _flag_export_row_for(user):
    """A row of the flag list; the other partner of a serial clash only for vendor staff."""
    staff = not user.is_partner_user

    def row(flag) -> list:
        penalty = getattr(flag, "penalty", None)
        return [
            flag.pk,
            flag.created_at,
            flag.partner.legal_name,
            export_choice(flag, "kind"),
            flag.line.product.sku,
            flag.line.sold_on,
            flag.line.quantity,
            flag.line.unit_price,
            flag.line.currency,
            flag.line.customer_region,
            export_choice(flag, "status"),
            flag.review_reason,
            export_choice(penalty, "step") if penalty else "",
            flag.other_partner.legal_name if staff and flag.other_partner_id else "",
        ]

    return row


def inventory_flag_rows_for(user, params: Mapping[str, Any]) -> ExportRows:
    """The flag list exactly as its page filters and sorts it (`inventory.lists`)."""
    records = export_list_rows(INVENTORY_FLAG_LIST, user=user, params=params)
    return ExportRows(
        records=records.select_related("other_partner"), row=_flag_export_row_for(user)
    )


export_register(
    "inventory-flags",
    title=_("Diversion and price flags"),
    columns=(
        _("ID"),
        _("Raised"),
        _("Partner"),
        _("Kind"),
        _("Product"),
        _("Sold on"),
        _("Quantity"),
        _("Unit price"),
        _("Currency"),
        _("Customer region"),
        _("Status"),
        _("Reason"),
        _("Penalty"),
        _("Other partner"),
    ),
    rows_for=inventory_flag_rows_for,
)
# --- end of diversion and price flags ---

# --- inventory stock -------------------------------------------------------------------------


def _days(value) -> Any:
    return "∞" if value is None else value


def stock_rollup_export_row(row: InventoryRollup) -> list:
    return [
        export_choice(row, "dimension"),
        row.label,
        row.region,
        row.family.name if row.family_id else "",
        row.month,
        row.positions,
        row.on_hand,
        row.sold_90d,
        _days(row.days_of_inventory) if row.on_hand else row.days_of_inventory,
        row.turnover,
        row.ageing_count,
        row.stock_out_count,
    ]


def stock_rollup_rows_for(user, params: Mapping[str, Any]) -> ExportRows:
    records = export_list_rows(STOCK_LIST, user=user, params=params).select_related("family")
    return ExportRows(records=records, row=stock_rollup_export_row)


def stock_position_export_row(row: InventoryFigure) -> list:
    return [
        row.partner.legal_name,
        row.product.sku,
        row.product.name,
        row.family.name if row.family_id else "",
        " ".join(row.partner_regions),
        row.month,
        row.as_of,
        row.on_hand,
        row.sold_90d,
        row.avg_daily,
        _days(row.days_of_inventory) if row.on_hand else row.days_of_inventory,
        row.turnover,
        row.ageing,
        row.stock_out,
    ]


def stock_position_rows_for(user, params: Mapping[str, Any]) -> ExportRows:
    return ExportRows(
        records=export_list_rows(POSITION_LIST, user=user, params=params),
        row=stock_position_export_row,
    )


def stock_alert_export_row(alert: InventoryAlert) -> list:
    return [
        alert.month,
        alert.partner.legal_name,
        alert.product.sku,
        alert.product.name,
        export_choice(alert, "kind"),
        _days(alert.days_of_inventory) if alert.on_hand else alert.days_of_inventory,
        alert.on_hand,
        alert.created_at,
    ]


def stock_alert_rows_for(user, params: Mapping[str, Any]) -> ExportRows:
    return ExportRows(
        records=export_list_rows(ALERT_LIST, user=user, params=params), row=stock_alert_export_row
    )


export_register(
    "inventory-stock",
    title=_("Channel inventory"),
    roles=STAFF_ROLES,
    columns=(
        _("Group"),
        pgettext_lazy("inventory group", "Name"),
        _("Region"),
        _("Family"),
        _("Month"),
        _("Positions"),
        _("On hand"),
        _("Sold in 90 days"),
        _("Days of inventory"),
        _("Turnover (12 months)"),
        _("Ageing"),
        _("Stock-outs"),
    ),
    rows_for=stock_rollup_rows_for,
)
export_register(
    "inventory-positions",
    title=_("Inventory positions"),
    columns=(
        _("Partner"),
        _("SKU"),
        _("Product"),
        _("Family"),
        _("Regions"),
        _("Month"),
        _("As of"),
        _("On hand"),
        _("Sold in 90 days"),
        _("Average daily sell-through"),
        _("Days of inventory"),
        _("Turnover (12 months)"),
        _("Ageing"),
        _("Stock-out"),
    ),
    rows_for=stock_position_rows_for,
)
export_register(
    "inventory-alerts",
    title=_("Inventory alerts"),
    columns=(
        _("Month"),
        _("Partner"),
        _("SKU"),
        _("Product"),
        _("Alert"),
        _("Days of inventory"),
        _("On hand"),
        _("Raised"),
    ),
    rows_for=stock_alert_rows_for,
)
# --- end inventory stock ---------------------------------------------------------------------
