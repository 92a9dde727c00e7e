"""Reads of deals and leads: a `*_for(user=...)` read is scoped to what the user may see; the
reads for services (won-deal lines, lead distribution) take no user and name why they are
unrestricted."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.scoping import get_scoped_or_404
from partners.choices import PartnerStatus
from partners.models import Partner

from .choices import AVAILABLE_LEAD_STATUSES, PENDING_STATUSES, DealStatus, LeadOfferStatus
from .models import Deal, DealLine, Lead, LeadOffer


def deal_list_base_for(*, user) -> QuerySet[Deal]:
    """The registrations the user may see, for the deal list (`deals.lists.DEAL_LIST` filters,
    sorts and pages them). No per-row aggregate here: it would run over every visible row."""
    return Deal.objects.visible_to(user).select_related("partner")


def deal_line_counts_attach(deals: list[Deal]) -> list[Deal]:
    """Set `line_count` (registered lines) on one page of already scoped deals: one grouped
    query over the page's ids, never over the whole list."""
    counts = dict(
        DealLine.objects.unrestricted("counts the lines of a page of scoped deals")
        .filter(deal_id__in=[d.pk for d in deals], final=False)
        .values("deal_id")
        .annotate(n=Count("pk"))
        .values_list("deal_id", "n")
    )
    for deal in deals:
        deal.line_count = counts.get(deal.pk, 0)
    return deals


def deal_get_for(*, user, pk, action: str = "view") -> Deal:
    return get_scoped_or_404(
        Deal.objects.select_related(
            "partner__tier", "registered_by", "decided_by", "fund_request"
        ).prefetch_related(
            Prefetch("lines", queryset=DealLine.objects.select_related("product__family"))
        ),
        user,
        action,
        pk=pk,
    )


def deal_queue_for(*, user) -> QuerySet[Deal]:
    """Registrations waiting for a decision that this staff user may decide, oldest first."""
    return (
        Deal.objects.manageable_by(user)
        .filter(status__in=PENDING_STATUSES)
        .select_related("partner", "conflict_with__partner")
        .order_by("submitted_at", "pk")
    )


def deal_conflict_pair_for(*, user, deal: Deal) -> Deal | None:
    """The earlier registration a conflicting one collides with — for staff only."""
    if user.is_partner_user or deal.conflict_with_id is None:
        return None
    return deal_get_for(user=user, pk=deal.conflict_with_id)


# Revenue of won deals, defined once: the final lines (the order as won) of the deals whose
# status is won, each worth quantity × unit price in the deal's currency. Other apps read it
# through the functions below; their set-based SQL reads the same rows from the view
# `deals_won_line_v` (deals/migrations/0008_won_line_view.py).
def won_lines(*, reason: str) -> QuerySet[DealLine]:
    """The final lines of won deals, unrestricted for the service `reason` names."""
    return DealLine.objects.unrestricted(reason).filter(final=True, deal__status=DealStatus.WON)


def won_line_amount(prefix: str = "") -> ExpressionWrapper:
    """A won line's revenue, quantity × unit price (`prefix` reaches the line from another model)."""
    return ExpressionWrapper(
        F(f"{prefix}quantity") * F(f"{prefix}unit_price"),
        output_field=DecimalField(max_digits=20, decimal_places=2),
    )


def won_deal_lines(
    *, start: datetime.date, end: datetime.date, partner_ids=None
) -> QuerySet[DealLine]:
    """Final order lines of deals won between `start` and `end` (inclusive): sales lines for rebates.

    Each row: deal_id, partner_id, product_id, sku, family_id, quantity, unit_price, currency,
    closed_on, amount.
    """
    qs = won_lines(reason="sales lines for the rebate calculation").filter(
        deal__closed_on__gte=start,
        deal__closed_on__lte=end,
    )
    if partner_ids is not None:
        qs = qs.filter(deal__partner_id__in=partner_ids)
    return qs.values(
        "deal_id",
        "product_id",
        "quantity",
        "unit_price",
        partner_id=F("deal__partner_id"),
        sku=F("product__sku"),
        family_id=F("product__family_id"),
        currency=F("deal__currency"),
        closed_on=F("deal__closed_on"),
    ).annotate(amount=won_line_amount())


def won_revenue_by_currency(*, partner, exclude_order_numbers) -> list[tuple[str, Decimal]]:
    """(currency, revenue) of the partner's won deals whose order number is not among
    `exclude_order_numbers` (a list or a subquery of numbers). The caller authorised the partner."""
    return list(
        won_lines(reason="the partner was authorised by the caller")
        .filter(deal__partner=partner)
        .exclude(deal__order_number__in=exclude_order_numbers)
        .values("deal__currency")
        .annotate(total=Sum(won_line_amount()))
        .values_list("deal__currency", "total")
    )


_ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=18, decimal_places=2))


def deals_by_fund_request(**filters) -> QuerySet:
    """Deals that reference a fund request (filtered by `filters` on the deal), grouped by request
    and deal currency: `deals`, `won` and `revenue` (of the won deals' final lines, in the deal's
    currency). Unrestricted: the callers pass fund requests the user may see."""
    won = Q(status=DealStatus.WON)
    return (
        Deal.objects.unrestricted("activities' figures; callers pass scoped activities")
        .filter(fund_request__isnull=False, **filters)
        .values("fund_request_id", "fund_request__partner_id", "fund_request__currency", "currency")
        .annotate(
            deals=Count("pk", distinct=True),
            won=Count("pk", filter=won, distinct=True),
            revenue=Coalesce(
                Sum(won_line_amount("lines__"), filter=won & Q(lines__final=True)), _ZERO
            ),
        )
        .order_by()
    )


