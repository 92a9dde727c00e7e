"""What the partners write services share: the check that the actor may manage the partner."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from accounts.models import User
from accounts.scoping import can_manage_partner

from ..models import Partner


def _require_manage(*, actor: User, partner: Partner) -> None:
    if not (actor.is_vendor_staff and can_manage_partner(actor, partner)):
        raise PermissionDenied
