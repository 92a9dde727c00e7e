from django.utils.translation import gettext_lazy as _

from accounts.choices import CHANNEL_ROLES, PARTNER_ROLES, STAFF_ROLES, Role
from core.dashboard import nav_item

nav_item(_("Partners"), "partners:partner_list", roles=STAFF_ROLES, order=100)
nav_item(
    _("Applications"),
    "partners:application_list",
    roles=CHANNEL_ROLES | {Role.ADMIN},
    order=110,
)
nav_item(_("My company"), "partners:my_company", roles=PARTNER_ROLES, order=100)
nav_item(
    _("Tier proposals"),
    "partners:tier_proposals",
    roles=CHANNEL_ROLES | {Role.ADMIN},
    order=115,
)
nav_item(_("Scorecard weights"), "partners:scorecard_weights", roles={Role.ADMIN}, order=116)
