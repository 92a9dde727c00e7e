"""Exports of core's own lists (DESIGN §8.1): the audit log for administrators, FX rates."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from .exports import ExportRows, export_filters_clean, export_register
from .listings import AUDIT_LIST, FX_RATE_LIST
from .models import AuditEvent, FxRate
from .roles import FX_RATE_READERS


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
    """The audit log exactly as its page filters and sorts it (`core.listings.AUDIT_LIST`)."""
    filterset = AUDIT_LIST.filterset_for(user=user, params=params)
    export_filters_clean(filterset.form)
    return ExportRows(records=filterset.qs, row=audit_export_row)


export_register(
    "audit",
    title=_("Audit log"),
    columns=(_("When"), _("Who"), _("Action"), _("Object"), _("Changes"), _("Note")),
    rows_for=audit_rows_for,
    roles=(),
)


def fx_rate_export_row(rate: FxRate) -> list:
    return [rate.rate_date, rate.base_currency, rate.quote_currency, rate.rate]


def fx_rate_rows_for(user, params: Mapping[str, Any]) -> ExportRows:
    """The FX rates exactly as their page filters and sorts them (`core.listings.FX_RATE_LIST`)."""
    filterset = FX_RATE_LIST.filterset_for(user=user, params=params)
    export_filters_clean(filterset.form)
    return ExportRows(records=filterset.qs, row=fx_rate_export_row)


export_register(
    "fx-rates",
    title=_("FX rates"),
    columns=(_("Date"), _("From"), _("To"), _("Exchange rate")),
    rows_for=fx_rate_rows_for,
    roles=tuple(FX_RATE_READERS),
)
