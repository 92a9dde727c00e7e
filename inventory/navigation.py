from django.utils.translation import gettext_lazy as _

from accounts.choices import PARTNER_ROLES, STAFF_ROLES
from core.dashboard import nav_item

SECTION = _("Inventory")

nav_item(_("Channel inventory"), "inventory:stock", roles=STAFF_ROLES, order=470, section=SECTION)
nav_item(
    _("Inventory reports"),
    "inventory:report_list",
    roles=PARTNER_ROLES | STAFF_ROLES,
    order=475,
    section=SECTION,
)
nav_item(
    _("Diversion and price flags"),
    "inventory:flag_list",
    roles=PARTNER_ROLES | STAFF_ROLES,
    order=480,
    section=SECTION,
)
