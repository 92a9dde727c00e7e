"""Reads of partner agreements, their versions and reviews (DESIGN §2.5), scoped to what the
user may see.
"""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from accounts.scoping import get_scoped_or_404

from ..choices import AgreementStatus
from ..models import Agreement, AgreementReview, Partner

EXPIRY_WINDOW_DAYS = 90
AGREEMENT_VIEW_ROLES = frozenset({Role.PARTNER_ADMIN, Role.PARTNER_FINANCE})


def agreement_list_for(*, user: User, filters: dict | None = None) -> QuerySet[Agreement]:
    """Agreement versions the user may read, narrowed by the list filters."""
    filters = filters or {}
    if user.is_partner_user and user.role not in AGREEMENT_VIEW_ROLES:
        return Agreement.objects.none()
    qs = Agreement.objects.visible_to(user).select_related("partner", "partner__channel_manager")
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("q"):
        qs = qs.filter(Q(partner__legal_name__icontains=filters["q"]) | Q(number=filters["q"]))
    if filters.get("expiring_within"):
        today = timezone.localdate()
        qs = qs.filter(
            status=AgreementStatus.ACTIVE,
            end_date__gte=today,
            end_date__lte=today + datetime.timedelta(days=filters["expiring_within"]),
        )
    if filters.get("mine"):
        qs = qs.filter(partner__channel_manager=user)
    return qs


def agreement_get_for(*, user: User, pk) -> Agreement:
    if user.is_partner_user and user.role not in AGREEMENT_VIEW_ROLES:
        raise Http404
    return get_scoped_or_404(Agreement.objects.select_related("partner", "amends"), user, pk=pk)


def agreement_versions_for(*, agreement: Agreement) -> QuerySet[Agreement]:
    return (
        Agreement.objects.unrestricted("versions of an agreement the caller fetched scoped")
        .filter(number=agreement.number)
        .order_by("version")
    )


def agreement_reviews_for(*, user: User, agreement: Agreement) -> QuerySet[AgreementReview]:
    return (
        AgreementReview.objects.visible_to(user)
        .filter(agreement=agreement)
        .select_related("reviewer")
    )


def agreements_expiring_for(*, user: User, days: int = EXPIRY_WINDOW_DAYS) -> QuerySet[Agreement]:
    """Active agreements ending within `days`, soonest first; a channel manager sees their own."""
    qs = agreement_list_for(user=user, filters={"expiring_within": days})
    if user.role == Role.CHANNEL_MANAGER:
        qs = qs.filter(partner__in=Partner.objects.manageable_by(user))
    return qs.order_by("end_date", "pk")
