"""Reads of partner companies, their users, applications and compliance violations, always
scoped to what the user may see.
"""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User
from accounts.scoping import get_scoped_or_404

from ..models import ComplianceViolation, Partner, PartnerApplication
from ..rules import normalise_specialization


def partner_list_for(*, user: User, filters: dict | None = None) -> QuerySet[Partner]:
    """Partners the user may see, narrowed by the directory filters."""
    filters = filters or {}
    qs = Partner.objects.visible_to(user).select_related("tier", "channel_manager", "parent")
    if filters.get("tier"):
        qs = qs.filter(tier__code=filters["tier"])
    if filters.get("partner_type"):
        qs = qs.filter(partner_type=filters["partner_type"])
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("region"):
        qs = qs.filter(regions__contains=[filters["region"]])
    if filters.get("manager"):
        qs = qs.filter(channel_manager=filters["manager"])
    if filters.get("q"):
        qs = qs.filter(legal_name__icontains=filters["q"])
    if filters.get("specialization"):
        tag = normalise_specialization(filters["specialization"])
        qs = qs.filter(specializations__contains=[tag])
    return qs


def partner_get_for(*, user: User, pk, action: str = "view") -> Partner:
    return get_scoped_or_404(
        Partner.objects.select_related("tier", "channel_manager", "parent"),
        user,
        action,
        pk=pk,
    )


def partner_users_for(*, partner: Partner) -> QuerySet[User]:
    return User.objects.filter(partner=partner).order_by("full_name", "email")


def application_list_for(*, user: User, status: str = "") -> QuerySet[PartnerApplication]:
    qs = PartnerApplication.objects.visible_to(user).select_related("referred_by", "partner")
    return qs.filter(status=status) if status else qs


def application_get_for(*, user: User, pk) -> PartnerApplication:
    return get_scoped_or_404(
        PartnerApplication.objects.select_related("referred_by", "partner"), user, pk=pk
    )


def violation_list_for(*, user: User, partner: Partner) -> QuerySet[ComplianceViolation]:
    return ComplianceViolation.objects.visible_to(user).filter(partner=partner)
