"""Exports of the partner directory and the agreement list (DESIGN §8.1): exactly what their
filters show, to whoever may see the list."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from accounts.choices import STAFF_ROLES
from core.exports import ExportRows, export_choice, export_list_rows, export_register

from . import selectors
from .lists import AGREEMENT_LIST, PARTNER_LIST
from .models import Agreement, Partner


def partner_export_row(partner: Partner) -> list:
    return [
        partner.pk,
        partner.legal_name,
        partner.tax_id,
        export_choice(partner, "partner_type"),
        export_choice(partner.tier, "code"),
        partner.classification,
        ", ".join(partner.regions),
        partner.parent.legal_name if partner.parent else "",
        str(partner.channel_manager) if partner.channel_manager else "",
        export_choice(partner, "status"),
        partner.contract_currency,
        partner.created_at,
    ]


def partner_rows_for(user, params: Mapping[str, Any]) -> ExportRows:
    """The directory exactly as its page filters and sorts it (`partners.lists.PARTNER_LIST`)."""
    return ExportRows(
        records=export_list_rows(PARTNER_LIST, user=user, params=params), row=partner_export_row
    )


export_register(
    "partners",
    title=_("Partners"),
    columns=(
        _("ID"),
        _("Name"),
        _("Tax ID"),
        _("Type"),
        _("Tier"),
        _("Class"),
        _("Regions"),
        _("Parent"),
        _("Channel manager"),
        _("Status"),
        _("Contract currency"),
        _("Created"),
    ),
    rows_for=partner_rows_for,
    roles=STAFF_ROLES,
)


def agreement_export_row(agreement: Agreement) -> list:
    return [
        agreement.number,
        agreement.version,
        agreement.partner.legal_name,
        agreement.title,
        export_choice(agreement, "status"),
        agreement.start_date,
        agreement.end_date,
        agreement.signed_on,
        agreement.activated_at,
        agreement.ended_at,
    ]


def agreement_rows_for(user, params: Mapping[str, Any]) -> ExportRows:
    """The agreement list exactly as its page filters and sorts it (`AGREEMENT_LIST`)."""
    return ExportRows(
        records=export_list_rows(AGREEMENT_LIST, user=user, params=params),
        row=agreement_export_row,
    )


def _sees_agreements(user) -> bool:
    return not user.is_partner_user or user.role in selectors.AGREEMENT_VIEW_ROLES


export_register(
    "agreements",
    title=_("Agreements"),
    columns=(
        _("Agreement number"),
        _("Version"),
        _("Partner"),
        _("Title"),
        _("Status"),
        _("Start date"),
        _("End date"),
        _("Signed on"),
        _("Activated"),
        _("Ended"),
    ),
    rows_for=agreement_rows_for,
    allowed=_sees_agreements,
)
