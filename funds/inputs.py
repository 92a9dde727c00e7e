"""Inputs the MDF accrual reads from other apps, resolved at run time (they are optional)."""

from __future__ import annotations

from decimal import Decimal

from django.apps import apps
from django.db.models import Sum

from core.fx import fx_convert
from core.periods import Quarter


def _sales_line_model():
    try:
        return apps.get_model("rebates", "SalesLine")
    except LookupError:
        return None


def partner_net_revenue(partner, quarter: Quarter) -> Decimal:
    """Net revenue of `partner` in `quarter`, in its contract currency (0 without sales lines).

    Returns subtract whether they are stored as negative amounts or as positive `kind="return"`
    lines; other currencies convert at the rate on the quarter's last day.
    """
    SalesLine = _sales_line_model()
    if SalesLine is None:
        return Decimal("0")
    rows = (
        SalesLine.objects.filter(
            partner=partner, invoice_date__gte=quarter.start, invoice_date__lte=quarter.end
        )
        .values("currency", "kind")
        .annotate(total=Sum("net_amount"))
    )
    total = Decimal("0")
    for row in rows:
        amount = row["total"] or Decimal("0")
        if row["kind"] == "return":
            amount = -abs(amount)
        if row["currency"] != partner.contract_currency:
            amount = fx_convert(amount, row["currency"], partner.contract_currency, quarter.end)
        total += amount
    return total
