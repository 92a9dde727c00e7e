"""Writes of deal registration (DESIGN §4): every transition is atomic, locked and audited."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from accounts.models import User
from core.audit import audit_record, diff, snapshot
from core.business_days import add_business_days
from core.fx import FxRateMissing, fx_rate
from core.locks import advisory_xact_lock
from core.money import round_money
from core.notifications import Audience, notify, partner_recipients
from partners.choices import ViolationKind
from partners.services import compliance_violation_draft_create

from .attribution import attributable_requests_for
from .choices import AVAILABLE_LEAD_STATUSES, DealStatus, LeadOfferStatus, LeadStatus
from .models import Deal, DealLine, DealSettings, Lead, LeadOffer
from .permissions import DealDecision, deal_can_register, deal_decision_refusal
from .rules import normalize_customer_name, normalize_tax_id

TRACKED = [
    "status",
    "decided_at",
    "protection_ends_at",
    "conflict_with_id",
    "decision_reason",
    "cross_region",
    "below_floor",
    "price_check_held",
]


def _locked(deal: Deal) -> Deal:
    return (
        Deal.objects.select_for_update(of=("self",))
        .select_related("partner__tier", "partner__channel_manager")
        .get(pk=deal.pk)
    )


def _require(deal: Deal, *statuses: str) -> None:
    if deal.status not in statuses:
        raise ValidationError(
            _("This registration is %(status)s; the action is not allowed.")
            % {"status": deal.get_status_display()}
        )


def _deal_recipients(deal: Deal) -> list[User]:
    """A registration's news goes to its registrant and the partner admins, not to every seller."""
    return partner_recipients(
        partner=deal.partner_id, audience=Audience.ADMINS, people=[deal.registered_by_id]
    )


def _managers(deal: Deal) -> list[User]:
    manager = deal.partner.channel_manager
    if manager is not None:
        return [manager]
    return list(User.objects.filter(role=Role.CHANNEL_DIRECTOR, is_active=True))


def _directors() -> list[User]:
    return list(User.objects.filter(role=Role.CHANNEL_DIRECTOR, is_active=True))


def _url(deal: Deal) -> str:
    return reverse("deals:detail", args=[deal.pk])


# --- drafts ----------------------------------------------------------------------------------
def _check_fund_request(deal: Deal) -> None:
    """A deal may reference only an approved or claimed MDF activity of its own company."""
    if deal.fund_request_id is None:
        return
    if (
        not attributable_requests_for(partner_id=deal.partner_id)
        .filter(pk=deal.fund_request_id)
        .exists()
    ):
        raise ValidationError(
            {"fund_request": _("Choose an approved MDF activity of your own company.")}
        )


@transaction.atomic
def deal_draft_save(
    *, actor: User, data: dict, lines: list[dict], deal: Deal | None = None
) -> Deal:
    """Create or update a draft with its lines (replaced as a whole)."""
    if not deal_can_register(actor, partner_id=deal.partner_id if deal else actor.partner_id):
        raise PermissionDenied
    if deal is None:
        deal = Deal(partner_id=actor.partner_id, registered_by=actor)
        action = "deal.created"
    else:
        deal = _locked(deal)
        _require(deal, DealStatus.DRAFT)
        action = "deal.updated"
    for field, value in data.items():
        setattr(deal, field, value)
    _check_fund_request(deal)
    deal.full_clean(exclude=["partner", "registered_by"])
    deal.save()
    deal.lines.all().delete()
    DealLine.objects.bulk_create(
        DealLine(
            deal=deal,
            product=line["product"],
            quantity=line["quantity"],
            unit_price=line["unit_price"],
        )
        for line in lines
    )
    audit_record(actor=actor, action=action, obj=deal)
    return deal


