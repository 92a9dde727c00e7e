"""Dashboard card of the rebates app: accrued to date and the what-if (DESIGN §5.3)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import PARTNER_FINANCE_ROLES, PARTNER_ROLES
from accounts.scoping import sees_company_finance
from core.dashboard import widget
from core.dashboard_charts import MONEY, ChartSpec, Series, chart_card, last_quarters
from core.money import round_money
from core.periods import Quarter

from .models import Accrual
from .rules import what_if
from .selectors import accrual_what_if_for


@widget(roles=PARTNER_ROLES, order=30)
def accrued_rebate(request) -> dict:
    period = str(Quarter.containing(timezone.localdate()))
    accruals = list(accrual_what_if_for(user=request.user, period=period))
    totals: dict[str, Decimal] = defaultdict(Decimal)
    items = []
    for accrual in accruals:
        totals[accrual.currency] += accrual.amount
        brackets = [(b.lower, b.upper, b.rate) for b in accrual.programme.brackets.all()]
        items.append({"accrual": accrual, "what_if": what_if(accrual=accrual, brackets=brackets)})
    return {
        "template": "rebates/widgets/accrued.html",
        "title": _("Rebate"),
        "period": period,
        "totals": sorted(totals.items()),
        "accruals": items,
        # Partner sales gets the what-if only, not the accrued amounts (DESIGN §1, §5.3).
        "shows_accrued": sees_company_finance(request.user),
    }


# --- Rebate trend (DESIGN §8) -------------------------------------------------------------------


def rebate_by_quarter(accruals, *, quarters: list[str]) -> dict:
    """Accrued rebate per quarter and currency over `quarters`: one grouped query over one
    company's accruals (a handful of programmes a quarter)."""
    totals: dict[str, dict[str, Decimal]] = {}
    for period, currency, amount in (
        accruals.filter(period__in=quarters)
        .values_list("period", "currency")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        totals.setdefault(currency, {})[period] = amount
    return {
        "quarters": quarters,
        "by_currency": {
            currency: [
                round_money(by_period[q], currency) if q in by_period else Decimal("0")
                for q in quarters
            ]
            for currency, by_period in sorted(totals.items())
        },
    }


@widget(roles=PARTNER_FINANCE_ROLES, order=31)
def rebate_trend_chart(request) -> dict | None:
    """Partner admin and finance: the own company's accrued rebate by quarter, live (a
    distributor's dealers' accruals are theirs, not its own). Partner sales sees no accrued
    amounts (DESIGN §1), so the card is not theirs."""
    user = request.user
    if user.partner_id is None or not sees_company_finance(user):
        return None
    accruals = Accrual.objects.restrict(user, "view").filter(partner_id=user.partner_id)
    figures = rebate_by_quarter(accruals, quarters=last_quarters())
    currencies = list(figures["by_currency"]) or [user.partner.contract_currency]
    spec = ChartSpec(
        key="rebate-by-quarter",
        title=_("Rebate accrued by quarter"),
        labels=figures["quarters"],
        unit=MONEY,
        # One currency is the rule (the contract's); a second is drawn as its own bars.
        currency=currencies[0],
        series=[
            Series(
                _("Accrued (%(currency)s)") % {"currency": currency},
                figures["by_currency"].get(currency, [Decimal("0")] * len(figures["quarters"])),
            )
            for currency in currencies
        ],
    )
    return chart_card(spec)
