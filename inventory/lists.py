"""Inventory's lists (DESIGN §8.1): base selector, FilterSet and columns, one definition for the
page, the API and exports."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.lists import Column, ListDefinition, list_register

# --- diversion and price flags (DESIGN §11) ---
from .filtersets import InventoryFlagFilterSet
from .selectors_flags import flag_list_base_for

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
