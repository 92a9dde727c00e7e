"""Reads of MDF data, always starting from what the user may see."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.scoping import get_scoped_or_404, scope_filter
from core.fx import FxRateMissing, fx_convert
from core.money import round_money
from deals.choices import DealStatus
from deals.selectors import deals_among_for, won_line_amount
from partners.models import Partner

from .choices import ALLOCATION_KINDS, LedgerKind, RequestStatus
from .models import ActivityDeal, ApprovalRule, Claim, FundApproval, FundRequest, MdfLedgerEntry

ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=18, decimal_places=2))


def mdf_balance(*, partner) -> Decimal:
    """The available balance: the sum of every ledger entry of the partner."""
    return (
        MdfLedgerEntry.objects.unrestricted("the partner was authorised by the caller")
        .filter(partner=partner)
        .aggregate(total=Coalesce(Sum("amount"), ZERO))["total"]
    )


def mdf_summary(*, partner) -> dict[str, Decimal]:
    """Balance plus its parts: allocated, reserved (open), reimbursed, expired."""
    entries = MdfLedgerEntry.objects.unrestricted(
        "the partner was authorised by the caller"
    ).filter(partner=partner)

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


def fund_request_list_base_for(*, user) -> QuerySet[FundRequest]:
    """The MDF requests of the list (`funds.lists.FUND_REQUEST_LIST` filters and sorts them);
    approvals are counted for the page only (`fund_request_approvals_attach`)."""
    return FundRequest.objects.visible_to(user).select_related("partner")


def fund_request_approvals_attach(requests: list[FundRequest]) -> list[FundRequest]:
    """Set `approval_count` on one page of requests the user may already see."""
    counts = dict(
        FundApproval.objects.unrestricted("counts the approvals of a page of requests")
        .filter(fund_request_id__in=[r.pk for r in requests])
        .values("fund_request_id")
        .annotate(n=Count("pk"))
        .values_list("fund_request_id", "n")
    )
    for fund_request in requests:
        fund_request.approval_count = counts.get(fund_request.pk, 0)
    return requests


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
    """Requests awaiting approval (`funds.lists.FUND_REQUEST_QUEUE_LIST` filters and sorts them);
    approvals are counted for the page only (`fund_request_approvals_attach`)."""
    return (
        FundRequest.objects.visible_to(user)
        .filter(status=RequestStatus.SUBMITTED)
        .select_related("partner")
    )


def fund_request_decidable_for(*, user) -> QuerySet[FundRequest]:
    """Requests a staff user may decide on, whatever their status: a bulk decision re-reads its
    selection here, and each request's service says whether this user may approve it now."""
    if user.is_partner_user:
        return FundRequest.objects.none()
    return FundRequest.objects.visible_to(user).select_related("partner")


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


# Ledger kinds whose sum (negated) is the vendor funds used: reimbursed plus still reserved.
USED_KINDS = (LedgerKind.RESERVATION, LedgerKind.RELEASE, LedgerKind.REIMBURSEMENT)
ATTRIBUTABLE_STATUSES = (RequestStatus.APPROVED, RequestStatus.CLAIMED, RequestStatus.RELEASED)


def attributable_requests_for(*, partner_id) -> QuerySet[FundRequest]:
    """The company's approved (or since claimed or released) activities a deal may reference."""
    if partner_id is None:
        return FundRequest.objects.none()
    return (
        FundRequest.objects.unrestricted("the deal's own company, given by the caller")
        .filter(partner_id=partner_id, status__in=ATTRIBUTABLE_STATUSES)
        .order_by("-start_date", "-pk")
    )


def deal_activities(deal_ids) -> dict[int, FundRequest]:
    """The MDF activity each of these deals came from (for the deal pages and API)."""
    return {
        link.deal_id: link.fund_request
        for link in ActivityDeal.objects.unrestricted("deals the caller has already scoped")
        .filter(deal_id__in=list(deal_ids))
        .select_related("fund_request")
    }