# --- submit and conflict detection -----------------------------------------------------------
CONFLICT_SQL = """
SELECT d.id
FROM deals_deal d
WHERE d.partner_id <> %(partner)s
  AND d.id <> %(deal)s
  AND d.status IN ('submitted', 'in_conflict', 'approved')
  AND (d.protection_ends_at IS NULL OR d.protection_ends_at > %(now)s)
  AND ({match})
  AND EXISTS (
        SELECT 1 FROM deals_dealline l JOIN deals_product p ON p.id = l.product_id
        WHERE l.deal_id = d.id AND p.family_id = ANY(%(families)s)
  )
ORDER BY d.submitted_at, d.id
LIMIT 1
"""
NAME_MATCH = (
    "(d.customer_fingerprint %% %(fingerprint)s"
    " AND similarity(d.customer_fingerprint, %(fingerprint)s) >= %(threshold)s)"
)
# Spelled so that the partial tax-ID index (customer_tax_id <> '') is provably usable.
TAX_ID_MATCH = "(d.customer_tax_id = %(tax_id)s AND d.customer_tax_id <> '')"


def conflict_sql(*, with_tax_id: bool) -> str:
    match = f"{TAX_ID_MATCH} OR {NAME_MATCH}" if with_tax_id else NAME_MATCH
    return CONFLICT_SQL.replace("{match}", match)


def deal_conflict_find(
    *,
    deal_id: int,
    partner_id: int,
    fingerprint: str,
    tax_id: str,
    family_ids: list[int],
    threshold: Decimal | float | None = None,
) -> int | None:
    """The earliest open registration of another partner for the same customer and product family.

    Uses the trigram GIN index through `%` (with `pg_trgm.similarity_threshold` set for this
    transaction) and the tax-ID index; the exact `similarity()` re-check makes the threshold exact.
    """
    if threshold is None:
        threshold = DealSettings.current().similarity_threshold
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pg_trgm.similarity_threshold', %s, true)", [str(threshold)]
        )
        cursor.execute(
            conflict_sql(with_tax_id=bool(tax_id)),
            {
                "partner": partner_id,
                "deal": deal_id,
                "now": timezone.now(),
                "tax_id": tax_id,
                "fingerprint": fingerprint,
                "threshold": float(threshold),
                "families": family_ids,
            },
        )
        row = cursor.fetchone()
    return row[0] if row else None


SUBMIT_FIELDS = [
    "customer_fingerprint",
    "customer_tax_id",
    "cross_region",
    "below_floor",
    "price_check_held",
    "submitted_at",
    "sla_due_at",
    "conflict_with",
    "status",
    "updated_at",
]


def _lock_product_families(family_ids: list[int]) -> None:
    """Serialize the conflict checks of registrations sharing a product family.

    Two registrations conflict only when they share a family, so whatever their names (similar,
    not only identical) or tax IDs, the second waits for the first to commit and then sees it.
    Taken in ascending order so that two submissions never wait for each other.
    """
    for family_id in sorted(family_ids):
        advisory_xact_lock("deal-family", str(family_id))


def _price_check(*, deal: Deal, lines: list[DealLine], on: datetime.date) -> None:
    """Each line's floor in the deal's currency at the FX rate of `on` (DESIGN §4.4).

    A line without a rate keeps no floor and holds the check (`price_check_held`): it is never
    taken as priced fine, and the registration needs a director like a below-floor one.
    """
    rates: dict[str, Decimal | None] = {}
    for line in lines:
        source = line.product.currency
        if source not in rates:
            try:
                rates[source] = fx_rate(source, deal.currency, on)
            except FxRateMissing:
                rates[source] = None
        rate = rates[source]
        line.floor_price = (
            None if rate is None else round_money(line.product.floor_price * rate, deal.currency)
        )
    DealLine.objects.bulk_update(lines, ["floor_price"])
    deal.below_floor = any(line.is_below_floor for line in lines)
    deal.price_check_held = any(line.floor_price is None for line in lines)


