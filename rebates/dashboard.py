"""Dashboard card of the rebates app: accrued to date and the what-if (DESIGN §5.3)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import PARTNER_ROLES
from accounts.scoping import sees_company_finance
from core.dashboard import widget
from core.periods import Quarter

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
