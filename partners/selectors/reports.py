"""Reads of monthly business reports (DESIGN §2.8), scoped to what the user may see."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.choices import Role
from accounts.models import User
from accounts.scoping import get_scoped_or_404

from ..models import BusinessReport, Partner


def business_report_list_for(*, user: User, status: str = "") -> QuerySet[BusinessReport]:
    qs = BusinessReport.objects.visible_to(user).select_related(
        "partner", "submitted_by", "reviewed_by"
    )
    if user.role == Role.CHANNEL_MANAGER:
        qs = qs.filter(partner__in=Partner.objects.manageable_by(user))
    return qs.filter(status=status) if status else qs


def business_report_get_for(*, user: User, pk) -> BusinessReport:
    return get_scoped_or_404(
        BusinessReport.objects.select_related("partner", "submitted_by", "reviewed_by"),
        user,
        pk=pk,
    )