@transaction.atomic
def deal_submit(*, deal: Deal, actor: User) -> Deal:
    """Fingerprint the customer, flag region and price checks, and detect conflicts.

    Conflict checks are serialized per product family (advisory locks), so two partners
    submitting similar customers at once cannot both escape `in_conflict`.
    """
    if not deal_can_register(actor, partner_id=deal.partner_id):
        raise PermissionDenied
    deal = _locked(deal)
    _require(deal, DealStatus.DRAFT)
    lines = list(deal.lines.select_related("product"))
    if not lines:
        raise ValidationError(_("Add at least one product line before submitting."))
    before = snapshot(deal, TRACKED)
    deal.customer_fingerprint = normalize_customer_name(deal.customer_name)
    deal.customer_tax_id = normalize_tax_id(deal.customer_tax_id)
    family_ids = sorted({line.product.family_id for line in lines})
    _lock_product_families(family_ids)
    now = timezone.now()
    rules = DealSettings.current()
    conflict_id = deal_conflict_find(
        deal_id=deal.pk,
        partner_id=deal.partner_id,
        fingerprint=deal.customer_fingerprint,
        tax_id=deal.customer_tax_id,
        family_ids=family_ids,
        threshold=rules.similarity_threshold,
    )
    deal.cross_region = deal.customer_region not in (deal.partner.regions or [])
    _price_check(deal=deal, lines=lines, on=timezone.localdate(now))
    deal.submitted_at = now
    deal.sla_due_at = add_business_days(now, rules.sla_business_days)
    deal.conflict_with_id = conflict_id
    deal.status = DealStatus.IN_CONFLICT if conflict_id else DealStatus.SUBMITTED
    deal.save(update_fields=SUBMIT_FIELDS)
    audit_record(
        actor=actor,
        action="deal.submitted",
        obj=deal,
        changes=diff(before, snapshot(deal, TRACKED)),
    )
    _compliance_flag(deal=deal, actor=actor)
    notify(
        recipients=_managers(deal),
        kind="deal.submitted",
        title=_("Deal registration to decide: %(project)s"),
        url=_url(deal),
        params={"project": deal.project_name},
    )
    if conflict_id:
        # The later registrant learns that a conflict exists, never with whom.
        notify(
            recipients=_deal_recipients(deal),
            kind="deal.in_conflict",
            title=_("Your registration %(project)s conflicts with an earlier registration"),
            body=_("A channel manager will review it. The earlier registration keeps priority."),
            url=_url(deal),
            params={"project": deal.project_name},
        )
    return deal


def _compliance_flag(*, deal: Deal, actor: User) -> None:
    """Cross-region or below-floor registration: a compliance violation draft for staff to review."""
    if deal.cross_region:
        compliance_violation_draft_create(
            partner=deal.partner,
            actor=actor,
            kind=ViolationKind.CROSS_REGION,
            description=f"Deal {deal.pk}: customer region {deal.customer_region} outside "
            f"{', '.join(deal.partner.regions or [])}",
        )
    if deal.below_floor:
        compliance_violation_draft_create(
            partner=deal.partner,
            actor=actor,
            kind=ViolationKind.BELOW_FLOOR,
            description=f"Deal {deal.pk}: a line is priced below the floor price",
        )


# --- decisions -------------------------------------------------------------------------------
def _check_decision(deal: Deal, actor: User, decision: DealDecision) -> None:
    """The rule that also decides whether the page shows the button (deals.permissions)."""
    refusal = deal_decision_refusal(user=actor, deal=deal, decision=decision)
    if refusal is not None:
        raise refusal


