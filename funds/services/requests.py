"""MDF fund requests (DESIGN §7): submission against the balance, approval by the matrix (the last
approval reserves the amount), rejection, and release of a reservation left unclaimed.
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
from accounts.scoping import acts_on_company_finance, can_manage_partner
from core.fx import FxRateMissing, fx_convert
from core.money import format_money, round_money
from core.periods import Quarter
from core.transitions import transition_record

from ..choices import ClaimStatus, LedgerKind, RequestStatus
from ..models import ApprovalRule, Claim, FundApproval, FundRequest, FundRequestAttachment
from ..selectors import approval_rule_for, mdf_balance
from ._common import _attach, _entry, _lock_partner, _notify_partner, _today, _validate_files
from .claims import CLAIM_WINDOW_DAYS, claim_deadline

MAX_SHARE = Decimal("0.5")


@transaction.atomic
def fund_request_submit(
    *,
    partner,
    actor,
    title: str,
    activity_type: str,
    start_date: datetime.date,
    end_date: datetime.date,
    total_budget: Decimal,
    requested_amount: Decimal,
    expected_leads: int = 0,
    description: str = "",
    attachments=(),
) -> FundRequest:
    """Submit a request; vendor share ≤ 50% of the budget and ≤ the available balance."""
    if not acts_on_company_finance(actor, partner.pk):
        raise PermissionDenied
    partner = _lock_partner(partner)
    currency = partner.contract_currency
    errors: dict = {}
    if end_date < start_date:
        errors["end_date"] = [_("The activity cannot end before it starts.")]
    if total_budget <= 0:
        errors["total_budget"] = [_("The budget must be greater than zero.")]
    if requested_amount <= 0:
        errors.setdefault("requested_amount", []).append(
            _("The requested share must be greater than zero.")
        )
    elif total_budget > 0 and requested_amount > total_budget * MAX_SHARE:
        errors.setdefault("requested_amount", []).append(
            _("The vendor share can be at most 50%% of the budget (%(max)s).")
            % {"max": round_money(total_budget * MAX_SHARE, currency)}
        )
    balance = mdf_balance(partner=partner)
    if requested_amount > balance:
        errors.setdefault("requested_amount", []).append(
            _("The requested share exceeds the available MDF balance (%(balance)s).")
            % {"balance": balance}
        )
    errors |= _validate_files(attachments, "attachments")
    today = _today()
    amount_cny = Decimal("0")
    if not errors:
        try:
            amount_cny = round_money(fx_convert(requested_amount, currency, "CNY", today), "CNY")
        except FxRateMissing as exc:
            errors["requested_amount"] = [str(exc)]
    if errors:
        raise ValidationError(errors)
    try:
        rule = approval_rule_for(amount_cny=amount_cny)
    except ApprovalRule.DoesNotExist as exc:
        raise ValidationError(
            {"requested_amount": _("No approval rule covers this amount; contact the vendor.")}
        ) from exc
    request = FundRequest.objects.create(
        partner=partner,
        title=title,
        activity_type=activity_type,
        description=description,
        start_date=start_date,
        end_date=end_date,
        total_budget=round_money(total_budget, currency),
        requested_amount=round_money(requested_amount, currency),
        currency=currency,
        amount_cny=amount_cny,
        expected_leads=expected_leads,
        approver_roles=list(rule.approver_roles),
        required_roles=list(rule.required_roles),
        approvals_required=rule.approvals_required,
        submitted_by=actor,
        submitted_at=timezone.now(),
    )
    _attach(FundRequestAttachment, "fund_request", request, attachments, actor)
    transition_record(request, actor=actor, action="fund_request.submitted")
    return request


def fund_request_can_approve(actor, request: FundRequest) -> bool:
    if not actor.is_vendor_staff:
        return False
    if not (actor.is_admin or actor.role in request.approver_roles):
        return False
    if actor.role == Role.CHANNEL_MANAGER:
        return can_manage_partner(actor, request.partner)
    return True


@transaction.atomic
def fund_request_approve(*, fund_request: FundRequest, actor, note: str = "") -> FundRequest:
    """Add one approval; the last required one approves the request and reserves the amount."""
    request = FundRequest.objects.select_for_update().get(pk=fund_request.pk)
    if request.status != RequestStatus.SUBMITTED:
        raise ValidationError(_("Only a request awaiting approval can be approved."))
    if not fund_request_can_approve(actor, request):
        raise PermissionDenied(_("Your role cannot approve a request of this amount."))
    approvals = list(request.approvals.all())
    if any(a.approver_id == actor.pk for a in approvals):
        raise ValidationError(_("You have already approved this request; a different person must."))
    roles = [a.role for a in approvals] + [actor.role]
    complete = len(roles) >= request.approvals_required
    missing = [r for r in request.required_roles if r not in roles]
    if missing and len(roles) >= request.approvals_required:
        raise PermissionDenied(
            _("This request also needs the approval of: %(roles)s.")
            % {"roles": ", ".join(str(Role(r).label) for r in missing)}
        )
    FundApproval.objects.create(fund_request=request, approver=actor, role=actor.role, note=note)
    if not complete:
        transition_record(request, actor=actor, action="fund_request.approval_added", note=note)
        return request
    partner = _lock_partner(request.partner)
    if request.requested_amount > mdf_balance(partner=partner):
        raise ValidationError(
            _("The partner's available MDF balance no longer covers this request.")
        )
    request.status = RequestStatus.APPROVED
    request.approved_amount = request.requested_amount
    request.decision_note = note
    request.decided_at = timezone.now()
    request.save(update_fields=["status", "approved_amount", "decision_note", "decided_at"])
    _entry(
        partner=partner,
        kind=LedgerKind.RESERVATION,
        amount=-request.approved_amount,
        quarter=Quarter.containing(_today()),
        reason=request.title,
        created_by=actor,
        fund_request=request,
    )
    transition_record(
        request,
        actor=actor,
        action="fund_request.approved",
        changes={"status": {"before": RequestStatus.SUBMITTED, "after": RequestStatus.APPROVED}},
        note=note,
        on_commit=lambda: _notify_partner(
            request,
            gettext_lazy("MDF request “%(title)s” approved"),
            gettext_lazy("Approved vendor share: %(amount)s."),
            {"amount": format_money(request.approved_amount, request.currency)},
        ),
    )
    return request


@transaction.atomic
def fund_request_reject(*, fund_request: FundRequest, actor, note: str) -> FundRequest:
    request = FundRequest.objects.select_for_update().get(pk=fund_request.pk)
    if request.status != RequestStatus.SUBMITTED:
        raise ValidationError(_("Only a request awaiting approval can be rejected."))
    if not fund_request_can_approve(actor, request):
        raise PermissionDenied(_("Your role cannot decide a request of this amount."))
    if not (note or "").strip():
        raise ValidationError({"note": _("Give the reason for the rejection.")})
    request.status = RequestStatus.REJECTED
    request.decision_note = note.strip()
    request.decided_at = timezone.now()
    request.save(update_fields=["status", "decision_note", "decided_at"])
    transition_record(
        request,
        actor=actor,
        action="fund_request.rejected",
        changes={"status": {"before": RequestStatus.SUBMITTED, "after": RequestStatus.REJECTED}},
        note=note,
        on_commit=lambda: _notify_partner(
            request, gettext_lazy("MDF request “%(title)s” rejected"), note
        ),
    )
    return request


@transaction.atomic
def fund_request_release(*, fund_request: FundRequest) -> FundRequest | None:
    """Release the reservation of an approved request left unclaimed after the claim window."""
    request = FundRequest.objects.select_for_update().get(pk=fund_request.pk)
    if request.status != RequestStatus.APPROVED or _today() <= claim_deadline(request):
        return None
    if Claim.objects.filter(fund_request=request, status=ClaimStatus.SUBMITTED).exists():
        return None
    partner = _lock_partner(request.partner)
    _entry(
        partner=partner,
        kind=LedgerKind.RELEASE,
        amount=request.approved_amount,
        quarter=Quarter.containing(_today()),
        reason=_("Unclaimed after the claim window: %(title)s") % {"title": request.title},
        fund_request=request,
    )
    request.status = RequestStatus.RELEASED
    request.save(update_fields=["status"])
    transition_record(
        request,
        actor=None,
        action="fund_request.released",
        changes={"status": {"before": RequestStatus.APPROVED, "after": RequestStatus.RELEASED}},
    )
    return request


# Not atomic as a whole: a daily batch; each release is its own transaction.
def fund_request_release_unclaimed() -> int:
    cutoff = _today() - datetime.timedelta(days=CLAIM_WINDOW_DAYS)
    released = 0
    for request in FundRequest.objects.filter(
        status=RequestStatus.APPROVED, end_date__lt=cutoff
    ).iterator(chunk_size=500):
        if fund_request_release(fund_request=request) is not None:
            released += 1
    return released


def fund_requests_open_of(*, partner) -> int:
    """How many MDF requests of a leaving partner still hold or await money (exit step "mdf")."""
    return (
        FundRequest.objects.unrestricted("exit checklist of one partner")
        .filter(partner=partner, status__in=[RequestStatus.SUBMITTED, RequestStatus.APPROVED])
        .count()
    )


@transaction.atomic
def fund_requests_release_at_exit(*, partner, actor) -> str:
    """A leaving partner's MDF (DESIGN §2.9): requests awaiting approval are rejected, approved
    reservations with no claim under validation are released to the ledger; each row audited.
    Reservations with a claim waiting stay until the claim is decided."""
    if not (actor.is_vendor_staff and can_manage_partner(actor, partner)):
        raise PermissionDenied
    partner = _lock_partner(partner)
    note = _("The partner is leaving the programme.")
    requests = list(
        FundRequest.objects.unrestricted("exit of one partner")
        .select_for_update()
        .filter(partner=partner, status__in=[RequestStatus.SUBMITTED, RequestStatus.APPROVED])
        .order_by("pk")
    )
    waiting = set(
        Claim.objects.filter(fund_request__in=requests, status=ClaimStatus.SUBMITTED).values_list(
            "fund_request_id", flat=True
        )
    )
    rejected = released = 0
    for request in requests:
        before = request.status
        if request.status == RequestStatus.SUBMITTED:
            request.status = RequestStatus.REJECTED
            request.decision_note = note
            request.decided_at = timezone.now()
            request.save(update_fields=["status", "decision_note", "decided_at"])
            rejected += 1
        elif request.pk not in waiting:
            _entry(
                partner=partner,
                kind=LedgerKind.RELEASE,
                amount=request.approved_amount,
                quarter=Quarter.containing(_today()),
                reason=_("Released at the partner's exit: %(title)s") % {"title": request.title},
                fund_request=request,
            )
            request.status = RequestStatus.RELEASED
            request.save(update_fields=["status"])
            released += 1
        else:
            continue
        transition_record(
            request,
            actor=actor,
            action="fund_request.released_at_exit",
            partner=partner,
            changes={"status": {"before": before, "after": request.status}},
            note=note,
        )
    return _("%(released)s MDF reservations released, %(rejected)s requests rejected.") % {
        "released": released,
        "rejected": rejected,
    }
