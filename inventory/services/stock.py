"""Writes of inventory stock: the alert limits of a family (DESIGN §9 settings, §11)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.choices import Role
from core.settings_pages import settings_change
from deals.models import ProductFamily

from ..models import FamilyAlertLimit

# Channel directors and administrators set the limits (the manager's alerts follow them).
LIMIT_ROLES = frozenset({Role.ADMIN, Role.CHANNEL_DIRECTOR})


def may_set_alert_limits(user) -> bool:
    return bool(user.is_authenticated) and (user.is_admin or user.role in LIMIT_ROLES)


@transaction.atomic
def alert_limit_set(*, actor, family: ProductFamily, values: dict[str, Any]) -> dict:
    """Set a family's ageing and stock-out limits (days of inventory), audited before → after;
    the figures are flagged again by the new limits once committed. Returns the changes."""
    if not may_set_alert_limits(actor):
        raise PermissionDenied
    limit, _created = FamilyAlertLimit.objects.select_for_update().get_or_create(family=family)
    ageing = values.get("ageing_days", limit.ageing_days)
    stock_out = values.get("stock_out_days", limit.stock_out_days)
    if ageing is None or stock_out is None or stock_out >= ageing:
        raise ValidationError(
            {"stock_out_days": _("The stock-out limit must be below the ageing limit.")}
        )
    changes = settings_change(
        actor=actor, obj=limit, values=values, action="inventory.alert_limit_changed"
    )
    if changes:
        from ..tasks import inventory_limits_apply_batch_task

        transaction.on_commit(lambda: inventory_limits_apply_batch_task.delay(family.pk))
    return changes