@transaction.atomic
def deal_approve(*, deal: Deal, actor: User, reason: str = "") -> Deal:
    """Approve: protection runs for the partner tier's protection days.

    An in-conflict registration needs a reason (both are then protected); who may approve is
    `deals.permissions.deal_decision_refusal` (cross-region, below-floor and price-held
    registrations need a channel director).
    """
    deal = _locked(deal)
    _check_decision(deal, actor, "approve")
    reason = (reason or "").strip()
    if deal.status == DealStatus.IN_CONFLICT and not reason:
        raise ValidationError(
            {"reason": _("A reason is required to approve a conflicting registration.")}
        )
    before = snapshot(deal, TRACKED)
    was_in_conflict = deal.status == DealStatus.IN_CONFLICT
    now = timezone.now()
    deal.status = DealStatus.APPROVED
    deal.decided_at = now
    deal.decided_by = actor
    deal.decision_reason = reason
    deal.protection_ends_at = now + datetime.timedelta(days=deal.partner.tier.protection_days)
    deal.save()
    audit_record(
        actor=actor,
        action="deal.approved",
        obj=deal,
        changes=diff(before, snapshot(deal, TRACKED)),
        note=reason,
    )
    notify(
        recipients=_deal_recipients(deal),
        kind="deal.approved",
        title=_("Deal registration approved: %(project)s"),
        body=_("Protected until %(until)s."),
        url=_url(deal),
        params={"project": deal.project_name, "until": deal.protection_ends_at.date().isoformat()},
    )
    if was_in_conflict and deal.conflict_with_id:
        # The first registrant learns that its customer is now shared, not with whom.
        earlier = Deal.objects.select_related("partner").get(pk=deal.conflict_with_id)
        notify(
            recipients=_deal_recipients(earlier),
            kind="deal.conflict_approved",
            title=_("A later registration of the customer of %(project)s was also approved"),
            body=_("Your registration keeps its protection."),
            url=_url(earlier),
            params={"project": earlier.project_name},
        )
    return deal


@transaction.atomic
def deal_reject(*, deal: Deal, actor: User, reason: str) -> Deal:
    """Reject with a reason shown to the partner."""
    deal = _locked(deal)
    _check_decision(deal, actor, "reject")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("A reason is required.")})
    before = snapshot(deal, TRACKED)
    deal.status = DealStatus.REJECTED
    deal.decided_at = timezone.now()
    deal.decided_by = actor
    deal.decision_reason = reason
    deal.save()
    audit_record(
        actor=actor,
        action="deal.rejected",
        obj=deal,
        changes=diff(before, snapshot(deal, TRACKED)),
        note=reason,
    )
    notify(
        recipients=_deal_recipients(deal),
        kind="deal.rejected",
        title=_("Deal registration rejected: %(project)s"),
        body=reason,
        url=_url(deal),
        params={"project": deal.project_name},
    )
    return deal


@transaction.atomic
def deal_extension_request(*, deal: Deal, actor: User, justification: str) -> Deal:
    """The partner asks once for a 30-day protection extension."""
    deal = _locked(deal)
    _require(deal, DealStatus.APPROVED)
    if deal.extension_requested_at is not None:
        raise ValidationError(_("An extension was already requested for this registration."))
    justification = (justification or "").strip()
    if not justification:
        raise ValidationError({"justification": _("A justification is required.")})
    deal.extension_requested_at = timezone.now()
    deal.extension_justification = justification
    deal.save(update_fields=["extension_requested_at", "extension_justification", "updated_at"])
    audit_record(actor=actor, action="deal.extension_requested", obj=deal, note=justification)
    notify(
        recipients=_managers(deal),
        kind="deal.extension_requested",
        title=_("Protection extension requested: %(project)s"),
        url=_url(deal),
        params={"project": deal.project_name},
    )
    return deal


@transaction.atomic
def deal_extension_decide(*, deal: Deal, actor: User, approve: bool) -> Deal:
    """The manager grants (protection + extension days) or refuses the pending extension."""
    deal = _locked(deal)
    _check_decision(deal, actor, "decide_extension")
    before = snapshot(deal, TRACKED)
    deal.extension_decision = "granted" if approve else "refused"
    if approve:
        deal.protection_ends_at += datetime.timedelta(days=DealSettings.current().extension_days)
    deal.save()
    audit_record(
        actor=actor,
        action=f"deal.extension_{deal.extension_decision}",
        obj=deal,
        changes=diff(before, snapshot(deal, TRACKED)),
    )
    notify(
        recipients=_deal_recipients(deal),
        kind="deal.extension_decided",
        title=_("Protection extension decided for %(project)s"),
        url=_url(deal),
        params={"project": deal.project_name},
    )
    return deal


