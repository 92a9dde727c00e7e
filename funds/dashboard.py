from django.utils.translation import gettext_lazy as _

from accounts.choices import CHANNEL_ROLES, FINANCE_ROLES, PARTNER_FINANCE_ROLES, Role
from accounts.scoping import scope_filter
from core.dashboard import widget
from core.precomputed import precomputed, precomputed_value

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
