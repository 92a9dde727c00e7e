"""Exports of inventory's lists (DESIGN §8.1): exactly what the page's filters show."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from core.exports import ExportRows, export_choice, export_list_rows, export_register

from .lists import INVENTORY_FLAG_LIST, INVENTORY_REPORT_LIST
from .models import InventoryReport


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
