from django.utils.translation import gettext_lazy as _

from accounts.choices import CHANNEL_ROLES, FINANCE_ROLES, PARTNER_FINANCE_ROLES, Role
from core.dashboard import widget

from .selectors import mdf_summary, mdf_utilisation_for


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
    return {
        "template": "funds/widgets/utilisation.html",
        "title": _("MDF utilisation and ROI"),
        "stats": mdf_utilisation_for(user=request.user),
    }
