"""The audit log as a reader sees it (DESIGN §9): who (name, role, company), a human action in the
reader's language, the object as a link to its page, and each change as "field: before → after"
with the field's name and the display value of a choice.

Core knows no domain app, so each app registers in its `<app>/auditlog.py` (found by
`core.dashboard.autodiscover`) how to link its models and how to name its actions:

    audit_link_register("deals.deal", "deals:detail")
    audit_actions_register({"deal.approved": _("Deal approved"), ...})

An action nobody named reads as its code made into words (`deal.approved` → "Deal approved"); an
object whose page is unknown shows its recorded name. Nothing here queries the database: the page
reads the events with their content type, actor and actor's company in one query.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from .models import AuditEvent

_LINKS: dict[str, str] = {}
_ACTIONS: dict[str, Any] = {}


def audit_link_register(model_label: str, url_name: str) -> None:
    """The page of a model's object, as `"<app_label>.<model_name>"` → a URL name taking `pk`."""
    _LINKS[model_label.lower()] = url_name


def audit_actions_register(labels: Mapping[str, Any]) -> None:
    """Readable labels (lazy gettext) of action codes."""
    _ACTIONS.update(labels)


def audit_action_label(code: str) -> str:
    label = _ACTIONS.get(code)
    if label is not None:
        return str(label)
    words = code.replace(".", " ").replace("_", " ").split()
    return capfirst(" ".join(words)) if words else code


def audit_object_url(event: AuditEvent) -> str:
    """The object's page, or "" when no page is registered for its model (or it has none)."""
    content_type = event.content_type
    if content_type is None or not event.object_id:
        return ""
    url_name = _LINKS.get(f"{content_type.app_label}.{content_type.model}")
    if url_name is None:
        return ""
    try:
        return reverse(url_name, kwargs={"pk": event.object_id})
    except NoReverseMatch:
        return ""


@dataclass(frozen=True)
class AuditChange:
    field: str
    before: str
    after: str
    is_change: bool = True


def _model_field(model: type[models.Model] | None, name: str):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except Exception:  # FieldDoesNotExist, or a name that is not a field at all
        return None


def _display(field, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(field, models.DateTimeField) and isinstance(value, str):
        moment = parse_datetime(value)
        if moment is not None:
            return date_format(timezone.localtime(moment), "Y-m-d H:i")
    if field is not None and getattr(field, "flatchoices", None):
        choices = {str(key): label for key, label in field.flatchoices}
        if str(value) in choices:
            return str(choices[str(value)])
    if isinstance(value, list):
        return ", ".join(_display(None, item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{key}: {_display(None, item)}" for key, item in value.items())
    return str(value)


def _field_label(field, name: str) -> str:
    if field is not None and getattr(field, "verbose_name", None):
        return capfirst(str(field.verbose_name))
    return capfirst(name.replace("_", " "))


def audit_changes(event: AuditEvent) -> list[AuditChange]:
    """Each stored change as "field: before → after", the other stored facts as "field: value"."""
    content_type = event.content_type
    model = content_type.model_class() if content_type is not None else None
    rows = []
    for name, change in (event.changes or {}).items():
        field = _model_field(model, name)
        label = _field_label(field, name)
        if isinstance(change, dict) and set(change) == {"before", "after"}:
            rows.append(
                AuditChange(
                    label, _display(field, change["before"]), _display(field, change["after"])
                )
            )
        else:
            rows.append(AuditChange(label, "", _display(field, change), is_change=False))
    return rows


@dataclass(frozen=True)
class AuditActor:
    name: str
    email: str
    role: str
    company: str


def audit_actor(event: AuditEvent) -> AuditActor:
    actor = event.actor
    if actor is None:
        recorded = event.actor_repr
        name = _("System") if recorded in ("", "system") else recorded
        return AuditActor(name=name, email="", role="", company="")
    display_role = getattr(actor, "get_role_display", None)
    company = getattr(actor, "partner", None)
    return AuditActor(
        name=getattr(actor, "full_name", "") or actor.email,
        email=actor.email,
        role=str(display_role()) if display_role and getattr(actor, "role", "") else "",
        company=str(company) if company is not None else "",
    )


@dataclass(frozen=True)
class AuditRow:
    event: AuditEvent
    actor: AuditActor
    action: str
    url: str
    changes: list[AuditChange]


def audit_rows(events: Iterable[AuditEvent]) -> list[AuditRow]:
    """The page's events as the reader sees them (no query beyond reading the events)."""
    return [
        AuditRow(
            event=event,
            actor=audit_actor(event),
            action=audit_action_label(event.action),
            url=audit_object_url(event),
            changes=audit_changes(event),
        )
        for event in events
    ]
