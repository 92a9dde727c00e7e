"""Exports of core's own lists (DESIGN §8.1): the audit log, for administrators."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from .audit import audit_event_list
from .exports import ExportRows, export_filters_clean, export_register
from .forms import AuditFilterForm
from .models import AuditEvent


def audit_export_row(event: AuditEvent) -> list:
    return [
        event.created_at,
        event.actor_repr,
        event.action,
        event.object_repr,
        json.dumps(event.changes, ensure_ascii=False, default=str),
        event.note,
    ]


def audit_rows_for(user, params: Mapping[str, Any]) -> ExportRows:
    """The audit log as its page filters it (`AuditFilterForm`)."""
    filters = export_filters_clean(AuditFilterForm(params))
    return ExportRows(records=audit_event_list(filters=filters), row=audit_export_row)


export_register(
    "audit",
    title=_("Audit log"),
    columns=(_("When"), _("Who"), _("Action"), _("Object"), _("Changes"), _("Note")),
    rows_for=audit_rows_for,
    roles=(),
)