def deal_stage_counts_for(*, user) -> dict[str, int]:
    rows = Deal.objects.visible_to(user).values("status").annotate(n=Count("pk"))
    return {r["status"]: r["n"] for r in rows}


def deal_protections_expiring_for(*, user, days: int = 14) -> QuerySet[Deal]:
    now = timezone.now()
    return (
        Deal.objects.visible_to(user)
        .filter(
            status=DealStatus.APPROVED,
            protection_ends_at__gt=now,
            protection_ends_at__lte=now + datetime.timedelta(days=days),
        )
        .order_by("protection_ends_at")
    )


# --- leads (DESIGN §4.6) ---------------------------------------------------------------------
def partners_specialized_in(qs: QuerySet, industry: str) -> QuerySet:
    """Partners whose specializations include `industry`; all of them when no industry is named.

    Reads the partner capability map (`Partner.specializations`, DESIGN §2.2).
    """
    industry = (industry or "").strip().lower()
    if not industry:
        return qs
    return qs.filter(specializations__contains=[industry])


def _active_partners_in(region: str) -> QuerySet:
    return Partner.objects.unrestricted("lead distribution covers every partner").filter(
        status=PartnerStatus.ACTIVE, regions__contains=[region]
    )


def lead_exclusive_partners(*, region: str, industry: str) -> list:
    """Core partners (a tier with a lead exclusive window) covering the region and the industry."""
    qs = _active_partners_in(region).filter(tier__lead_exclusive_hours__gt=0)
    return list(partners_specialized_in(qs, industry).select_related("tier").order_by("pk"))


def lead_open_partner_ids(*, region: str) -> list[int]:
    """Once the exclusive window ends: every active partner whose territory covers the region."""
    return list(_active_partners_in(region).order_by("pk").values_list("pk", flat=True))


def lead_offers_for(*, user, show: str = "open") -> QuerySet[LeadOffer]:
    """The leads offered to the user's company (a distributor also sees its dealers', read-only)."""
    qs = LeadOffer.objects.visible_to(user).select_related("lead", "partner")
    if show == "open":
        qs = qs.filter(status=LeadOfferStatus.OFFERED, lead__status__in=AVAILABLE_LEAD_STATUSES)
    return qs.order_by("-offered_at", "-pk")


def lead_list_base_for(*, user) -> QuerySet[Lead]:
    """Staff list of leads with the accepting partner (`deals.lists.LEAD_LIST` filters them)."""
    return Lead.objects.visible_to(user).select_related("accepted_partner")


def lead_offer_counts_attach(leads: list[Lead]) -> list[Lead]:
    """Set `offer_count` and `declined_count` on one page of already scoped leads."""
    rows = (
        LeadOffer.objects.unrestricted("counts the offers of a page of scoped leads")
        .filter(lead_id__in=[lead.pk for lead in leads])
        .values("lead_id")
        .annotate(
            offers=Count("pk"), declined=Count("pk", filter=Q(status=LeadOfferStatus.DECLINED))
        )
    )
    counts = {row["lead_id"]: row for row in rows}
    for lead in leads:
        row = counts.get(lead.pk, {})
        lead.offer_count = row.get("offers", 0)
        lead.declined_count = row.get("declined", 0)
    return leads


def lead_offer_list_for(*, user, lead: Lead) -> QuerySet[LeadOffer]:
    """Staff: every offer of one lead, exclusive ones first."""
    return (
        LeadOffer.objects.visible_to(user)
        .filter(lead=lead)
        .select_related("partner__tier")
        .order_by("-exclusive", "partner__legal_name")
    )


def lead_get_for(*, user, pk) -> Lead:
    return get_scoped_or_404(
        Lead.objects.select_related("accepted_partner", "published_by", "deal"), user, "view", pk=pk
    )


# --- dashboards (DESIGN §8) ------------------------------------------------------------------
CLOSED_AFTER_APPROVAL = (DealStatus.APPROVED, DealStatus.WON, DealStatus.LOST, DealStatus.EXPIRED)


def deal_manager_stats_for(*, user) -> dict:
    """One aggregate over the registrations the staff user manages: queue, SLA, conflicts,
    win rate and the pipeline funnel (registered → approved → won)."""
    now = timezone.now()
    pending = Q(status__in=PENDING_STATUSES)
    row = Deal.objects.manageable_by(user).aggregate(
        waiting=Count("pk", filter=pending),
        sla_breaches=Count("pk", filter=pending & Q(sla_due_at__lt=now)),
        conflicts=Count("pk", filter=Q(status=DealStatus.IN_CONFLICT)),
        escalated=Count("pk", filter=pending & Q(escalated_at__isnull=False)),
        registered=Count("pk", filter=Q(submitted_at__isnull=False)),
        approved=Count("pk", filter=Q(status__in=CLOSED_AFTER_APPROVAL)),
        won=Count("pk", filter=Q(status=DealStatus.WON)),
        lost=Count("pk", filter=Q(status=DealStatus.LOST)),
    )
    closed = row["won"] + row["lost"]
    row["win_rate"] = round(100 * row["won"] / closed) if closed else None
    top = row["registered"] or 1
    row["funnel"] = [
        {"key": key, "count": row[key], "percent": round(100 * row[key] / top)}
        for key in ("registered", "approved", "won")
    ]
    return row


def lead_offer_count_for(*, user) -> int:
    return lead_offers_for(user=user, show="open").count()