# --- outcome ---------------------------------------------------------------------------------
@transaction.atomic
def deal_close_won(
    *, deal: Deal, actor: User, order_number: str, closed_on: datetime.date, lines: list[dict]
) -> Deal:
    """Won: the final order lines become sales lines for rebates."""
    deal = _locked(deal)
    _require(deal, DealStatus.APPROVED)
    if not (order_number or "").strip():
        raise ValidationError({"order_number": _("The order number is required.")})
    if not lines:
        raise ValidationError(_("Add at least one final order line."))
    before = snapshot(deal, TRACKED)
    deal.status = DealStatus.WON
    deal.order_number = order_number.strip()
    deal.closed_on = closed_on
    deal.save()
    DealLine.objects.bulk_create(
        DealLine(
            deal=deal,
            product=line["product"],
            quantity=line["quantity"],
            unit_price=line["unit_price"],
            final=True,
        )
        for line in lines
    )
    audit_record(
        actor=actor, action="deal.won", obj=deal, changes=diff(before, snapshot(deal, TRACKED))
    )
    notify(
        recipients=_managers(deal),
        kind="deal.won",
        title=_("Deal won: %(project)s"),
        url=_url(deal),
        params={"project": deal.project_name},
    )
    return deal


@transaction.atomic
def deal_close_lost(*, deal: Deal, actor: User, reason: str) -> Deal:
    """Lost, with the reason."""
    deal = _locked(deal)
    _require(deal, DealStatus.APPROVED)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("A reason is required.")})
    before = snapshot(deal, TRACKED)
    deal.status = DealStatus.LOST
    deal.lost_reason = reason.strip()
    deal.closed_on = timezone.localdate()
    deal.save()
    audit_record(
        actor=actor, action="deal.lost", obj=deal, changes=diff(before, snapshot(deal, TRACKED))
    )
    notify(
        recipients=_managers(deal),
        kind="deal.lost",
        title=_("Deal lost: %(project)s"),
        body=deal.lost_reason,
        url=_url(deal),
        params={"project": deal.project_name},
    )
    return deal


# --- jobs ------------------------------------------------------------------------------------
# Not atomic as a whole: a scheduled sweep; one transaction per deal.
def deal_expire_stale(*, now: datetime.datetime | None = None) -> int:
    """Expire approved registrations whose protection ended without a win (nightly)."""
    now = now or timezone.now()
    count = 0
    ids = list(
        Deal.objects.filter(status=DealStatus.APPROVED, protection_ends_at__lte=now).values_list(
            "pk", flat=True
        )
    )
    for pk in ids:
        with transaction.atomic():
            deal = (
                Deal.objects.select_for_update().filter(pk=pk, status=DealStatus.APPROVED).first()
            )
            if deal is None:
                continue
            deal.status = DealStatus.EXPIRED
            deal.save(update_fields=["status", "updated_at"])
            audit_record(actor=None, action="deal.expired", obj=deal)
            notify(
                recipients=_deal_recipients(deal),
                kind="deal.expired",
                title=_("Protection ended: %(project)s"),
                url=_url(deal),
                params={"project": deal.project_name},
            )
            count += 1
    return count


EXPIRY_WARNING_DAYS = 14


# Not atomic as a whole: a scheduled sweep; one transaction per deal.
def deal_warn_expiring(*, now: datetime.datetime | None = None) -> int:
    """Tell partners once when a protection ends within 14 days (daily; idempotent)."""
    now = now or timezone.now()
    ids = list(
        Deal.objects.filter(
            status=DealStatus.APPROVED,
            expiry_warned_at__isnull=True,
            protection_ends_at__gt=now,
            protection_ends_at__lte=now + datetime.timedelta(days=EXPIRY_WARNING_DAYS),
        ).values_list("pk", flat=True)
    )
    count = 0
    for pk in ids:
        with transaction.atomic():
            deal = (
                Deal.objects.select_for_update(of=("self",))
                .select_related("partner")
                .filter(pk=pk, status=DealStatus.APPROVED, expiry_warned_at__isnull=True)
                .first()
            )
            if deal is None:
                continue
            deal.expiry_warned_at = now
            deal.save(update_fields=["expiry_warned_at", "updated_at"])
            notify(
                recipients=_deal_recipients(deal),
                kind="deal.expiring",
                title=_("Protection ends on %(until)s: %(project)s"),
                body=_("Close the deal or request an extension before then."),
                url=_url(deal),
                params={
                    "project": deal.project_name,
                    "until": deal.protection_ends_at.date().isoformat(),
                },
            )
            count += 1
    return count


