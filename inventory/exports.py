"""Exports of inventory's lists (DESIGN §8.1): exactly what the page's filters show."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from core.exports import ExportRows, export_choice, export_list_rows, export_register

from .lists import INVENTORY_REPORT_LIST
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
