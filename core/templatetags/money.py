"""Money and rates on pages and PDFs, in the one display form of `core.money` (DESIGN §9).

{% load money %}{{ statement.payable|money:statement.currency }}  → "CNY 1,307,000.00"
{{ statement.tax_rate|percent }}                                   → "6.00 %"
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

from core.money import MINOR_UNITS, format_money, format_percent

register = template.Library()


@register.filter
def money(amount, currency: str = "") -> str:
    if amount is None or amount == "":
        return "—"
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return str(amount)
    if currency not in MINOR_UNITS:
        # An unknown or missing currency: two places, no code, still separated.
        rounded = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        return f"{abs(rounded) if rounded == 0 else rounded:,.2f}"
    return format_money(value, currency)


@register.filter
def percent(rate, places: int = 2) -> str:
    try:
        return format_percent(rate, int(places))
    except (InvalidOperation, ValueError, TypeError):
        return str(rate)
