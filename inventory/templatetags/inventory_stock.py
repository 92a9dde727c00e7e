"""How inventory figures read on a page: days of inventory with ∞ for stock that did not sell."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def doi(days, on_hand) -> str:
    """Days of inventory: the number, "∞" (no sales in 90 days) or "—" (no stock reported)."""
    if days is not None:
        return str(days)
    if on_hand:
        return "∞"
    return "—"


@register.simple_tag
def doi_title(days, on_hand) -> str:
    if days is None and on_hand:
        return _("No sell-through in the last 90 days")
    return ""
