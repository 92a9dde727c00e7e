"""Deal registration settings (DESIGN §9): the name-similarity threshold of the conflict check,
the approval SLA and the protection extension, changed by administrators with an audit row."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from accounts.models import User
from core.settings_pages import settings_change

from ..models import DealSettings

DEAL_SETTINGS_FIELDS = ("similarity_threshold", "sla_business_days", "extension_days")


@transaction.atomic
def deal_settings_update(*, actor: User, values: dict[str, Any]) -> dict:
    """Change the deal settings; the next submission, conflict check and extension read them."""
    if not actor.is_admin:
        raise PermissionDenied
    row = DealSettings.objects.select_for_update().order_by("pk").first()
    if row is None:
        row = DealSettings.objects.create()
    return settings_change(
        actor=actor,
        obj=row,
        values={k: v for k, v in values.items() if k in DEAL_SETTINGS_FIELDS},
        action="deal_settings.changed",
    )
