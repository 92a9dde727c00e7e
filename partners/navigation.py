from functools import partial

from django.utils.translation import gettext_lazy as _

from accounts.choices import (
    CHANNEL_ROLES,
    FINANCE_ROLES,
    PARTNER_FINANCE_ROLES,
    PARTNER_ROLES,
    STAFF_ROLES,
    Role,
)
from core.dashboard import nav_item as register_nav_item

# Every entry of this app sits under one heading of the sidebar.
nav_item = partial(register_nav_item, section=_("Partners"))

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

# --- agreements, credit limits, business reports and visits (DESIGN §2.5, §2.6, §2.8) ---------
nav_item(_("Agreements"), "partners:agreement_list", roles=STAFF_ROLES, order=120)
nav_item(
    _("Agreements"),
    "partners:agreement_list",
    roles={Role.PARTNER_ADMIN, Role.PARTNER_FINANCE},
    order=105,
)
nav_item(
    _("Credit limits"),
    "partners:credit_list",
    roles=STAFF_ROLES | PARTNER_FINANCE_ROLES,
    order=125,
)
nav_item(_("Business reports"), "partners:report_list", roles=PARTNER_ROLES, order=106)
nav_item(
    _("Business reports"), "partners:report_list", roles=CHANNEL_ROLES | {Role.ADMIN}, order=130
)
nav_item(_("Visits"), "partners:visit_list", roles=CHANNEL_ROLES | {Role.ADMIN}, order=135)

# --- exit and handover (DESIGN §2.9) ----------------------------------------------------------
nav_item(_("Partner exits"), "partners:exit_list", roles=CHANNEL_ROLES | {Role.ADMIN}, order=140)
# --- credit rating and NPS early warning (DESIGN §2.6, §2.4) ------------------------------------
nav_item(
    _("Credit limit proposals"),
    "partners:credit_proposal_list",
    roles=FINANCE_ROLES | {Role.ADMIN},
    order=126,
)
nav_item(
    _("NPS warnings"), "partners:nps_warning_list", roles=CHANNEL_ROLES | {Role.ADMIN}, order=117
)
