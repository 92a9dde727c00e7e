"""Reads of partner companies, their users, applications and compliance violations, always
scoped to what the user may see.
"""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User
from accounts.scoping import get_scoped_or_404

from ..models import ComplianceViolation, Partner, PartnerApplication


def partner_list_base_for(*, user: User) -> QuerySet[Partner]:
    """Partners the user may see, for the directory (`partners.lists.PARTNER_LIST` filters them)."""
    return Partner.objects.visible_to(user).select_related("tier", "channel_manager", "parent")


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