def activity_deals_for(*, user, fund_request: FundRequest) -> QuerySet:
    """The deals the activity brought that this user may see, newest first."""
    return deals_among_for(user=user, ids=fund_request.activity_deals.values("deal_id"))


def _linked_deal_figures(**filters) -> QuerySet:
    """Deals that came from activities (`filters` on the link), grouped by activity and deal
    currency: `deals`, `won` and `revenue` (of the won deals' final lines, in the deal's currency,
    as deals defines won revenue). Unrestricted: the callers pass activities the user may see."""
    won = Q(deal__status=DealStatus.WON)
    return (
        ActivityDeal.objects.unrestricted("activities' figures; callers pass scoped activities")
        .filter(**filters)
        .annotate(currency=F("deal__currency"))
        .values("fund_request_id", "fund_request__partner_id", "fund_request__currency", "currency")
        .annotate(
            deals=Count("deal_id", distinct=True),
            won=Count("deal_id", filter=won, distinct=True),
            revenue=Coalesce(
                Sum(won_line_amount("deal__lines__"), filter=won & Q(deal__lines__final=True)),
                ZERO,
            ),
        )
        .order_by()
    )


def _convert(amount: Decimal, base: str, quote: str) -> Decimal:
    """Convert at today's rate; an amount without a rate counts as nothing rather than failing."""
    if base == quote or not amount:
        return amount
    try:
        return fx_convert(amount, base, quote, timezone.localdate())
    except FxRateMissing:
        return Decimal("0")


def linked_deals_by_request(*, fund_request_ids) -> dict[int, dict]:
    """Per activity: deals referencing it, how many were won and their revenue (its currency)."""
    totals: dict[int, dict] = {}
    for row in _linked_deal_figures(fund_request_id__in=list(fund_request_ids)):
        bucket = totals.setdefault(
            row["fund_request_id"], {"deals": 0, "won": 0, "revenue": Decimal("0")}
        )
        bucket["deals"] += row["deals"]
        bucket["won"] += row["won"]
        bucket["revenue"] += _convert(
            row["revenue"], row["currency"], row["fund_request__currency"]
        )
    return totals


def _ratio(revenue: Decimal, spent: Decimal | None) -> Decimal | None:
    return (revenue / spent).quantize(Decimal("0.01"), ROUND_HALF_UP) if spent else None


def activity_results(*, fund_request: FundRequest) -> dict:
    """Leads, referencing deals, attributed revenue and ROI of one activity (DESIGN §7).

    Revenue is the won deals that reference the activity plus any other revenue recorded for it;
    ROI divides it by the vendor funds used: the reimbursement once validated, the approved
    amount while it is reserved, nothing once released unclaimed.
    """
    result = getattr(fund_request, "result", None)
    claim = getattr(fund_request, "claim", None)
    linked = linked_deals_by_request(fund_request_ids=[fund_request.pk]).get(
        fund_request.pk, {"deals": 0, "won": 0, "revenue": Decimal("0")}
    )
    other = result.deal_revenue if result is not None else Decimal("0")
    if result is not None:
        leads = result.leads_count
    else:
        leads = claim.leads_generated if claim is not None else 0
    if claim is not None and claim.reimbursement_amount is not None:
        spent = claim.reimbursement_amount
    elif fund_request.status == RequestStatus.APPROVED:
        spent = fund_request.approved_amount  # still reserved for the activity
    else:
        spent = None  # never approved, or released unclaimed: no vendor funds went into it
    revenue = linked["revenue"] + other
    has_results = result is not None or linked["deals"] > 0
    return {
        "leads": leads,
        "deals": linked["deals"],
        "won": linked["won"],
        "deal_revenue": linked["revenue"],
        "other_revenue": other,
        "revenue": revenue,
        "spent": spent,
        "roi": _ratio(revenue, spent) if has_results else None,
    }


