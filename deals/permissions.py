"""Who may do what with deal registrations (DESIGN §1): one rule for pages, API and services."""

from __future__ import annotations

from accounts.choices import Role

# Partner admins and partner sales register deals; partner finance and vendor staff never do.
REGISTRANT_ROLES = (Role.PARTNER_ADMIN, Role.PARTNER_SALES)


def deal_can_register(user, *, partner_id: int | None) -> bool:
    """Whether `user` may create, edit or submit a registration of partner `partner_id`."""
    return (
        user.is_authenticated
        and user.role in REGISTRANT_ROLES
        and partner_id is not None
        and user.partner_id == partner_id
    )
