"""Reads of MDF data, always starting from what the user may see."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from accounts.scoping import get_scoped_or_404

from .choices import ALLOCATION_KINDS, LedgerKind, RequestStatus
from .models import ApprovalRule, Claim, FundRequest, MdfLedgerEntry

ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=18, decimal_places=2))


def mdf_balance(*, partner) -> Decimal:
    """The available balance: the sum of every ledger entry of the partner."""
    return MdfLedgerEntry.objects.filter(partner=partner).aggregate(
        total=Coalesce(Sum("amount"), ZERO)
    )["total"]


def mdf_summary(*, partner) -> dict[str, Decimal]:
    """Balance plus its parts: allocated, reserved (open), reimbursed, expired."""
    entries = MdfLedgerEntry.objects.filter(partner=partner)

    def total(*kinds) -> Q:
        return Coalesce(Sum("amount", filter=Q(kind__in=kinds)), ZERO)

    sums = entries.aggregate(
        balance=Coalesce(Sum("amount"), ZERO),
        allocated=total(*ALLOCATION_KINDS),
        reserved=total(LedgerKind.RESERVATION, LedgerKind.RELEASE),
        reimbursed=total(LedgerKind.REIMBURSEMENT),
        expired=total(LedgerKind.EXPIRY),
    )
    return {
        "balance": sums["balance"],
        "allocated": sums["allocated"],
        "reserved": -sums["reserved"],
        "reimbursed": -sums["reimbursed"],
        "expired": -sums["expired"],
    }


def mdf_entry_list_for(*, user, partner=None) -> QuerySet[MdfLedgerEntry]:
    entries = MdfLedgerEntry.objects.visible_to(user).select_related(
        "partner", "created_by", "fund_request"
    )
    if partner is not None:
        entries = entries.filter(partner=partner)
    return entries


def fund_request_list_for(*, user, status: str = "", partner_id=None) -> QuerySet[FundRequest]:
    requests = FundRequest.objects.visible_to(user).select_related("partner", "claim")
    if status:
        requests = requests.filter(status=status)
    if partner_id:
        requests = requests.filter(partner_id=partner_id)
    return requests.annotate(approval_count=Count("approvals")).order_by("-submitted_at", "-pk")


def fund_request_get_for(*, user, pk) -> FundRequest:
    return get_scoped_or_404(
        FundRequest.objects.select_related("partner", "submitted_by"), user, "view", pk=pk
    )


def fund_request_queue_for(*, user) -> QuerySet[FundRequest]:
    return fund_request_list_for(user=user, status=RequestStatus.SUBMITTED).order_by("submitted_at")


def claim_list_for(*, user, status: str = "") -> QuerySet[Claim]:
    claims = Claim.objects.visible_to(user).select_related("fund_request__partner")
    if status:
        claims = claims.filter(status=status)
    return claims


def claim_get_for(*, user, pk) -> Claim:
    return get_scoped_or_404(
        Claim.objects.select_related("fund_request__partner"), user, "view", pk=pk
    )


def approval_rule_for(*, amount_cny: Decimal) -> ApprovalRule:
    """The first matrix row whose limit covers the amount (the open-ended row last)."""
    for rule in ApprovalRule.objects.all():
        if rule.max_amount_cny is None or amount_cny <= rule.max_amount_cny:
            return rule
    raise ApprovalRule.DoesNotExist("The MDF approval matrix has no row for this amount.")


def activity_roi(*, fund_request: FundRequest) -> Decimal | None:
    """Attributed deal revenue per unit of vendor funds spent (reimbursed, else approved)."""
    result = getattr(fund_request, "result", None)
    claim = getattr(fund_request, "claim", None)
    spent = (
        claim.reimbursement_amount
        if claim is not None and claim.reimbursement_amount is not None
        else fund_request.approved_amount
    )
    if result is None or not spent:
        return None
    return (result.deal_revenue / spent).quantize(Decimal("0.01"))


def partner_roi(*, partner) -> dict:
    """Leads, attributed revenue, reimbursed funds and their ratio for one partner."""
    from .models import ActivityResult

    results = ActivityResult.objects.filter(fund_request__partner=partner).aggregate(
        leads=Coalesce(Sum("leads_count"), 0), revenue=Coalesce(Sum("deal_revenue"), ZERO)
    )
    spent = -MdfLedgerEntry.objects.filter(
        partner=partner, kind=LedgerKind.REIMBURSEMENT
    ).aggregate(total=Coalesce(Sum("amount"), ZERO))["total"]
    roi = (results["revenue"] / spent).quantize(Decimal("0.01")) if spent else None
    return {"leads": results["leads"], "revenue": results["revenue"], "spent": spent, "roi": roi}


def mdf_utilisation_for(*, user) -> dict:
    """Across the partners a staff user sees: allocated, used (reserved + reimbursed), ROI."""
    from .models import ActivityResult

    entries = MdfLedgerEntry.objects.visible_to(user)
    sums = entries.aggregate(
        allocated=Coalesce(Sum("amount", filter=Q(kind__in=ALLOCATION_KINDS)), ZERO),
        reimbursed=Coalesce(Sum("amount", filter=Q(kind=LedgerKind.REIMBURSEMENT)), ZERO),
        reserved=Coalesce(
            Sum("amount", filter=Q(kind__in=[LedgerKind.RESERVATION, LedgerKind.RELEASE])), ZERO
        ),
    )
    used = -(sums["reimbursed"] + sums["reserved"])
    revenue = ActivityResult.objects.visible_to(user).aggregate(
        total=Coalesce(Sum("deal_revenue"), ZERO)
    )["total"]
    reimbursed = -sums["reimbursed"]
    return {
        "allocated": sums["allocated"],
        "used": used,
        "percent": min(100, int(used * 100 / sums["allocated"])) if sums["allocated"] else 0,
        "revenue": revenue,
        "roi": (revenue / reimbursed).quantize(Decimal("0.01")) if reimbursed else None,
        "pending": FundRequest.objects.visible_to(user)
        .filter(status=RequestStatus.SUBMITTED)
        .count(),
    }
