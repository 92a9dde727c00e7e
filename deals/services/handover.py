"""A leaving partner's registrations and leads (DESIGN §2.9): open deals handed over to another
partner or back to the vendor, and the lead offers withdrawn. The exit checklist of
`partners.exits` reaches these through the steps deals registers in `DealsConfig.ready()`.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.scoping import can_manage_partner
from core.audit import snapshot
from core.notifications import Audience, partner_recipients
from core.transitions import transition_record
from partners.models import Partner
from partners.selectors import partner_exit_open_of

from ..choices import OPEN_STATUSES, DealStatus, LeadOfferStatus
from ..models import Deal, DealHandover, LeadOffer
from ._common import _deal_notice, _deal_recipients

HANDOVER_TRACKED = ["partner_id", "status", "protection_ends_at", "decision_reason"]


def handover_target_refusal(*, to_partner: Partner | None, from_partner_id: int) -> str:
    """Why `to_partner` cannot receive the leaving partner's deals ("" when it can); None is the
    vendor, who always can."""
    if to_partner is None:
        return ""
    if to_partner.pk == from_partner_id:
        return str(_("Choose another partner than the one leaving."))
    if not to_partner.is_active:
        return str(_("The receiving partner is not active."))
    if partner_exit_open_of(partner_id=to_partner.pk) is not None:
        return str(_("The receiving partner is leaving the programme too."))
    return ""


@transaction.atomic
def deal_hand_over(
    *, deal: Deal, actor: User, to_partner: Partner | None, note: str = ""
) -> DealHandover:
    """Hand one open registration of a partner in exit to `to_partner` (it keeps the deal, its
    protection and its history; the leaver loses access) or, with None, back to the vendor (the
    protection ends). Audited; the receiving partner's admins and the registrant are told."""
    deal = (
        Deal.objects.select_for_update(of=("self",))
        .select_related("partner__channel_manager")
        .get(pk=deal.pk)
    )
    from_partner = deal.partner
    if not (actor.is_vendor_staff and can_manage_partner(actor, from_partner)):
        raise PermissionDenied
    partner_exit = partner_exit_open_of(partner_id=from_partner.pk)
    if partner_exit is None:
        raise ValidationError(_("Only the deals of a partner in exit are handed over."))
    if deal.status not in OPEN_STATUSES:
        raise ValidationError(
            _("This registration is %(status)s; only open registrations are handed over.")
            % {"status": deal.get_status_display()}
        )
    if refusal := handover_target_refusal(to_partner=to_partner, from_partner_id=from_partner.pk):
        raise ValidationError({"to_partner": refusal})
    before = snapshot(deal, HANDOVER_TRACKED)
    told = _deal_recipients(deal)
    if to_partner is not None:
        deal.partner = to_partner
        deal.save(update_fields=["partner", "updated_at"])
        told = [
            *told,
            *partner_recipients(partner=to_partner, audience=Audience.ADMINS),
            to_partner.channel_manager,
        ]
        title = _("Registration %(project)s handed over to %(to)s")
        to_name = to_partner.legal_name
    else:
        deal.status = DealStatus.EXPIRED
        deal.protection_ends_at = timezone.now()
        deal.decision_reason = str(_("Returned to the vendor: the partner left the programme."))
        deal.save(update_fields=["status", "protection_ends_at", "decision_reason", "updated_at"])
        title = _("Registration %(project)s returned to %(to)s")
        to_name = str(_("the vendor"))
    handover = DealHandover.objects.create(
        deal=deal,
        partner_exit=partner_exit,
        from_partner=from_partner,
        to_partner=to_partner,
        handed_over_by=actor,
        note=note.strip(),
    )
    transition_record(
        deal,
        actor=actor,
        action="deal.handed_over",
        before=before,
        fields=HANDOVER_TRACKED,
        partner=from_partner,
        note=note.strip(),
        notice=_deal_notice(
            deal,
            recipients=[*told, from_partner.channel_manager],
            kind="deal.handed_over",
            title=title,
            to=to_name,
        ),
    )
    return handover


def open_deals_of(*, partner) -> int:
    """How many registrations of a leaving partner are still open (exit step "deals")."""
    return (
        Deal.objects.unrestricted("exit checklist of one partner")
        .filter(partner=partner, status__in=OPEN_STATUSES)
        .count()
    )


def lead_offers_open_of(*, partner) -> int:
    """How many lead offers a leaving partner could still accept (exit step "leads")."""
    return (
        LeadOffer.objects.unrestricted("exit checklist of one partner")
        .filter(partner=partner, status=LeadOfferStatus.OFFERED)
        .count()
    )


@transaction.atomic
def lead_offers_withdraw(*, partner, actor: User) -> str:
    """Withdraw every lead offer the leaving partner has not answered; each one audited."""
    if not (actor.is_vendor_staff and can_manage_partner(actor, partner)):
        raise PermissionDenied
    offers = list(
        LeadOffer.objects.unrestricted("exit of one partner")
        .select_for_update()
        .filter(partner=partner, status=LeadOfferStatus.OFFERED)
        .order_by("pk")
    )
    now = timezone.now()
    for offer in offers:
        offer.status = LeadOfferStatus.WITHDRAWN
        offer.decided_at = now
        offer.save(update_fields=["status", "decided_at"])
        transition_record(
            offer,
            actor=actor,
            action="lead_offer.withdrawn",
            partner=partner,
            changes={"status": {"before": LeadOfferStatus.OFFERED, "after": offer.status}},
        )
    return str(_("%(count)s lead offers withdrawn.") % {"count": len(offers)})
