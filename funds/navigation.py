from django.utils.translation import gettext_lazy as _

from accounts.choices import FINANCE_ROLES, PARTNER_FINANCE_ROLES, PARTNER_ROLES, STAFF_ROLES, Role
from core.dashboard import nav_item

SECTION = _("Marketing funds")

nav_item(
    _("MDF balance"),
    "funds:balance",
    roles=PARTNER_FINANCE_ROLES,
    order=400,
    section=SECTION,
)
nav_item(
    _("Fund requests"),
    "funds:request_list",
    roles=PARTNER_ROLES | STAFF_ROLES,
    order=410,
    section=SECTION,
)
nav_item(
    _("MDF approval queue"), "funds:request_queue", roles=STAFF_ROLES, order=420, section=SECTION
)
nav_item(
    _("MDF claims"),
    "funds:claim_list",
    roles=PARTNER_FINANCE_ROLES | FINANCE_ROLES | {Role.ADMIN},
    order=430,
    section=SECTION,
)
nav_item(_("MDF ledger"), "funds:ledger", roles=STAFF_ROLES, order=440, section=SECTION)
nav_item(_("MDF ROI by partner"), "funds:roi_report", roles=STAFF_ROLES, order=450, section=SECTION)
