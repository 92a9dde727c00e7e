from decimal import Decimal

from django.conf import settings
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import CHANNEL_ROLES, FINANCE_ROLES, PARTNER_FINANCE_ROLES, Role
from accounts.scoping import scope_filter
from core.dashboard import widget
from core.dashboard_charts import MONEY, ChartSpec, Series, chart_card, last_quarters
from core.fx import FxRateMissing, fx_convert
from core.money import round_money
from core.precomputed import precomputed, precomputed_value

from .choices import ALLOCATION_KINDS, LedgerKind
from .models import ActivityResult, FundRequest, MdfLedgerEntry
from .selectors import mdf_summary, mdf_utilisation_all, mdf_utilisation_for


@widget(roles=PARTNER_FINANCE_ROLES, order=400)
def mdf_balance_card(request) -> dict | None:
    partner = request.user.partner
    if partner is None:
        return None
    return {
        "template": "funds/widgets/balance.html",
        "title": _("MDF balance"),
        "summary": mdf_summary(partner=partner),
        "currency": partner.contract_currency,
    }


@widget(roles=CHANNEL_ROLES | FINANCE_ROLES | {Role.ADMIN}, order=400)
def mdf_utilisation_card(request) -> dict:
    """Staff see every partner's funds: that sum is precomputed each minute."""
    as_of = None
    if scope_filter(MdfLedgerEntry, request.user, "view") is None:
        stats, as_of = precomputed_value("funds.mdf_utilisation")
    else:
        stats = mdf_utilisation_for(user=request.user)
    return {
        "template": "funds/widgets/utilisation.html",
        "title": _("MDF utilisation and ROI"),
        "stats": stats,
        "as_of": as_of,
    }


@precomputed("funds.mdf_utilisation", invalidated_by=(MdfLedgerEntry, FundRequest, ActivityResult))
def _mdf_utilisation_all() -> dict:
    return mdf_utilisation_all()


# --- MDF utilisation trend (DESIGN §8) -----------------------------------------------------------


USED_KINDS = (LedgerKind.RESERVATION, LedgerKind.RELEASE, LedgerKind.REIMBURSEMENT)
ZERO = Decimal("0")


def mdf_by_quarter(entries, *, quarters: list[str]) -> dict:
    """Allocated and used MDF per ledger quarter over `quarters`, in the base currency at today's
    rate: one grouped query over the ledger rows of those quarters.

    Used is what the reservations, releases and reimbursements took, as on the utilisation card.
    Assumption: an amount in a currency without a rate counts as nothing (as that card does)."""
    base = settings.PRM_BASE_CURRENCY
    today = timezone.localdate()
    allocated = {q: Decimal("0") for q in quarters}
    used = {q: Decimal("0") for q in quarters}
    rows = (
        entries.filter(quarter__in=quarters)
        .values_list("quarter", "currency")
        .annotate(
            allocated=Coalesce(Sum("amount", filter=Q(kind__in=ALLOCATION_KINDS)), ZERO),
            used=Coalesce(Sum("amount", filter=Q(kind__in=USED_KINDS)), ZERO),
        )
        .order_by()
    )
    for quarter, currency, alloc, spent in rows:
        allocated[quarter] += _in_base(alloc, currency, base, today)
        used[quarter] -= _in_base(spent, currency, base, today)
    return {
        "quarters": quarters,
        "currency": base,
        "allocated": [round_money(allocated[q], base) for q in quarters],
        "used": [round_money(used[q], base) for q in quarters],
    }


def _in_base(amount: Decimal, currency: str, base: str, today) -> Decimal:
    if currency == base or not amount:
        return amount
    try:
        return fx_convert(amount, currency, base, today)
    except FxRateMissing:
        return ZERO


@precomputed("funds.mdf_by_quarter", invalidated_by=(MdfLedgerEntry,))
def _mdf_by_quarter_all() -> dict:
    return mdf_by_quarter(
        MdfLedgerEntry.objects.unrestricted("vendor-wide dashboard figure, no user"),
        quarters=last_quarters(),
    )


@widget(roles=CHANNEL_ROLES | {Role.ADMIN}, order=401)
def mdf_utilisation_trend_chart(request) -> dict:
    """Staff: MDF allocated and used by quarter, every partner's precomputed, a manager's own."""
    as_of = None
    if scope_filter(MdfLedgerEntry, request.user, "view") is None:
        figures, as_of = precomputed_value("funds.mdf_by_quarter")
    else:
        figures = mdf_by_quarter(
            MdfLedgerEntry.objects.visible_to(request.user), quarters=last_quarters()
        )
    spec = ChartSpec(
        key="mdf-by-quarter",
        title=_("MDF allocated and used by quarter"),
        labels=figures["quarters"],
        unit=MONEY,
        currency=figures["currency"],
        series=[
            Series(_("Allocated"), figures["allocated"]),
            Series(_("Used"), figures["used"]),
        ],
    )
    return chart_card(spec, as_of=as_of)
