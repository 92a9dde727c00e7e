"""MDF claims (DESIGN §7): filed within the claim window with proof, validated into a
reimbursement queued for the partner's statement, or rejected.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.choices import Role
from accounts.scoping import acts_on_company_finance
from core.money import format_money, round_money
from core.periods import Quarter
from core.transitions import transition_record
from settlement.services import settlement_entry_queue

from ..choices import ClaimStatus, LedgerKind, RequestStatus, SettlementState
from ..models import Claim, ClaimAttachment, FundRequest
from ._common import _attach, _entry, _lock_partner, _notify_partner, _today, _validate_files

CLAIM_WINDOW_DAYS = 60
REIMBURSEMENT_SOURCE = "funds.claim"
# The statement line of a reimbursement, rendered in the reader's language; the activity's title
# is the partner's own words and stays as typed.
REIMBURSEMENT_DESCRIPTION = gettext_lazy("MDF reimbursement: %(title)s")


def claim_deadline(request: FundRequest) -> datetime.date:
    return request.end_date + datetime.timedelta(days=CLAIM_WINDOW_DAYS)


@transaction.atomic
def claim_submit(
    *,
    fund_request: FundRequest,
    actor,
    actual_spend: Decimal,
    leads_generated: int = 0,
    note: str = "",
    attachments=(),
) -> Claim:
    """File the claim after the activity and within 60 days of its end, with proof of performance."""
    request = FundRequest.objects.select_for_update().get(pk=fund_request.pk)
    if not acts_on_company_finance(actor, request.partner_id):
        raise PermissionDenied
    if request.status != RequestStatus.APPROVED:
        raise ValidationError(_("Only an approved request can be claimed."))
    if Claim.objects.filter(fund_request=request).exists():
        raise ValidationError(_("This request already has a claim."))
    today = _today()
    errors: dict = {}
    if today < request.end_date:
        errors["__all__"] = [_("A claim can be filed once the activity has ended.")]
    elif today > claim_deadline(request):
        errors["__all__"] = [
            _("The claim window closed on %(date)s.") % {"date": claim_deadline(request)}
        ]
    if actual_spend is None or actual_spend <= 0:
        errors["actual_spend"] = [_("The actual spend must be greater than zero.")]
    if not attachments:
        errors["attachments"] = [_("Attach proof of performance (invoices, photos, attendees).")]
    errors |= _validate_files(attachments, "attachments")
    if errors:
        raise ValidationError(errors)
    claim = Claim.objects.create(
        fund_request=request,
        actual_spend=round_money(actual_spend, request.currency),
        leads_generated=leads_generated,
        note=note,
        submitted_by=actor,
        submitted_at=timezone.now(),
    )
    _attach(ClaimAttachment, "claim", claim, attachments, actor)
    transition_record(claim, actor=actor, action="claim.submitted")
    return claim


def claim_reimbursement(*, claim: Claim) -> Decimal:
    """min(approved amount, share × actual spend), rounded once."""
    request = claim.fund_request
    owed = min(request.approved_amount, request.share * claim.actual_spend)
    return round_money(owed, request.currency)


def claim_to_statement(*, claim: Claim) -> str:
    """Hand the reimbursement to the partner's next statement."""
    request = claim.fund_request
    settlement_entry_queue(
        partner=request.partner,
        kind="mdf_reimbursement",
        amount=claim.reimbursement_amount,
        currency=request.currency,
        description_key=REIMBURSEMENT_SOURCE,
        description_params={"title": request.title},
        source_type=REIMBURSEMENT_SOURCE,
        source_id=claim.pk,
        period=str(Quarter.containing(_today())),
    )
    return SettlementState.QUEUED


@transaction.atomic
def claim_validate(*, claim: Claim, actor, note: str = "") -> Claim:
    """Finance validates: release the reservation, book the reimbursement, queue it for payment."""
    if not (actor.is_admin or actor.role in (Role.FINANCE, Role.CFO)):
        raise PermissionDenied
    claim = Claim.objects.select_for_update().select_related("fund_request").get(pk=claim.pk)
    if claim.status != ClaimStatus.SUBMITTED:
        raise ValidationError(_("Only a claim awaiting validation can be validated."))
    request = FundRequest.objects.select_for_update().get(pk=claim.fund_request_id)
    partner = _lock_partner(request.partner)
    quarter = Quarter.containing(_today())
    claim.reimbursement_amount = claim_reimbursement(claim=claim)
    _entry(
        partner=partner,
        kind=LedgerKind.RELEASE,
        amount=request.approved_amount,
        quarter=quarter,
        reason=request.title,
        created_by=actor,
        fund_request=request,
    )
    _entry(
        partner=partner,
        kind=LedgerKind.REIMBURSEMENT,
        amount=-claim.reimbursement_amount,
        quarter=quarter,
        reason=request.title,
        created_by=actor,
        fund_request=request,
        claim=claim,
    )
    claim.status = ClaimStatus.VALIDATED
    claim.validated_by = actor
    claim.validated_at = timezone.now()
    claim.note = note or claim.note
    claim.fund_request = request
    claim.settlement_state = claim_to_statement(claim=claim)
    claim.save()
    request.status = RequestStatus.CLAIMED
    request.save(update_fields=["status"])
    transition_record(
        claim,
        actor=actor,
        action="claim.validated",
        changes={
            "status": {"before": ClaimStatus.SUBMITTED, "after": ClaimStatus.VALIDATED},
            "reimbursement_amount": {"before": None, "after": str(claim.reimbursement_amount)},
        },
        note=note,
        on_commit=lambda: _notify_partner(
            request,
            gettext_lazy("MDF claim for “%(title)s” validated"),
            gettext_lazy("Reimbursement of %(amount)s, paid with your next statement."),
            {"amount": format_money(claim.reimbursement_amount, request.currency)},
        ),
    )
    return claim


@transaction.atomic
def claim_reject(*, claim: Claim, actor, note: str) -> Claim:
    if not (actor.is_admin or actor.role in (Role.FINANCE, Role.CFO)):
        raise PermissionDenied
    claim = Claim.objects.select_for_update().select_related("fund_request").get(pk=claim.pk)
    if claim.status != ClaimStatus.SUBMITTED:
        raise ValidationError(_("Only a claim awaiting validation can be rejected."))
    if not (note or "").strip():
        raise ValidationError({"note": _("Give the reason for the rejection.")})
    claim.status = ClaimStatus.REJECTED
    claim.note = note.strip()
    claim.validated_by = actor
    claim.validated_at = timezone.now()
    claim.save(update_fields=["status", "note", "validated_by", "validated_at"])
    transition_record(
        claim,
        actor=actor,
        action="claim.rejected",
        changes={"status": {"before": ClaimStatus.SUBMITTED, "after": ClaimStatus.REJECTED}},
        note=note,
        on_commit=lambda: _notify_partner(
            claim.fund_request, gettext_lazy("MDF claim for “%(title)s” rejected"), note
        ),
    )
    return claim
