"""Navigation entries of deal registration."""

from django.utils.translation import gettext_lazy as _

from accounts.choices import CHANNEL_ROLES, PARTNER_ROLES, STAFF_ROLES, Role
from core.dashboard import nav_item
from core.settings_pages import settings_section

from .permissions import PRICE_LIST_ROLES

nav_item(
    _("Deal registrations"),
    "deals:list",
    roles=STAFF_ROLES | PARTNER_ROLES,
    order=30,
    section=_("Deals"),
)
nav_item(
    _("Approval queue"),
    "deals:queue",
    roles=CHANNEL_ROLES | {Role.ADMIN},
    order=31,
    section=_("Deals"),
)
nav_item(
    _("Leads"),
    "deals:lead_list",
    roles=STAFF_ROLES | PARTNER_ROLES,
    order=32,
    section=_("Deals"),
)

settings_section(
    _("Deal settings"),
    "deals:settings",
    roles={Role.ADMIN},
    description=_("Name-similarity threshold of the conflict check, approval SLA, extension"),
    order=10,
)
settings_section(
    _("Price lists"),
    "deals:price_list_index",
    roles=PRICE_LIST_ROLES,
    description=_(
        "Guide, tier agreement and floor prices of each product, with the dates they hold"
    ),
    order=11,
)
