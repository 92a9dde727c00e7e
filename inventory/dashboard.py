"""Inventory's dashboard cards (DESIGN §8, §11): staff see the channel's days of inventory and the
month's alerts; a partner its own (a distributor's with its dealers' alerts)."""

from django.utils.translation import gettext_lazy as _

from accounts.choices import PARTNER_ROLES, STAFF_ROLES
from core.dashboard import widget

from . import selectors


@widget(roles=STAFF_ROLES, order=470)
def inventory_stock_card(request) -> dict:
    # Precomputed sums only: the month's ageing and stock-out positions are counted there.
    return {
        "template": "inventory/widgets/stock_card.html",
        "title": _("Channel inventory"),
        "total": selectors.total_summary(),
    }


@widget(roles=PARTNER_ROLES, order=470)
def inventory_partner_card(request) -> dict | None:
    partner_id = request.user.partner_id
    if partner_id is None:
        return None
    return {
        "template": "inventory/widgets/stock_partner_card.html",
        "title": _("My inventory"),
        "summary": selectors.partner_summary(partner_ids=[partner_id]),
    }