def activity_roi(*, fund_request: FundRequest) -> Decimal | None:
    """Attributed revenue per unit of vendor funds used (see `activity_results`)."""
    return activity_results(fund_request=fund_request)["roi"]


def _partner_figures(partner_ids, currencies: dict[int, str]) -> dict[int, dict]:
    """Leads, attributed revenue (won referencing deals + other) per partner, in its currency."""
    from .models import ActivityResult

    figures = {pk: {"leads": 0, "revenue": Decimal("0")} for pk in partner_ids}
    for row in (
        ActivityResult.objects.unrestricted("partners authorised by the caller")
        .filter(fund_request__partner_id__in=partner_ids)
        .values("fund_request__partner_id", "fund_request__currency")
        .annotate(
            leads=Coalesce(Sum("leads_count"), 0), revenue=Coalesce(Sum("deal_revenue"), ZERO)
        )
        .order_by()
    ):
        pk = row["fund_request__partner_id"]
        figures[pk]["leads"] += row["leads"]
        figures[pk]["revenue"] += _convert(
            row["revenue"], row["fund_request__currency"], currencies[pk]
        )
    for row in _linked_deal_figures(fund_request__partner_id__in=partner_ids):
        pk = row["fund_request__partner_id"]
        figures[pk]["revenue"] += _convert(row["revenue"], row["currency"], currencies[pk])
    return figures


def partner_roi(*, partner) -> dict:
    """Leads, attributed revenue, funds used (reimbursed + still reserved) and their ratio."""
    figures = _partner_figures([partner.pk], {partner.pk: partner.contract_currency})[partner.pk]
    spent = (
        -MdfLedgerEntry.objects.unrestricted("the partner was authorised by the caller")
        .filter(partner=partner, kind__in=USED_KINDS)
        .aggregate(total=Coalesce(Sum("amount"), ZERO))["total"]
    )
    return {
        "leads": figures["leads"],
        "revenue": figures["revenue"],
        "spent": spent,
        "roi": _ratio(figures["revenue"], spent),
    }


def roi_by_partner(*, partner_ids) -> dict[int, Decimal]:
    """{partner id: ROI} as `partner_roi` computes it, for many partners at once; partners that
    have used no funds are absent."""
    spent = {
        row["partner_id"]: -row["total"]
        for row in MdfLedgerEntry.objects.unrestricted("partners authorised by the caller")
        .filter(partner_id__in=list(partner_ids), kind__in=USED_KINDS)
        .values("partner_id")
        .annotate(total=Sum("amount"))
        .order_by()
        if row["total"]
    }
    currencies = dict(
        Partner.objects.unrestricted("partners authorised by the caller")
        .filter(pk__in=list(spent))
        .values_list("pk", "contract_currency")
    )
    figures = _partner_figures(list(currencies), currencies)
    return {pk: _ratio(figures[pk]["revenue"], amount) for pk, amount in spent.items()}


def _ledger_sum(kinds=None) -> Coalesce:
    """A correlated sum of the row's partner's ledger entries (of `kinds`, or all of them)."""
    rows = MdfLedgerEntry.objects.unrestricted("correlated to the scoped partners").filter(
        partner=OuterRef("pk")
    )
    if kinds is not None:
        rows = rows.filter(kind__in=kinds)
    total = rows.order_by().values("partner").annotate(total=Sum("amount")).values("total")
    return Coalesce(Subquery(total), ZERO)


def partner_roi_list_for(*, user):
    """Partners the staff user sees that have MDF, with allocated and used funds and balance.

    Each figure is a correlated subquery: a page sorted by name sums its own partners' entries,
    not the ledger of every partner before paging (DESIGN §10)."""
    has_entries = Exists(
        MdfLedgerEntry.objects.unrestricted("correlated to the scoped partners").filter(
            partner=OuterRef("pk")
        )
    )
    return (
        Partner.objects.visible_to(user)
        .filter(has_entries)
        .annotate(
            allocated=_ledger_sum(ALLOCATION_KINDS),
            used=-_ledger_sum(USED_KINDS),
            balance=_ledger_sum(),
            activities=Coalesce(
                Subquery(
                    FundRequest.objects.unrestricted("correlated to the scoped partners")
                    .filter(partner=OuterRef("pk"), status__in=ATTRIBUTABLE_STATUSES)
                    .order_by()
                    .values("partner")
                    .annotate(n=Count("pk"))
                    .values("n")
                ),
                0,
            ),
        )
        .select_related("tier")
        .order_by("legal_name", "pk")
    )


