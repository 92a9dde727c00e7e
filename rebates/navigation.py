"""Navigation entries of the rebates app."""

from django.utils.translation import gettext_lazy as _

from accounts.choices import PARTNER_ROLES, STAFF_ROLES, Role
from core.dashboard import nav_item

nav_item(_("Rebates"), "rebates:accrual_list", roles=STAFF_ROLES | PARTNER_ROLES, order=300)
nav_item(
    _("Rebate programmes"),
    "rebates:programme_list",
    roles={Role.ADMIN, Role.FINANCE, Role.CFO, Role.CHANNEL_DIRECTOR},
    order=310,
)
