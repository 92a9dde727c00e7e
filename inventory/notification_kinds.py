"""The notifications inventory sends (declared so the preferences page can list them)."""

# --- inventory stock -------------------------------------------------------------------------
from django.utils.translation import gettext_lazy as _  # noqa: E402

from accounts.choices import Role  # noqa: E402
from core.notifications import NotificationGroup, notification_kind  # noqa: E402

# One summary per channel manager when a refresh raises ageing or stock-out alerts.
notification_kind(
    "inventory.alerts",
    _("Inventory ageing and stock-out alerts"),
    group=NotificationGroup.PARTNERS,
    roles={Role.CHANNEL_MANAGER, Role.CHANNEL_DIRECTOR, Role.ADMIN},
)
# --- end inventory stock ---------------------------------------------------------------------
