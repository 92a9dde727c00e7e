"""The roles a user holds. They are defined in `core.roles` (core, below accounts, needs them for
notifications, jobs and navigation) and re-exported here for the apps that describe users."""

from core.roles import (
    CHANNEL_ROLES,
    FINANCE_ROLES,
    PARTNER_FINANCE_ROLES,
    PARTNER_ROLES,
    STAFF_ROLES,
    Role,
)

__all__ = [
    "CHANNEL_ROLES",
    "FINANCE_ROLES",
    "PARTNER_FINANCE_ROLES",
    "PARTNER_ROLES",
    "STAFF_ROLES",
    "Role",
]
