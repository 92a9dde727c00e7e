"""Reads of deal registration, always scoped to what the user may see."""

from __future__ import annotations

import datetime

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.scoping import get_scoped_or_404

from .choices import PENDING_STATUSES, DealStatus
from .models import Deal, DealLine, Product


def deal_list_for(*, user, filters: dict | None = None) -> QuerySet[Deal]:
    filters = filters or {}
    qs = Deal.objects.visible_to(user).select_related("partner", "registered_by")
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("q"):
        q = filters["q"]
        qs = qs.filter(Q(customer_name__icontains=q) | Q(project_name__icontains=q))
    if filters.get("region"):
        qs = qs.filter(customer_region=filters["region"])
    return qs.annotate(line_count=Count("lines", filter=Q(lines__final=False))).order_by(
        "-created_at", "-pk"
    )


def deal_get_for(*, user, pk, action: str = "view") -> Deal:
    qs = Deal.objects.select_related(
        "partner__tier", "registered_by", "decided_by", "fund_request"
    ).prefetch_related(
        Prefetch("lines", queryset=DealLine.objects.select_related("product__family"))
    )
    return get_scoped_or_404(qs, user, action, pk=pk)


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


def products_active() -> QuerySet[Product]:
    return Product.objects.filter(is_active=True).select_related("family")


def won_deal_lines(
    *, start: datetime.date, end: datetime.date, partner_ids=None
) -> QuerySet[DealLine]:
    """Final order lines of deals won between `start` and `end` (inclusive): sales lines for rebates.

    Each row: deal_id, partner_id, product_id, sku, family_id, quantity, unit_price, currency,
    closed_on, amount.
    """
    qs = DealLine.objects.filter(
        final=True,
        deal__status=DealStatus.WON,
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
    ).annotate(amount=F("quantity") * F("unit_price"))


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