# Not atomic as a whole: a scheduled sweep; one transaction per deal.
def deal_escalate_overdue(*, now: datetime.datetime | None = None) -> int:
    """Escalate registrations past their approval SLA to the channel directors (once each)."""
    now = now or timezone.now()
    count = 0
    overdue = Deal.objects.filter(
        status__in=[DealStatus.SUBMITTED, DealStatus.IN_CONFLICT],
        sla_due_at__lt=now,
        escalated_at__isnull=True,
    ).values_list("pk", flat=True)
    directors = _directors()
    for pk in list(overdue):
        with transaction.atomic():
            deal = Deal.objects.select_for_update().filter(pk=pk, escalated_at__isnull=True).first()
            if deal is None:
                continue
            deal.escalated_at = now
            deal.save(update_fields=["escalated_at", "updated_at"])
            audit_record(actor=None, action="deal.escalated", obj=deal)
            notify(
                recipients=directors,
                kind="deal.escalated",
                title=_("Registration past its approval SLA: %(project)s"),
                url=_url(deal),
                params={"project": deal.project_name},
            )
            count += 1
    return count


# --- leads (DESIGN §4.6) ---------------------------------------------------------------------
LEAD_FIELDS = [
    "customer_name",
    "customer_tax_id",
    "customer_region",
    "customer_contact_name",
    "customer_contact_phone",
    "customer_contact_email",
    "customer_address",
    "industry",
    "project_name",
    "estimated_value",
    "currency",
    "description",
]
LEAD_TRACKED = ["status", "exclusive_until", "opened_at", "accepted_partner_id", "deal_id"]
LEAD_DEAL_CLOSE_DAYS = 90


def _lead_url() -> str:
    return reverse("deals:lead_list")


def _partner_sellers(partner_ids) -> list[User]:
    return list(
        User.objects.filter(
            partner_id__in=list(partner_ids),
            is_active=True,
            role__in=[Role.PARTNER_ADMIN, Role.PARTNER_SALES],
        )
    )


def _offer_to(*, lead: Lead, partner_ids: list[int], exclusive: bool, now) -> list[int]:
    """Offer the lead to these partners (once each); returns the partners newly offered."""
    already = set(LeadOffer.objects.filter(lead=lead).values_list("partner_id", flat=True))
    fresh = [pk for pk in dict.fromkeys(partner_ids) if pk not in already]
    LeadOffer.objects.bulk_create(
        [LeadOffer(lead=lead, partner_id=pk, exclusive=exclusive, offered_at=now) for pk in fresh],
        ignore_conflicts=True,
    )
    if fresh:
        notify(
            recipients=_partner_sellers(fresh),
            kind="lead.offered",
            title=(
                _("New lead offered to you exclusively: %(project)s")
                if exclusive
                else _("New lead open to accept: %(project)s")
            ),
            body=_("Region %(region)s. The first partner to accept it gets the registration."),
            url=_lead_url(),
            params={"project": lead.project_name, "region": lead.customer_region},
        )
    return fresh


