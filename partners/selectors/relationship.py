"""Reads of agreements, credit limits, business reports and visits (DESIGN §2.5, §2.6, §2.8),
scoped to what the user may see.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from accounts.scoping import (
    get_scoped_or_404,
    is_own_company,
    sees_company_finance,
    sees_partner_details,
)
from core.fx import FxRateMissing, fx_convert
from core.money import round_money
from core.params import parse_id
from core.periods import Quarter

from ..choices import (
    MEETING_KINDS,
    AgreementStatus,
    CreditKind,
    CreditStatus,
    PartnerStatus,
    VisitStatus,
)
from ..figures import figure
from ..models import (
    Agreement,
    AgreementReview,
    BusinessReport,
    CreditApplication,
    Partner,
    PartnerVisit,
)
from .partner import partner_get_for

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


def credit_application_list_for(*, user: User, status: str = "") -> QuerySet[CreditApplication]:
    qs = CreditApplication.objects.visible_to(user).select_related(
        "partner", "requested_by", "decided_by"
    )
    return qs.filter(status=status) if status else qs


def credit_application_get_for(*, user: User, pk) -> CreditApplication:
    return get_scoped_or_404(
        CreditApplication.objects.select_related("partner", "requested_by", "decided_by"),
        user,
        pk=pk,
    )


def _in_contract_currency(rows, partner: Partner, on: datetime.date) -> Decimal:
    total = Decimal("0")
    for currency, amount in rows:
        total += fx_convert(amount, currency, partner.contract_currency, on)
    return total


def _orders_total(partner: Partner, on: datetime.date) -> Decimal:
    """Orders of the partner in its contract currency (figure "orders", from settlement)."""
    return _in_contract_currency(figure("orders")(partner=partner), partner, on)


def _payments_total(partner: Partner, on: datetime.date) -> Decimal:
    """Payments received from the partner in its contract currency (figure "payments")."""
    return _in_contract_currency(figure("payments")(partner=partner), partner, on)


def credit_exposure_for(*, partner: Partner) -> dict:
    """Outstanding exposure (unpaid orders) against the limits in force (DESIGN §2.6)."""
    today = timezone.localdate()
    special = CreditApplication.objects.unrestricted(
        "the partner was authorised by the caller"
    ).filter(partner=partner, kind=CreditKind.SPECIAL, status=CreditStatus.APPROVED).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=today)
    ).aggregate(total=Sum("amount"))["total"] or Decimal("0")
    try:
        orders = _orders_total(partner, today)
        payments = _payments_total(partner, today)
        rate_missing = False
    except FxRateMissing:
        orders, payments, rate_missing = Decimal("0"), Decimal("0"), True
    currency = partner.contract_currency
    exposure = round_money(max(orders - payments, Decimal("0")), currency)
    limit = partner.credit_limit + special
    return {
        "currency": currency,
        "normal_limit": partner.credit_limit,
        "special_limit": special,
        "limit": limit,
        "orders": round_money(orders, currency),
        "payments": round_money(payments, currency),
        "exposure": exposure,
        "available": limit - exposure,
        "over_limit": exposure > limit,
        "rate_missing": rate_missing,
    }


def partner_relationship_for(*, user: User, partner: Partner, can_manage: bool) -> dict:
    """What the partner page shows of the partner's agreements, credit and business reports, each
    only where the user may open the list it links to; a fixed number of queries.

    A partner user sees these for their own company only (not for their dealers); partner sales
    users get neither agreements nor credit; business reports are the channel team's (a channel
    manager's own partners) and the partner's.
    """
    own = is_own_company(user, partner.pk)
    staff = user.is_vendor_staff
    summary: dict = {}
    if staff or (own and user.role in AGREEMENT_VIEW_ROLES):
        agreements = Agreement.objects.unrestricted("role checked above").filter(partner=partner)
        summary["agreements"] = {
            "count": agreements.values("number").distinct().count(),
            "in_force": agreements.filter(status=AgreementStatus.ACTIVE)
            .order_by("end_date", "-version")
            .first(),
        }
    if staff or (own and sees_company_finance(user)):
        summary["exposure"] = credit_exposure_for(partner=partner)
        summary["credit_open"] = (
            CreditApplication.objects.unrestricted("role checked above")
            .filter(partner=partner, status=CreditStatus.SUBMITTED)
            .count()
        )
    channel = user.is_admin or (
        user.role in (Role.CHANNEL_MANAGER, Role.CHANNEL_DIRECTOR) and can_manage
    )
    if own or channel:
        summary["latest_report"] = (
            BusinessReport.objects.unrestricted("role checked above")
            .filter(partner=partner)
            .order_by("-month", "-pk")
            .first()
        )
    return summary


def partner_filter_for(*, user: User, raw: str | None) -> Partner | None:
    """The partner a list is narrowed to by `?partner=` (links from the partner page). A partner
    user may name only their own company; any other company, or a bad value, is a 404."""
    if not raw:
        return None
    pk = parse_id(raw)
    if pk is None or not sees_partner_details(user, pk):
        raise Http404
    return partner_get_for(user=user, pk=pk)


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
    quarter = quarter or Quarter.containing(timezone.localdate())
    met = PartnerVisit.objects.unrestricted("correlated to partners the user manages").filter(
        partner=OuterRef("pk"),
        status=VisitStatus.DONE,
        kind__in=MEETING_KINDS,
        visited_on__gte=quarter.start,
        visited_on__lte=quarter.end,
    )
    return (
        Partner.objects.manageable_by(user)
        .filter(status=PartnerStatus.ACTIVE)
        .exclude(Exists(met))
        .select_related("tier", "channel_manager")
        .order_by("legal_name")
    )
