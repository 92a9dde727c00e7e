"""Navigation entries of the rebates app."""

from functools import partial

from django.utils.translation import gettext_lazy as _

from accounts.choices import PARTNER_FINANCE_ROLES, STAFF_ROLES, Role
from core.dashboard import nav_item as register_nav_item

# Every entry of this app sits under one heading of the sidebar.
nav_item = partial(register_nav_item, section=_("Rebates"))

nav_item(_("Rebates"), "rebates:accrual_list", roles=STAFF_ROLES | PARTNER_FINANCE_ROLES, order=350)
nav_item(
    _("Rebate programmes"),
    "rebates:programme_list",
    roles={Role.ADMIN, Role.FINANCE, Role.CFO, Role.CHANNEL_DIRECTOR},
    order=360,
)
