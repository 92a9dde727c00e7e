"""Reads of deals and leads: a `*_for(user=...)` read is scoped to what the user may see; the
reads for services (won-deal lines, lead distribution) take no user and name why they are
unrestricted."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.postgres.search import TrigramWordSimilarity
from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Greatest
from django.http import Http404
from django.utils import timezone

from accounts.scoping import get_scoped_or_404
from core.lists import capped_counts
from core.money import round_money
from core.search import CANDIDATES
from partners.choices import PartnerStatus
from partners.models import Partner, Tier
from partners.selectors import partner_ids_in_exit

from .choices import (
    AVAILABLE_LEAD_STATUSES,
    OPEN_STATUSES,
    PENDING_STATUSES,
    DealStatus,
    LeadOfferStatus,
    PriceLevel,
)
from .filtersets import QUEUE_FLAGS, queue_flag_q
from .models import Deal, DealLine, Lead, LeadOffer, PriceListEntry, Product
from .permissions import price_list_can_manage
from .rules import normalize_customer_name, normalize_tax_id


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


def deals_among_for(*, user, ids) -> QuerySet[Deal]:
    """The deals among `ids` (a list or a subquery of deal ids) this user may see, newest first."""
    return (
        Deal.objects.visible_to(user)
        .filter(pk__in=ids)
        .select_related("partner")
        .order_by("-created_at", "-pk")
    )


def deal_get_for(*, user, pk, action: str = "view") -> Deal:
    return get_scoped_or_404(
        Deal.objects.select_related(
            "partner__tier", "registered_by", "decided_by"
        ).prefetch_related(
            Prefetch("lines", queryset=DealLine.objects.select_related("product__family"))
        ),
        user,
        action,
        pk=pk,
    )


def deal_queue_for(*, user) -> QuerySet[Deal]:
    """Registrations waiting for a decision that this staff user may decide, SLA due first."""
    return (
        Deal.objects.manageable_by(user)
        .filter(status__in=PENDING_STATUSES)
        .select_related("partner", "conflict_with__partner")
        .order_by("sla_due_at", "pk")
    )


def deal_queue_counts(queue: QuerySet[Deal], *, searched: bool = False) -> dict[str, int]:
    """How many of `queue` carry each flag (and `all`), in one statement.

    The whole queue (200,000 pending registrations at full scale, DESIGN §10): each count is
    capped at `COUNT_CAP` + 1 and reads at most that many entries of an index (all and breached:
    `deal_pending_sla_due`; conflicts: by status; the rarer flags: their partial indexes); a count
    above the cap means "more than COUNT_CAP". A `searched` queue is already narrowed by a search
    that reads its matches anyway: one pass over them with a FILTER per flag, exact."""
    now = timezone.now()
    if searched:
        return queue.order_by().aggregate(
            all=Count("pk"),
            **{flag: Count("pk", filter=queue_flag_q(flag, now=now)) for flag in QUEUE_FLAGS},
        )
    return capped_counts(
        {"all": queue, **{flag: queue.filter(queue_flag_q(flag, now=now)) for flag in QUEUE_FLAGS}}
    )


def deal_decidable_for(*, user) -> QuerySet[Deal]:
    """Registrations the staff user may decide on, whatever their status: a bulk decision re-reads
    its selection here, so a row decided meanwhile answers with the service's own refusal."""
    if user.is_partner_user:
        return Deal.objects.none()
    return Deal.objects.manageable_by(user).select_related("partner")


