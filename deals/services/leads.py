"""Leads (DESIGN §4.6): publish, offer, accept or decline, open when exclusivity ends."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from accounts.models import User
from core.audit import snapshot
from core.notifications import notify
from core.transitions import Notice, transition_record

from ..choices import AVAILABLE_LEAD_STATUSES, LeadOfferStatus, LeadStatus
from ..models import Deal, Lead, LeadOffer
from ..permissions import deal_register_refusal
from ..rules import normalize_tax_id
from ..selectors import lead_exclusive_partners, lead_open_partner_ids
from ._common import _managers

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
    transition_record(lead, actor=actor, action="lead.published")
    if hours:
        _offer_to(lead=lead, partner_ids=[p.pk for p in exclusive], exclusive=True, now=now)
    else:
        _lead_open_offers(lead=lead, now=now)
    return lead


def _lead_open_offers(*, lead: Lead, now) -> list[int]:
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
    transition_record(lead, actor=actor, action="lead.opened", before=before, fields=LEAD_TRACKED)
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
    if refusal := deal_register_refusal(partner_id=offer.partner_id):
        raise refusal
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
    transition_record(
        lead,
        actor=actor,
        action="lead.accepted",
        before=before,
        fields=LEAD_TRACKED,
        notice=Notice(
            recipients=[lead.published_by, *_managers(deal)],
            kind="lead.accepted",
            title=_("Lead accepted: %(project)s"),
            body=_("Accepted by %(partner)s."),
            url=reverse("deals:lead_detail", args=[lead.pk]),
            params={"project": lead.project_name, "partner": offer.partner.legal_name},
        ),
    )
    transition_record(deal, actor=actor, action="deal.created", note=f"lead {lead.pk}")
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
    transition_record(
        lead,
        actor=actor,
        action="lead.declined",
        notice=Notice(
            recipients=[lead.published_by],
            kind="lead.declined",
            title=_("Lead declined: %(project)s"),
            body=_("Declined by %(partner)s."),
            url=reverse("deals:lead_detail", args=[lead.pk]),
            params={"project": lead.project_name, "partner": offer.partner.legal_name},
            email=False,
        ),
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
    transition_record(
        lead, actor=actor, action="lead.withdrawn", before=before, fields=LEAD_TRACKED
    )
    return lead