@transaction.atomic
def lead_publish(*, actor: User, data: dict) -> Lead:
    """Publish a lead: exclusive to the core partners that fit it, or open at once when none do."""
    from .selectors import lead_exclusive_partners

    if actor.is_partner_user or not (actor.is_channel_staff or actor.is_admin):
        raise PermissionDenied
    now = timezone.now()
    lead = Lead(published_by=actor, published_at=now)
    for field in LEAD_FIELDS:
        if field in data:
            setattr(lead, field, data[field])
    lead.customer_tax_id = normalize_tax_id(lead.customer_tax_id)
    lead.industry = (lead.industry or "").strip().lower()
    lead.full_clean(exclude=["published_by", "status"])
    exclusive = lead_exclusive_partners(region=lead.customer_region, industry=lead.industry)
    hours = max((p.tier.lead_exclusive_hours for p in exclusive), default=0)
    if hours:
        lead.status = LeadStatus.EXCLUSIVE
        lead.exclusive_until = now + datetime.timedelta(hours=hours)
    else:
        lead.status = LeadStatus.OPEN
        lead.opened_at = now
    lead.save()
    audit_record(actor=actor, action="lead.published", obj=lead)
    if hours:
        _offer_to(lead=lead, partner_ids=[p.pk for p in exclusive], exclusive=True, now=now)
    else:
        _lead_open_offers(lead=lead, now=now)
    return lead


def _lead_open_offers(*, lead: Lead, now) -> list[int]:
    from .selectors import lead_open_partner_ids

    return _offer_to(
        lead=lead,
        partner_ids=lead_open_partner_ids(region=lead.customer_region),
        exclusive=False,
        now=now,
    )


def _lead_open(*, lead: Lead, now, actor: User | None) -> None:
    before = snapshot(lead, LEAD_TRACKED)
    lead.status = LeadStatus.OPEN
    lead.opened_at = now
    lead.save(update_fields=["status", "opened_at"])
    audit_record(
        actor=actor,
        action="lead.opened",
        obj=lead,
        changes=diff(before, snapshot(lead, LEAD_TRACKED)),
    )
    _lead_open_offers(lead=lead, now=now)


# Not atomic as a whole: a scheduled sweep; one transaction per lead.
def lead_open_due(*, now: datetime.datetime | None = None) -> int:
    """Open to all eligible partners the leads whose exclusive window ended unaccepted.

    Idempotent: each lead is locked and re-checked, and offers are created once per partner.
    """
    now = now or timezone.now()
    ids = list(
        Lead.objects.filter(status=LeadStatus.EXCLUSIVE, exclusive_until__lte=now).values_list(
            "pk", flat=True
        )
    )
    count = 0
    for pk in ids:
        with transaction.atomic():
            lead = (
                Lead.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, status=LeadStatus.EXCLUSIVE, exclusive_until__lte=now)
                .first()
            )
            if lead is None:
                continue
            _lead_open(lead=lead, now=now, actor=None)
            count += 1
    return count


def _locked_offer(*, lead_id: int, actor: User) -> tuple[Lead, LeadOffer]:
    if not actor.is_partner_user or actor.role not in (Role.PARTNER_ADMIN, Role.PARTNER_SALES):
        raise PermissionDenied
    # The lead row lock serializes every accept and decline of one lead.
    lead = Lead.objects.select_for_update().filter(pk=lead_id).first()
    offer = (
        LeadOffer.objects.select_for_update()
        .filter(lead_id=lead_id, partner_id=actor.partner_id)
        .select_related("partner")
        .first()
    )
    if lead is None or offer is None:
        raise PermissionDenied
    return lead, offer