def partner_roi_count_for(*, user) -> int:
    """How many partners `partner_roi_list_for` lists. For a user who sees every partner: the
    ledger's distinct partners, read in order from its partner index (10 ms over 100,000 entries)
    rather than a probe per partner (20 ms, DESIGN §10); a narrower scope counts its own rows."""
    if scope_filter(Partner, user, "view") is not None:
        return partner_roi_list_for(user=user).count()
    return (
        MdfLedgerEntry.objects.unrestricted("the user sees every partner")
        .order_by()
        .values("partner_id")
        .distinct()
        .count()
    )


def partner_roi_rows(partners) -> list:
    """Attach leads, attributed revenue and ROI to one page of `partner_roi_list_for` rows."""
    partners = list(partners)
    figures = _partner_figures(
        [p.pk for p in partners], {p.pk: p.contract_currency for p in partners}
    )
    for partner in partners:
        partner.leads = figures[partner.pk]["leads"]
        partner.revenue = figures[partner.pk]["revenue"]
        partner.roi = _ratio(partner.revenue, partner.used)
    return partners


def mdf_utilisation_for(*, user) -> dict:
    """Across the partners a staff user sees, in CNY: allocated, used (reserved + reimbursed), ROI."""
    return _mdf_utilisation(lambda model: model.objects.visible_to(user))


def mdf_utilisation_all() -> dict:
    """`mdf_utilisation_for` over every partner: the figure of the staff dashboards, precomputed
    each minute (funds/dashboard.py)."""
    return _mdf_utilisation(
        lambda model: model.objects.unrestricted("vendor-wide dashboard figure, no user")
    )


def _mdf_utilisation(rows) -> dict:
    from .models import ActivityResult

    base = settings.PRM_BASE_CURRENCY
    sums = {"allocated": Decimal("0"), "reimbursed": Decimal("0"), "reserved": Decimal("0")}
    for row in (
        rows(MdfLedgerEntry)
        .values("currency")
        .annotate(
            allocated=Coalesce(Sum("amount", filter=Q(kind__in=ALLOCATION_KINDS)), ZERO),
            reimbursed=Coalesce(Sum("amount", filter=Q(kind=LedgerKind.REIMBURSEMENT)), ZERO),
            reserved=Coalesce(
                Sum("amount", filter=Q(kind__in=[LedgerKind.RESERVATION, LedgerKind.RELEASE])),
                ZERO,
            ),
        )
        .order_by()
    ):
        for key in sums:
            sums[key] += _convert(row[key], row["currency"], base)
    revenue = Decimal("0")
    for row in (
        rows(ActivityResult)
        .values("fund_request__currency")
        .annotate(total=Coalesce(Sum("deal_revenue"), ZERO))
        .order_by()
    ):
        revenue += _convert(row["total"], row["fund_request__currency"], base)
    visible = rows(FundRequest).values("pk")
    for row in _linked_deal_figures(fund_request__in=visible):
        revenue += _convert(row["revenue"], row["currency"], base)
    used = -(sums["reimbursed"] + sums["reserved"])
    allocated = sums["allocated"]
    return {
        "currency": base,
        "allocated": round_money(allocated, base),
        "used": round_money(used, base),
        "percent": min(100, int(used * 100 / allocated)) if allocated > 0 else 0,
        "revenue": round_money(revenue, base),
        "roi": _ratio(revenue, used),
        "pending": rows(FundRequest).filter(status=RequestStatus.SUBMITTED).count(),
    }
