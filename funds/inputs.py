"""Inputs the MDF accrual reads from other apps, through their selectors."""

from __future__ import annotations

from decimal import Decimal

from core.fx import fx_convert
from core.periods import Quarter
from rebates.selectors import net_sales_by_currency


def partners_net_revenue(partners, quarter: Quarter) -> dict[int, Decimal]:
    """Net revenue per partner in `quarter`, each in its contract currency (absent: no sales).

    Sales lines come from `rebates.selectors.net_sales_by_currency` (returns subtracted) in one
    query; other currencies convert at the FX rate of the quarter's last day.
    """
    by_id = {p.pk: p for p in partners}
    totals: dict[int, Decimal] = {}
    rows = net_sales_by_currency(partner_ids=list(by_id), start=quarter.start, end=quarter.end)
    for row in rows:
        partner = by_id[row["partner_id"]]
        amount = row["net"] or Decimal("0")
        if row["currency"] != partner.contract_currency:
            amount = fx_convert(amount, row["currency"], partner.contract_currency, quarter.end)
        totals[partner.pk] = totals.get(partner.pk, Decimal("0")) + amount
    return totals


def partner_net_revenue(partner, quarter: Quarter) -> Decimal:
    """Net revenue of one partner in `quarter`, in its contract currency (0 without sales)."""
    return partners_net_revenue([partner], quarter).get(partner.pk, Decimal("0"))
