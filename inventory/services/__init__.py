"""Writes of the inventory domain (each service atomic, audited, notifying after commit)."""

# --- diversion and price flags (DESIGN §11) ---
from .flags import (
    flag_confirm,
    flag_dismiss,
    flag_policy_update,
    penalty_freeze_decide,
)

# --- end of diversion and price flags ---

__all__ = [
    # --- diversion and price flags ---
    "flag_confirm",
    "flag_dismiss",
    "flag_policy_update",
    "penalty_freeze_decide",
    # --- end of diversion and price flags ---
]
