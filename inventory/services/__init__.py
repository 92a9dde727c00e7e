"""Writes of the inventory domain (each service atomic, audited, notifying after commit). Each
area keeps its services in a module of its own and exports them here."""

# --- diversion and price flags (DESIGN §11) ---
from .flags import (
    flag_confirm,
    flag_dismiss,
    flag_policy_update,
    penalty_freeze_decide,
)

# --- end of diversion and price flags ---
from .reports import (
    inventory_lines_load,
    inventory_may_report,
    inventory_may_report_for,
    inventory_report_submit,
    inventory_reportable_partner_ids,
)

__all__ = [
    # --- diversion and price flags ---
    "flag_confirm",
    "flag_dismiss",
    "flag_policy_update",
    "penalty_freeze_decide",
    # --- end of diversion and price flags ---
    "inventory_lines_load",
    "inventory_may_report",
    "inventory_may_report_for",
    "inventory_report_submit",
    "inventory_reportable_partner_ids",
]