@transaction.atomic
def lead_accept(*, lead_id: int, actor: User) -> Deal:
    """First to accept wins: the lead becomes a draft registration of the accepting partner.

    The draft carries the customer; the partner adds product lines and submits it, which runs
    the usual conflict, region and price checks.
    """
    lead, offer = _locked_offer(lead_id=lead_id, actor=actor)
    if lead.status not in AVAILABLE_LEAD_STATUSES:
        raise ValidationError(_("This lead is no longer available."))
    if offer.status != LeadOfferStatus.OFFERED:
        raise ValidationError(_("You have already answered this offer."))
    if not offer.partner.is_active:
        raise PermissionDenied
    now = timezone.now()
    before = snapshot(lead, LEAD_TRACKED)
    deal = Deal.objects.create(
        partner_id=offer.partner_id,
        registered_by=actor,
        customer_name=lead.customer_name,
        customer_tax_id=lead.customer_tax_id,
        customer_region=lead.customer_region,
        customer_contact_name=lead.customer_contact_name,
        customer_contact_phone=lead.customer_contact_phone,
        customer_contact_email=lead.customer_contact_email,
        customer_address=lead.customer_address,
        industry=lead.industry,
        project_name=lead.project_name,
        currency=lead.currency,
        expected_close_date=timezone.localdate() + datetime.timedelta(days=LEAD_DEAL_CLOSE_DAYS),
        notes=lead.description,
    )
    lead.status = LeadStatus.ACCEPTED
    lead.accepted_partner_id = offer.partner_id
    lead.accepted_by = actor
    lead.accepted_at = now
    lead.deal = deal
    lead.save()
    offer.status = LeadOfferStatus.ACCEPTED
    offer.decided_at = now
    offer.save(update_fields=["status", "decided_at"])
    LeadOffer.objects.filter(lead=lead, status=LeadOfferStatus.OFFERED).update(
        status=LeadOfferStatus.TAKEN
    )
    audit_record(
        actor=actor,
        action="lead.accepted",
        obj=lead,
        changes=diff(before, snapshot(lead, LEAD_TRACKED)),
    )
    audit_record(actor=actor, action="deal.created", obj=deal, note=f"lead {lead.pk}")
    notify(
        recipients=[lead.published_by, *_managers(deal)],
        kind="lead.accepted",
        title=_("Lead accepted: %(project)s"),
        body=_("Accepted by %(partner)s."),
        url=reverse("deals:lead_detail", args=[lead.pk]),
        params={"project": lead.project_name, "partner": offer.partner.legal_name},
    )
    return deal


@transaction.atomic
def lead_decline(*, lead_id: int, actor: User) -> LeadOffer:
    """Decline an offer. When every exclusive offer is declined, the lead opens at once."""
    lead, offer = _locked_offer(lead_id=lead_id, actor=actor)
    if lead.status not in AVAILABLE_LEAD_STATUSES:
        raise ValidationError(_("This lead is no longer available."))
    if offer.status != LeadOfferStatus.OFFERED:
        raise ValidationError(_("You have already answered this offer."))
    now = timezone.now()
    offer.status = LeadOfferStatus.DECLINED
    offer.decided_at = now
    offer.save(update_fields=["status", "decided_at"])
    audit_record(actor=actor, action="lead.declined", obj=lead)
    notify(
        recipients=[lead.published_by],
        kind="lead.declined",
        title=_("Lead declined: %(project)s"),
        body=_("Declined by %(partner)s."),
        url=reverse("deals:lead_detail", args=[lead.pk]),
        params={"project": lead.project_name, "partner": offer.partner.legal_name},
        email=False,
    )
    if (
        lead.status == LeadStatus.EXCLUSIVE
        and not lead.offers.filter(status=LeadOfferStatus.OFFERED).exists()
    ):
        _lead_open(lead=lead, now=now, actor=actor)
    return offer


@transaction.atomic
def lead_withdraw(*, lead_id: int, actor: User) -> Lead:
    """Staff take back a lead nobody accepted yet."""
    if actor.is_partner_user or not (actor.is_channel_staff or actor.is_admin):
        raise PermissionDenied
    lead = Lead.objects.select_for_update().get(pk=lead_id)
    if lead.status not in AVAILABLE_LEAD_STATUSES:
        raise ValidationError(_("This lead is no longer available."))
    before = snapshot(lead, LEAD_TRACKED)
    lead.status = LeadStatus.WITHDRAWN
    lead.save(update_fields=["status"])
    lead.offers.filter(status=LeadOfferStatus.OFFERED).update(status=LeadOfferStatus.TAKEN)
    audit_record(
        actor=actor,
        action="lead.withdrawn",
        obj=lead,
        changes=diff(before, snapshot(lead, LEAD_TRACKED)),
    )
    return lead
