from django.utils.translation import gettext_lazy as _

from accounts.choices import FINANCE_ROLES, PARTNER_ROLES, STAFF_ROLES
from core.dashboard import nav_item
from core.settings_pages import settings_section

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

# --- diversion and price flags (DESIGN §11) ---
nav_item(
    _("Penalties and freeze proposals"),
    "inventory:penalty_list",
    roles=STAFF_ROLES,
    order=485,
    section=SECTION,
)
settings_section(
    _("Diversion and price flags"),
    "inventory:flag_settings",
    roles=FINANCE_ROLES,
    description=_("The penalty deduction for a second confirmed flag within 12 months"),
    order=60,
)
# --- end of diversion and price flags ---
# --- inventory stock -------------------------------------------------------------------------
from core.settings_pages import settings_section  # noqa: E402

nav_item(_("My inventory"), "inventory:positions", roles=PARTNER_ROLES, order=470, section=SECTION)
nav_item(
    _("Inventory alerts"), "inventory:alert_list", roles=STAFF_ROLES, order=472, section=SECTION
)
settings_section(
    _("Inventory alert limits"),
    "inventory:alert_limits",
    roles={"channel_director"},
    description=_("Days of inventory above which stock is ageing, and below which it runs out."),
    order=470,
)
# --- end inventory stock ---------------------------------------------------------------------
