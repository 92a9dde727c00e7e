"""The sections of the Settings page (DESIGN §9): each app registers the settings it owns.

An app calls `settings_section(...)` in its `<app>/navigation.py` with the URL of the page that
edits the section and the roles that may edit it; the Settings page lists the sections the user
may open. Administrators see every section their role guard lets them open.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext as _

from .audit import audit_record


@dataclass(frozen=True)
class SettingsSection:
    label: Any
    description: Any
    url_name: str
    roles: frozenset[str]
    order: int


_SECTIONS: list[SettingsSection] = []


def settings_section(
    label: Any, url_name: str, *, roles: Iterable[str], description: Any = "", order: int = 100
) -> None:
    _SECTIONS.append(
        SettingsSection(
            label=label,
            description=description,
            url_name=url_name,
            roles=frozenset(roles),
            order=order,
        )
    )


def settings_sections_for(user) -> list[dict]:
    """The sections `user` may edit, in order (administrators: all of them)."""
    return [
        {"label": s.label, "description": s.description, "url": reverse(s.url_name)}
        for s in sorted(_SECTIONS, key=lambda s: s.order)
        if not user.is_partner_user and (user.is_admin or user.role in s.roles)
    ]


def settings_change(*, actor, obj, values: dict[str, Any], action: str, partner=None) -> dict:
    """Set `values` on `obj` (a locked settings row), validate, save and audit before → after.

    Called inside the owning app's atomic service. Unknown fields are refused; bad values raise
    `ValidationError` with field messages before anything is written. Returns the changes
    (empty when nothing changed: no save, no audit row).
    """
    names = {f.name for f in obj._meta.concrete_fields if not f.primary_key}
    unknown = sorted(set(values) - names)
    if unknown:
        raise ValidationError({name: _("Not a setting.") for name in unknown})
    before = {name: _as_stored(obj, name) for name in values}
    for name, value in values.items():
        setattr(obj, name, value)
    obj.full_clean(validate_unique=False, validate_constraints=False)
    for name in values:
        setattr(obj, name, _as_stored(obj, name))
    changes = {
        name: {"before": before[name], "after": getattr(obj, name)}
        for name in values
        if before[name] != getattr(obj, name)
    }
    if changes:
        obj.save()
        audit_record(actor=actor, action=action, obj=obj, changes=changes, partner=partner)
    return changes


def _as_stored(obj, name: str) -> Any:
    """A decimal at its column's scale, so that 0.70 and 0.7 (and the audit row) read alike."""
    field = obj._meta.get_field(name)
    value = getattr(obj, name)
    if isinstance(field, models.DecimalField) and value is not None:
        return Decimal(value).quantize(Decimal(1).scaleb(-field.decimal_places))
    return value
