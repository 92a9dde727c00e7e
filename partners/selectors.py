"""Reads of the partners domain, always scoped to what the user may see."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
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

from .choices import (
    MEETING_KINDS,
    AgreementStatus,
    CreditKind,
    CreditStatus,
    PartnerStatus,
    ProposalStatus,
    VisitStatus,
)
from .figures import figure
from .models import (
    Agreement,
    AgreementReview,
    BusinessReport,
    ComplianceViolation,
    CreditApplication,
    NpsResponse,
    Partner,
    PartnerApplication,
    PartnerVisit,
    Scorecard,
    ScorecardWeights,
    TierChange,
    TierEvaluation,
)
from .rules import DETRACTOR_UP_TO, PROMOTER_FROM, normalise_specialization, nps_from_counts


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


# --- tiers, scorecards, NPS and specializations (DESIGN §2.2–§2.4) ----------------------------


def tier_proposal_list_for(*, user: User, status: str = ProposalStatus.PENDING):
    """Tier proposals of the partners the user manages (administrators and directors: all)."""
    return (
        TierEvaluation.objects.manageable_by(user)
        .filter(status=status)
        .select_related("partner", "current_tier", "qualified_tier", "proposed_tier", "decided_by")
        .order_by("-quarter", "partner__legal_name")
    )


def tier_proposal_get_for(*, user: User, pk) -> TierEvaluation:
    """A proposal the user may decide on; 404 for anything else."""
    return get_scoped_or_404(
        TierEvaluation.objects.exclude(status=ProposalStatus.NONE).select_related(
            "partner", "current_tier", "qualified_tier", "proposed_tier", "decided_by"
        ),
        user,
        "manage",
        pk=pk,
    )


def tier_evaluation_list_for(*, user: User, partner: Partner | None = None):
    qs = TierEvaluation.objects.visible_to(user).select_related(
        "partner", "current_tier", "qualified_tier", "proposed_tier", "decided_by"
    )
    return qs.filter(partner=partner) if partner is not None else qs


def tier_history_for(*, user: User, partner: Partner):
    return (
        TierChange.objects.visible_to(user)
        .filter(partner=partner)
        .select_related("from_tier", "to_tier", "changed_by", "evaluation")
    )


def scorecard_weights_current() -> ScorecardWeights:
    """The weights in force: the latest saved row, or the defaults of DESIGN §2.4 (unsaved)."""
    return ScorecardWeights.objects.order_by("-created_at", "-pk").first() or ScorecardWeights()


def scorecard_list_for(*, user: User, partner: Partner | None = None):
    qs = Scorecard.objects.visible_to(user).select_related("partner", "evaluated_by")
    return qs.filter(partner=partner) if partner is not None else qs


def scorecard_get_for(*, user: User, pk) -> Scorecard:
    return get_scoped_or_404(
        Scorecard.objects.select_related("partner", "evaluated_by"), user, pk=pk
    )


def nps_response_list_for(
    *, user: User, partner: Partner | None = None, quarter: str = ""
) -> QuerySet[NpsResponse]:
    qs = NpsResponse.objects.visible_to(user).select_related("partner", "recorded_by")
    if partner is not None:
        qs = qs.filter(partner=partner)
    if quarter:
        qs = qs.filter(quarter=quarter)
    return qs


def _nps_rows(responses: QuerySet[NpsResponse]):
    return (
        responses.values("partner_id", "quarter")
        .annotate(
            responses=Count("id"),
            promoters=Count("id", filter=Q(score__gte=PROMOTER_FROM)),
            detractors=Count("id", filter=Q(score__lte=DETRACTOR_UP_TO)),
        )
        .order_by("partner_id", "-quarter")
    )


def partner_nps(*, partner: Partner, quarter: Quarter | str) -> int | None:
    """The partner's NPS from the answers of one quarter; None when nobody answered."""
    rows = list(
        _nps_rows(
            NpsResponse.objects.unrestricted("the partner was authorised by the caller").filter(
                partner=partner, quarter=str(quarter)
            )
        )
    )
    if not rows:
        return None
    row = rows[0]
    return nps_from_counts(
        promoters=row["promoters"], detractors=row["detractors"], responses=row["responses"]
    )


def partner_nps_by_quarter(*, partner: Partner) -> list[dict]:
    """[{quarter, responses, promoters, detractors, nps}] newest first."""
    return [
        row
        | {"nps": nps_from_counts(**{k: row[k] for k in ("promoters", "detractors", "responses")})}
        for row in _nps_rows(
            NpsResponse.objects.unrestricted("the partner was authorised by the caller").filter(
                partner=partner
            )
        )
    ]


def partner_nps_latest(*, partner_ids=None, up_to: Quarter | None = None) -> dict[int, int]:
    """{partner id: NPS} of each partner's latest surveyed quarter (up to `up_to` when given)."""
    responses = NpsResponse.objects.unrestricted("tier evaluation and dashboards, by partner ids")
    if partner_ids is not None:
        responses = responses.filter(partner_id__in=list(partner_ids))
    if up_to is not None:
        responses = responses.filter(quarter__lte=str(up_to))
    latest: dict[int, int] = {}
    for row in _nps_rows(responses):
        if row["partner_id"] not in latest:
            latest[row["partner_id"]] = nps_from_counts(
                promoters=row["promoters"],
                detractors=row["detractors"],
                responses=row["responses"],
            )
    return latest


def partner_nps_sql() -> str:
    """SQL relation (partner_id, nps): each partner's NPS of its latest surveyed quarter, computed
    like `nps_from_counts` (PostgreSQL's round() also takes halves away from zero)."""
    return f"""
        SELECT DISTINCT ON (partner_id) partner_id::bigint AS partner_id, nps::int AS nps
        FROM (
            SELECT partner_id, quarter,
                   round((count(*) FILTER (WHERE score >= {PROMOTER_FROM})
                          - count(*) FILTER (WHERE score <= {DETRACTOR_UP_TO})) * 100.0
                         / count(*)) AS nps
            FROM partners_npsresponse
            GROUP BY partner_id, quarter
        ) per_quarter
        ORDER BY partner_id, quarter DESC
    """  # noqa: S608 (constants only)


def partners_with_specialization(*, user: User, tags: list[str] | str, match_all: bool = False):
    """Partners the user may see that carry the specialization tag(s): any of them by default,
    all of them with `match_all` (the capability map leads are matched on, DESIGN §2.2)."""
    wanted = [tags] if isinstance(tags, str) else list(tags)
    wanted = [normalise_specialization(tag) for tag in wanted if tag.strip()]
    qs = Partner.objects.visible_to(user).filter(status=PartnerStatus.ACTIVE)
    if not wanted:
        return qs.none()
    lookup = "specializations__contains" if match_all else "specializations__overlap"
    return qs.filter(**{lookup: wanted}).select_related("tier")


# --- agreements, credit limits, business reports and visits (DESIGN §2.5, §2.6, §2.8) ---------

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
