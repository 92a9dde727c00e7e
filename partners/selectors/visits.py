"""Reads of partner visits and of partners not met this quarter (DESIGN §2.8), scoped to what
the user may see.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from core.periods import Quarter

from ..choices import MEETING_KINDS, PartnerStatus, VisitStatus
from ..models import Partner, PartnerVisit


def visit_list_for(*, user: User, status: str = "") -> QuerySet[PartnerVisit]:
    """Visits are the channel team's notes: staff only; a channel manager sees their partners'."""
    if not user.is_vendor_staff:
        return PartnerVisit.objects.none()
    qs = PartnerVisit.objects.visible_to(user).select_related("partner", "manager")
    if user.role == Role.CHANNEL_MANAGER:
        qs = qs.filter(partner__in=Partner.objects.manageable_by(user))
    return qs.filter(status=status) if status else qs


def visit_get_for(*, user: User, pk) -> PartnerVisit:
    if not user.is_vendor_staff:
        raise Http404
    try:
        return visit_list_for(user=user).get(pk=pk)
    except (PartnerVisit.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def partners_without_quarterly_meeting(
    *, user: User, quarter: Quarter | None = None
) -> QuerySet[Partner]:
    """Active partners the user manages with no review meeting or site visit done this quarter."""
    return _without_meeting(Partner.objects.manageable_by(user), quarter)


def partners_without_quarterly_meeting_all() -> QuerySet[Partner]:
    """Every active partner without a meeting this quarter: the vendor-wide dashboard figure."""
    return _without_meeting(Partner.objects.unrestricted("vendor-wide dashboard figure"), None)


def _without_meeting(partners: QuerySet[Partner], quarter: Quarter | None) -> QuerySet[Partner]:
    quarter = quarter or Quarter.containing(timezone.localdate())
    met = PartnerVisit.objects.unrestricted("correlated to partners the user manages").filter(
        partner=OuterRef("pk"),
        status=VisitStatus.DONE,
        kind__in=MEETING_KINDS,
        visited_on__gte=quarter.start,
        visited_on__lte=quarter.end,
    )
    return (
        partners.filter(status=PartnerStatus.ACTIVE)
        .exclude(Exists(met))
        .select_related("tier", "channel_manager")
        .order_by("legal_name")
    )