def deal_handover_rows_for(*, user, partner_id: int) -> QuerySet[Deal]:
    """The open registrations of a leaving partner the staff user may hand over (DESIGN §2.9);
    a bulk handover re-reads its selection here."""
    if user.is_partner_user:
        return Deal.objects.none()
    return (
        Deal.objects.manageable_by(user)
        .filter(partner_id=partner_id, status__in=OPEN_STATUSES)
        .select_related("partner", "registered_by")
        .order_by("protection_ends_at", "pk")
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


def deal_stage_counts_for(*, user) -> dict[str, int]:
    # COUNT(*), not COUNT(id): the partner-and-status index then answers alone (a distributor's
    # 5,000 registrations: 1 ms instead of reading each row, 10 ms).
    rows = Deal.objects.visible_to(user).values("status").annotate(n=Count("*"))
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
    # A partner in exit is offered no new lead (DESIGN §2.9).
    return (
        Partner.objects.unrestricted("lead distribution covers every partner")
        .filter(status=PartnerStatus.ACTIVE, regions__contains=[region])
        .exclude(pk__in=partner_ids_in_exit())
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


def lead_offer_list_base_for(*, user) -> QuerySet[LeadOffer]:
    """The offers made to the user's company with their leads (a distributor also sees its
    dealers'); `deals.lists.LEAD_OFFER_LIST` filters and sorts them."""
    return LeadOffer.objects.visible_to(user).select_related("lead", "partner")


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


# --- global search (DESIGN §8.1) --------------------------------------------------------------
# Trigram indexes serve `<%` (word similarity) at any length, `LIKE '%…%'` (contains) only from
# three characters on.
TRIGRAM = 3


def _customer_match(prefix: str, text: str, fingerprint: str, tax_id: str) -> tuple[Q, Any]:
    """The condition a deal or lead matches the search on, and the rank of a match (1 for an
    exact tax ID or name, ½ and up for a name containing the text, else the word similarity: how
    well the text matches the closest stretch of the name, so that a typo still finds it).

    Names compare by the customer fingerprint of DESIGN §4.2 when the model keeps one (deals),
    else by the legal name itself (leads); projects by their name.
    """
    name = f"{prefix}customer_fingerprint" if fingerprint else f"{prefix}customer_name"
    name_text = fingerprint or text
    project = f"{prefix}project_name"
    contains = "contains" if fingerprint else "trigram_contains"
    # Projects only by what they contain: their names share words (项目, project, refresh) far
    # more than customers do, and a fuzzy match on those words would gather half the table.
    match = Q(**{f"{name}__trigram_word_similar": name_text})
    if len(name_text) >= TRIGRAM:
        match |= Q(**{f"{name}__{contains}": name_text})
    if len(text) >= TRIGRAM:
        match |= Q(**{f"{project}__trigram_contains": text})
    exact = Q(**{name: name_text})
    if tax_id:
        match |= Q(**{f"{prefix}customer_tax_id": tax_id})
        exact |= Q(**{f"{prefix}customer_tax_id": tax_id})
    similarity = Greatest(
        TrigramWordSimilarity(name_text, name), TrigramWordSimilarity(text, project)
    )
    rank = Case(
        When(exact, then=Value(1.0)),
        When(Q(**{f"{name}__{contains}": name_text}), then=Value(0.5) + similarity / 2),
        default=similarity,
    )
    return match, rank


def _search_terms(text: str) -> tuple[str, str]:
    """The fingerprint of the text as a customer name, and the text as a tax ID ("" unless it
    looks like one: at least six characters, digits among them)."""
    tax_id = normalize_tax_id(text)
    if len(tax_id) < 6 or not any(c.isdigit() for c in tax_id):
        tax_id = ""
    return normalize_customer_name(text), tax_id


def deal_search_candidates(*, user, text: str) -> QuerySet[Deal]:
    """Ids of at most `CANDIDATES` of the user's registrations matching `text`, in no order: the
    scan stops at the cap, so that a common word never reads, let alone sorts, a million rows."""
    fingerprint, tax_id = _search_terms(text)
    match, _rank = _customer_match("", text, fingerprint, tax_id)
    return Deal.objects.visible_to(user).filter(match).order_by().values("pk")[:CANDIDATES]


def deal_search_for(*, user, text: str, limit: int) -> list[Deal]:
    """The user's registrations whose customer (fingerprint or tax ID) or project matches
    `text`, best first among the candidates."""
    fingerprint, tax_id = _search_terms(text)
    _match, rank = _customer_match("", text, fingerprint, tax_id)
    candidates = deal_search_candidates(user=user, text=text)
    return list(
        Deal.objects.visible_to(user)
        .filter(pk__in=candidates)
        .select_related("partner")
        .annotate(rank=rank)
        .order_by("-rank", "-pk")[:limit]
    )


def lead_search_for(*, user, text: str, limit: int) -> list[Lead]:
    """Leads matching `text` by customer, tax ID or project: staff see every lead, a partner
    user the leads offered to its company (DESIGN §4.6)."""
    _, tax_id = _search_terms(text)
    if user.is_partner_user:
        offers = LeadOffer.objects.visible_to(user)
        match, rank = _customer_match("lead__", text, "", tax_id)
        candidates = offers.filter(match).order_by().values("lead_id")[:CANDIDATES]
        match, rank = _customer_match("", text, "", tax_id)
        leads = Lead.objects.unrestricted("the ids are of leads offered to the user's company")
        leads = leads.filter(pk__in=candidates)
    else:
        match, rank = _customer_match("", text, "", tax_id)
        candidates = (
            Lead.objects.visible_to(user).filter(match).order_by().values("pk")[:CANDIDATES]
        )
        leads = Lead.objects.visible_to(user).filter(pk__in=candidates)
    return list(leads.annotate(rank=rank).order_by("-rank", "-pk")[:limit])


# --- dashboards (DESIGN §8) ------------------------------------------------------------------
CLOSED_AFTER_APPROVAL = (DealStatus.APPROVED, DealStatus.WON, DealStatus.LOST, DealStatus.EXPIRED)


def deal_manager_stats_for(*, user) -> dict:
    """One aggregate over the registrations the staff user manages: queue, SLA, conflicts,
    win rate and the pipeline funnel (registered → approved → won)."""
    return _deal_stats(Deal.objects.manageable_by(user))


def deal_stats_all() -> dict:
    """`deal_manager_stats_for` over every registration: the figure of the administrators' and
    directors' dashboard, precomputed by the minute (deals/dashboard.py)."""
    return _deal_stats(Deal.objects.unrestricted("vendor-wide dashboard figure, no user"))


def _deal_stats(deals: QuerySet[Deal]) -> dict:
    now = timezone.now()
    pending = Q(status__in=PENDING_STATUSES)
    row = deals.aggregate(
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


# --- price lists (DESIGN §4.4) ----------------------------------------------------------------
@dataclass(frozen=True)
class Price:
    """A price of one level on one day, in its currency."""

    amount: Decimal
    currency: str


def _covering(on: datetime.date) -> Q:
    return Q(valid_from__lte=on) & (Q(valid_to__isnull=True) | Q(valid_to__gt=on))


def price_entry_on(
    *, product_id: int, level: str, on: datetime.date, tier_id: int | None = None
) -> PriceListEntry | None:
    """The entry of a level (and tier) effective on `on`, or None."""
    return (
        PriceListEntry.objects.filter(product_id=product_id, level=level, tier_id=tier_id)
        .filter(_covering(on))
        .first()
    )


def price_on(product, level: str, on: datetime.date, tier=None) -> Price | None:
    """The price of `level` for `product` on `on` (None when the price list has none).

    The agreement price of a tier is the guide price of that day less the tier's agreement
    discount (no discount: the guide price).
    """
    product_id = getattr(product, "pk", product)
    if level != PriceLevel.AGREEMENT:
        entry = price_entry_on(product_id=product_id, level=level, on=on)
        return None if entry is None else Price(entry.price, entry.currency)
    guide = price_on(product_id, PriceLevel.GUIDE, on)
    if guide is None:
        return None
    tier_id = getattr(tier, "pk", tier)
    discount = price_entry_on(
        product_id=product_id, level=PriceLevel.AGREEMENT, on=on, tier_id=tier_id
    )
    percent = discount.discount_percent if discount else Decimal("0")
    return Price(agreement_price(guide.amount, percent, guide.currency), guide.currency)


def agreement_price(guide: Decimal, discount_percent: Decimal, currency: str) -> Decimal:
    """List less the tier's agreement discount, rounded to the currency's minor unit."""
    return round_money(guide * (Decimal("100") - discount_percent) / Decimal("100"), currency)


def floor_on(product, on: datetime.date) -> Price | None:
    """The retail floor price effective on `on`."""
    return price_on(product, PriceLevel.FLOOR, on)


def floors_on(product_ids: list[int], on: datetime.date) -> dict[int, PriceListEntry]:
    """The floor entry effective on `on` of each product that has one (one query)."""
    rows = PriceListEntry.objects.filter(
        _covering(on), product_id__in=product_ids, level=PriceLevel.FLOOR
    )
    return {row.product_id: row for row in rows}


def price_list_products_for(*, user) -> QuerySet[Product]:
    """Products whose price lists `user` may read (none for partner users)."""
    if not price_list_can_manage(user):
        return Product.objects.none()
    return Product.objects.select_related("family")


def price_list_product_get_for(*, user, pk: int) -> Product:
    """One product's price list for a permitted user; 404 for anyone else (never 403)."""
    product = price_list_products_for(user=user).filter(pk=pk).first()
    if product is None:
        raise Http404
    return product


def price_list_entries_for(*, user) -> QuerySet[PriceListEntry]:
    """Price list entries `user` may read, newest periods first."""
    if not price_list_can_manage(user):
        return PriceListEntry.objects.none()
    return PriceListEntry.objects.select_related("product", "tier", "created_by").order_by(
        "product__sku", "level", "tier__rank", "-valid_from", "-pk"
    )


def price_list_of(product: Product, *, on: datetime.date | None = None) -> dict[str, Any]:
    """A product's price list as its page shows it: the levels effective on `on` (today), each
    tier's agreement price and the history of every level (two queries)."""
    on = on or timezone.localdate()
    entries = list(
        PriceListEntry.objects.filter(product=product)
        .select_related("tier", "created_by")
        .order_by("level", "tier__rank", "-valid_from", "-pk")
    )
    current = {e.level: e for e in entries if e.tier_id is None and e.covers(on)}
    guide = current.get(PriceLevel.GUIDE)
    discounts = {e.tier_id: e for e in entries if e.level == PriceLevel.AGREEMENT and e.covers(on)}
    tiers = []
    for tier in Tier.objects.order_by("rank"):
        entry = discounts.get(tier.pk)
        percent = entry.discount_percent if entry else None
        tiers.append(
            {
                "tier": tier,
                "entry": entry,
                "discount_percent": percent,
                "price": (
                    agreement_price(guide.price, percent or Decimal("0"), guide.currency)
                    if guide
                    else None
                ),
            }
        )
    return {
        "on": on,
        "guide": guide,
        "floor": current.get(PriceLevel.FLOOR),
        "currency": guide.currency if guide else product.currency,
        "tiers": tiers,
        "history": sorted(entries, key=lambda e: (e.valid_from, e.pk), reverse=True),
        "upcoming": [e for e in entries if e.valid_from > on],
    }
