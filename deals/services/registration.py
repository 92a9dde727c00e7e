"""Deal registration (DESIGN §4): draft, submit, decide, extend, close won or lost."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.audit import snapshot
from core.business_days import add_business_days
from core.fx import FxRateMissing, fx_rate
from core.money import round_money
from core.transitions import transition_record
from partners.choices import ViolationKind
from partners.services import compliance_violation_draft_create

from ..attribution import activity_link, attributable_requests_for
from ..choices import DealStatus
from ..models import Deal, DealLine, DealSettings
from ..permissions import (
    DealDecision,
    deal_can_register,
    deal_decision_refusal,
    deal_register_refusal,
)
from ..rules import normalize_customer_name, normalize_tax_id
from ..selectors import floors_on
from ._common import _deal_notice, _deal_recipients, _managers
from .conflicts import _lock_product_families, deal_conflict_find

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


# --- drafts ----------------------------------------------------------------------------------
def _check_fund_request(*, partner_id: int, fund_request) -> None:
    """A deal may reference only an approved or claimed MDF activity of its own company."""
    if fund_request is None:
        return
    if not attributable_requests_for(partner_id=partner_id).filter(pk=fund_request.pk).exists():
        raise ValidationError(
            {"fund_request": _("Choose an approved MDF activity of your own company.")}
        )


_UNCHANGED = object()


@transaction.atomic
def deal_draft_save(
    *, actor: User, data: dict, lines: list[dict], deal: Deal | None = None
) -> Deal:
    """Create or update a draft with its lines (replaced as a whole). `data["fund_request"]`, when
    given, is the MDF activity the deal came from (None for none)."""
    partner_id = deal.partner_id if deal else actor.partner_id
    if not deal_can_register(actor, partner_id=partner_id):
        raise PermissionDenied
    if refusal := deal_register_refusal(partner_id=partner_id):
        raise refusal
    if deal is None:
        deal = Deal(partner_id=actor.partner_id, registered_by=actor)
        action = "deal.created"
    else:
        deal = _locked(deal)
        _require(deal, DealStatus.DRAFT)
        action = "deal.updated"
    data = dict(data)
    fund_request = data.pop("fund_request", _UNCHANGED)  # kept by funds, not on the deal
    for field, value in data.items():
        setattr(deal, field, value)
    # Drafts too: the global search finds a registration by its customer (DESIGN §8.1).
    deal.customer_fingerprint = normalize_customer_name(deal.customer_name)
    if fund_request is not _UNCHANGED:
        _check_fund_request(partner_id=deal.partner_id, fund_request=fund_request)
    deal.full_clean(exclude=["partner", "registered_by"])
    deal.save()
    if fund_request is not _UNCHANGED:
        activity_link(deal=deal, fund_request=fund_request)
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
    transition_record(deal, actor=actor, action=action)
    return deal


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


def _price_check(*, deal: Deal, lines: list[DealLine], on: datetime.date) -> None:
    """Each line's floor — the price list's floor effective on `on`, the submission date —
    in the deal's currency at the FX rate of `on` (DESIGN §4.4). Stored on the line, so a later
    price change never alters the check of a submitted deal.

    A line whose product has no floor on that day, or without a rate, keeps no floor and holds
    the check (`price_check_held`): it is never taken as priced fine, and the registration needs
    a director like a below-floor one.
    """
    floors = floors_on([line.product_id for line in lines], on)
    rates: dict[str, Decimal | None] = {}
    for line in lines:
        floor = floors.get(line.product_id)
        if floor is None:
            line.floor_price = None
            continue
        if floor.currency not in rates:
            try:
                rates[floor.currency] = fx_rate(floor.currency, deal.currency, on)
            except FxRateMissing:
                rates[floor.currency] = None
        rate = rates[floor.currency]
        line.floor_price = None if rate is None else round_money(floor.price * rate, deal.currency)
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
    if refusal := deal_register_refusal(partner_id=deal.partner_id):
        raise refusal
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
    notices = [
        _deal_notice(
            deal,
            recipients=_managers(deal),
            kind="deal.submitted",
            title=_("Deal registration to decide: %(project)s"),
        )
    ]
    if conflict_id:
        # The later registrant learns that a conflict exists, never with whom.
        notices.append(
            _deal_notice(
                deal,
                recipients=_deal_recipients(deal),
                kind="deal.in_conflict",
                title=_("Your registration %(project)s conflicts with an earlier registration"),
                body=_(
                    "A channel manager will review it. The earlier registration keeps priority."
                ),
            )
        )
    transition_record(
        deal, actor=actor, action="deal.submitted", before=before, fields=TRACKED, notice=notices
    )
    _compliance_flag(deal=deal, actor=actor)
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
    notices = [
        _deal_notice(
            deal,
            recipients=_deal_recipients(deal),
            kind="deal.approved",
            title=_("Deal registration approved: %(project)s"),
            body=_("Protected until %(until)s."),
            until=deal.protection_ends_at.date().isoformat(),
        )
    ]
    if was_in_conflict and deal.conflict_with_id:
        # The first registrant learns that its customer is now shared, not with whom.
        earlier = Deal.objects.select_related("partner").get(pk=deal.conflict_with_id)
        notices.append(
            _deal_notice(
                earlier,
                recipients=_deal_recipients(earlier),
                kind="deal.conflict_approved",
                title=_("A later registration of the customer of %(project)s was also approved"),
                body=_("Your registration keeps its protection."),
            )
        )
    transition_record(
        deal,
        actor=actor,
        action="deal.approved",
        before=before,
        fields=TRACKED,
        note=reason,
        notice=notices,
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
    transition_record(
        deal,
        actor=actor,
        action="deal.rejected",
        before=before,
        fields=TRACKED,
        note=reason,
        notice=_deal_notice(
            deal,
            recipients=_deal_recipients(deal),
            kind="deal.rejected",
            title=_("Deal registration rejected: %(project)s"),
            body=reason,
        ),
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
    transition_record(
        deal,
        actor=actor,
        action="deal.extension_requested",
        note=justification,
        notice=_deal_notice(
            deal,
            recipients=_managers(deal),
            kind="deal.extension_requested",
            title=_("Protection extension requested: %(project)s"),
        ),
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
    transition_record(
        deal,
        actor=actor,
        action=f"deal.extension_{deal.extension_decision}",
        before=before,
        fields=TRACKED,
        notice=_deal_notice(
            deal,
            recipients=_deal_recipients(deal),
            kind="deal.extension_decided",
            title=_("Protection extension decided for %(project)s"),
        ),
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
    transition_record(
        deal,
        actor=actor,
        action="deal.won",
        before=before,
        fields=TRACKED,
        notice=_deal_notice(
            deal,
            recipients=_managers(deal),
            kind="deal.won",
            title=_("Deal won: %(project)s"),
        ),
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
    transition_record(
        deal,
        actor=actor,
        action="deal.lost",
        before=before,
        fields=TRACKED,
        notice=_deal_notice(
            deal,
            recipients=_managers(deal),
            kind="deal.lost",
            title=_("Deal lost: %(project)s"),
            body=deal.lost_reason,
        ),
    )
    return deal
