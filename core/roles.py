"""Roles (DESIGN §1): infrastructure every layer needs, so they live at the bottom, in core."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """DESIGN §1. Vendor staff roles first, then the partner-side roles."""

    ADMIN = "admin", _("Administrator")
    CHANNEL_MANAGER = "channel_manager", _("Channel manager")
    CHANNEL_DIRECTOR = "channel_director", _("Channel director")
    LEGAL = "legal", _("Legal reviewer")
    FINANCE = "finance", _("Finance")
    CFO = "cfo", _("CFO")
    PARTNER_ADMIN = "partner_admin", _("Partner admin")
    PARTNER_SALES = "partner_sales", _("Partner sales")
    PARTNER_FINANCE = "partner_finance", _("Partner finance")


STAFF_ROLES = frozenset(
    {Role.ADMIN, Role.CHANNEL_MANAGER, Role.CHANNEL_DIRECTOR, Role.LEGAL, Role.FINANCE, Role.CFO}
)
PARTNER_ROLES = frozenset({Role.PARTNER_ADMIN, Role.PARTNER_SALES, Role.PARTNER_FINANCE})
# Roles that act on partners as a channel team (a director is a manager with higher limits).
CHANNEL_ROLES = frozenset({Role.CHANNEL_MANAGER, Role.CHANNEL_DIRECTOR})
FINANCE_ROLES = frozenset({Role.FINANCE, Role.CFO})
# Staff who read FX rates: finance, and the channel team whose deal floors they convert.
FX_RATE_READERS = frozenset({Role.ADMIN}) | FINANCE_ROLES | CHANNEL_ROLES
# Partner roles that see and act on company finance (DESIGN §1); partner sales does not.
PARTNER_FINANCE_ROLES = frozenset({Role.PARTNER_ADMIN, Role.PARTNER_FINANCE})
