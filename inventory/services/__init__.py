"""Inventory's writes (DESIGN §11). Each area keeps its services in a module of its own and
exports them here."""

from .reports import (
    inventory_lines_load,
    inventory_may_report,
    inventory_may_report_for,
    inventory_report_submit,
    inventory_reportable_partner_ids,
)

__all__ = [
    "inventory_lines_load",
    "inventory_may_report",
    "inventory_may_report_for",
    "inventory_report_submit",
    "inventory_reportable_partner_ids",
]
