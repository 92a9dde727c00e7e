"""Accounts card on the dashboard: the welcome every role sees."""

from django.utils.translation import gettext_lazy as _

from core.dashboard import widget

from .choices import PARTNER_ROLES, STAFF_ROLES


@widget(roles=STAFF_ROLES | PARTNER_ROLES, order=1)
def welcome_card(request) -> dict:
    return {
        "template": "accounts/widgets/welcome.html",
        "title": _("Welcome"),
        "user": request.user,
    }
