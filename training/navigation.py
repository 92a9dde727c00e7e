"""Training entries in the navigation."""

from functools import partial

from django.utils.translation import gettext_lazy as _

from accounts.choices import PARTNER_ROLES, STAFF_ROLES, Role
from core.dashboard import nav_item as register_nav_item

# Every entry of this app sits under one heading of the sidebar.
nav_item = partial(register_nav_item, section=_("Training"))

nav_item(_("Training"), "training:course_list", roles=STAFF_ROLES | PARTNER_ROLES, order=300)
nav_item(
    _("Certifications"),
    "training:certification_list",
    roles=STAFF_ROLES | PARTNER_ROLES,
    order=310,
)
nav_item(_("Certification coverage"), "training:coverage", roles={Role.PARTNER_ADMIN}, order=320)
nav_item(
    _("Certification coverage"),
    "training:coverage_report",
    roles={Role.ADMIN, Role.CHANNEL_MANAGER, Role.CHANNEL_DIRECTOR},
    order=320,
)
