"""The notifications inventory sends (declared so the preferences page can list them)."""

from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from core.notifications import NotificationGroup, notification_kind

# --- diversion and price flags (DESIGN §11) ---
notification_kind(
    "inventory.flag_decided",
    _("Diversion or price flag decided"),
    group=NotificationGroup.PARTNERS,
    roles={Role.PARTNER_ADMIN},
)
notification_kind(
    "inventory.freeze_proposed",
    _("Freeze proposed after confirmed flags"),
    group=NotificationGroup.PARTNERS,
    roles={Role.CHANNEL_DIRECTOR},
)
# --- end of diversion and price flags ---
# --- inventory stock -------------------------------------------------------------------------


# One summary per channel manager when a refresh raises ageing or stock-out alerts.
notification_kind(
    "inventory.alerts",
    _("Inventory ageing and stock-out alerts"),
    group=NotificationGroup.PARTNERS,
    roles={Role.CHANNEL_MANAGER, Role.CHANNEL_DIRECTOR, Role.ADMIN},
)
# --- end inventory stock ---------------------------------------------------------------------
