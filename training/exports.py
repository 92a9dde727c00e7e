"""Export of the certification list (DESIGN §8.1): the same rows as its page for the same user."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from core.exports import ExportRows, export_choice, export_list_rows, export_register
from core.params import parse_id

from . import selectors
from .lists import COVERAGE_LIST
from .models import Certification


def certification_export_row(cert: Certification) -> list:
    return [
        cert.code,
        str(cert.user),
        cert.partner.legal_name,
        str(cert.course),
        export_choice(cert, "track"),
        export_choice(cert, "level"),
        cert.issued_on,
        cert.expires_on,
        str(_("Valid") if cert.is_valid_on(timezone.localdate()) else _("Expired")),
    ]


def certification_rows_for(user, params: Mapping[str, Any]) -> ExportRows:
    """Staff may narrow to one partner (`?partner=<id>`); a partner admin sees the company's
    certificates, other partner users their own (as on the page)."""
    raw_partner = params.get("partner") if user.is_vendor_staff else None
    partner_id = parse_id(raw_partner)
    if raw_partner and partner_id is None:
        raise ValidationError({"partner": [_("Enter a whole number.")]})
    mine = user.is_partner_user and user.role != Role.PARTNER_ADMIN
    certs = selectors.certification_list_for(user=user, partner_id=partner_id, mine=mine)
    if user.role == Role.PARTNER_ADMIN:
        certs = certs.filter(partner_id=user.partner_id)
    return ExportRows(records=certs, row=certification_export_row)


export_register(
    "certifications",
    title=_("Certifications"),
    columns=(
        _("Verification code"),
        _("Holder"),
        _("Partner"),
        _("Course"),
        _("Track"),
        _("Level"),
        _("Issued"),
        _("Expires on"),
        _("Status"),
    ),
    rows_for=certification_rows_for,
)


def coverage_export_row(partner) -> list:
    """One partner's coverage; `next_tier` is attached per chunk (`selectors.with_next_tier`)."""
    tier, following = partner.tier, partner.next_tier
    return [
        partner.legal_name,
        str(tier),
        partner.certified,
        tier.min_certified_staff,
        partner.senior_certified,
        tier.min_senior_certified_staff,
        str(following) if following else "",
        following.min_certified_staff if following else "",
        following.min_senior_certified_staff if following else "",
        partner.expiring,
    ]


def coverage_rows_for(user, params: Mapping[str, Any]) -> ExportRows:
    """The coverage report exactly as its page filters and sorts it (`COVERAGE_LIST`)."""
    return ExportRows(
        records=export_list_rows(COVERAGE_LIST, user=user, params=params),
        row=coverage_export_row,
        prepare=lambda records, **_kwargs: selectors.with_next_tier(records),
    )


export_register(
    "coverage",
    title=_("Certification coverage"),
    columns=(
        _("Partner"),
        _("Tier"),
        _("Certified staff"),
        _("Required by the tier"),
        _("Senior certified staff"),
        _("Senior required by the tier"),
        _("Next tier"),
        _("Required by the next tier"),
        _("Senior required by the next tier"),
        _("Expiring within 60 days"),
    ),
    rows_for=coverage_rows_for,
    roles=(Role.CHANNEL_MANAGER, Role.CHANNEL_DIRECTOR),
)
