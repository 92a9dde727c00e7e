"""Writes of the MDF programme (DESIGN §7). Every movement of money is a new ledger row."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.choices import Role
from accounts.scoping import acts_on_company_finance, can_manage_partner, is_own_company
from core.audit import audit_record
from core.fx import FxRateMissing, fx_convert
from core.money import round_money
from core.notifications import Audience, notify, partner_recipients
from core.periods import Quarter
from core.uploads import validate_document
from partners.models import Partner
from settlement.services import settlement_entry_queue

from .choices import ALLOCATION_KINDS, ClaimStatus, LedgerKind, RequestStatus, SettlementState
from .inputs import partner_net_revenue, partners_net_revenue
from .models import (
    ActivityResult,
    ApprovalRule,
    Claim,
    ClaimAttachment,
    FundApproval,
    FundRequest,
    FundRequestAttachment,
    MdfLedgerEntry,
)
from .selectors import approval_rule_for, mdf_balance

CLAIM_WINDOW_DAYS = 60
MAX_SHARE = Decimal("0.5")


def _today() -> datetime.date:
    return timezone.localdate()


def _lock_partner(partner):
    return Partner.objects.select_for_update().get(pk=partner.pk)


def _entry(*, partner, kind: str, amount: Decimal, quarter: Quarter, **extra) -> MdfLedgerEntry:
    return MdfLedgerEntry.objects.create(
        partner=partner,
        kind=kind,
        amount=round_money(amount, partner.contract_currency),
        currency=partner.contract_currency,
        quarter=str(quarter),
        **extra,
    )


# --- Ledger -------------------------------------------------------------------------------------


@transaction.atomic
def mdf_accrue(
    *, partner, quarter: Quarter, revenue: Decimal | None = None
) -> MdfLedgerEntry | None:
    """Accrue tier MDF rate × the previous quarter's net revenue for `quarter`, at most once.

    `revenue` is the previous quarter's net revenue when the caller already has it (the job reads
    it for a whole chunk of partners in one query); otherwise it is read here.
    """
    rate = partner.tier.mdf_rate
    if MdfLedgerEntry.objects.filter(
        partner=partner, quarter=str(quarter), kind=LedgerKind.ACCRUAL
    ).exists():
        return None
    if revenue is None:
        revenue = partner_net_revenue(partner, quarter.previous())
    amount = round_money(rate * revenue, partner.contract_currency)
    if amount <= 0:
        return None
    try:
        with transaction.atomic():
            entry = _entry(
                partner=partner,
                kind=LedgerKind.ACCRUAL,
                amount=amount,
                quarter=quarter,
                reason=_("%(rate)s × net revenue %(revenue)s of %(quarter)s")
                % {
                    "rate": rate,
                    "revenue": round_money(revenue, partner.contract_currency),
                    "quarter": quarter.previous(),
                },
            )
    except IntegrityError:
        return None  # a concurrent run accrued it first
    audit_record(actor=None, action="mdf.accrued", obj=entry, partner=partner)
    return entry


# Not atomic as a whole: a quarterly batch; each partner's accrual is its own transaction.
def mdf_accrue_all(*, quarter: Quarter, chunk_size: int = 500) -> int:
    """The quarterly accrual job: one accrual per active partner; safe to run again.

    Partners are read in chunks; each chunk's previous-quarter revenue is one query.
    """
    created = 0
    partners = (
        Partner.objects.filter(status="active", tier__mdf_rate__gt=0)
        .exclude(
            pk__in=MdfLedgerEntry.objects.filter(
                quarter=str(quarter), kind=LedgerKind.ACCRUAL
            ).values("partner_id")
        )
        .select_related("tier")
        .order_by("pk")
    )
    chunk: list = []
    for partner in partners.iterator(chunk_size=chunk_size):
        chunk.append(partner)
        if len(chunk) == chunk_size:
            created += _accrue_chunk(chunk, quarter)
            chunk = []
    if chunk:
        created += _accrue_chunk(chunk, quarter)
    return created


def _accrue_chunk(partners: list, quarter: Quarter) -> int:
    revenue = partners_net_revenue(partners, quarter.previous())
    created = 0
    for partner in partners:
        if partner.pk not in revenue:
            continue
        if mdf_accrue(partner=partner, quarter=quarter, revenue=revenue[partner.pk]) is not None:
            created += 1
    return created


@transaction.atomic
def mdf_allocate(*, partner, amount: Decimal, reason: str, actor) -> MdfLedgerEntry:
    """A discretionary allocation by staff; the reason is mandatory."""
    if not actor.is_vendor_staff or not (
        actor.is_admin or actor.role == Role.CHANNEL_DIRECTOR or can_manage_partner(actor, partner)
    ):
        raise PermissionDenied
    errors = {}
    if not (reason or "").strip():
        errors["reason"] = _("Give the reason for this allocation.")
    if amount is None or amount <= 0:
        errors["amount"] = _("The amount must be greater than zero.")
    if errors:
        raise ValidationError(errors)
    entry = _entry(
        partner=partner,
        kind=LedgerKind.DISCRETIONARY,
        amount=amount,
        quarter=Quarter.containing(_today()),
        reason=reason.strip(),
        created_by=actor,
    )
    audit_record(actor=actor, action="mdf.allocated", obj=entry, note=entry.reason)
    return entry


@transaction.atomic
def mdf_expire(*, partner, quarter: Quarter) -> MdfLedgerEntry | None:
    """Expire funds still unused at the end of `quarter` that were allocated before it.

    Funds are spent oldest first, so what remains beyond this quarter's own allocations is the
    previous quarter's money, which expires now (DESIGN §7). Runs at most once per quarter.
    """
    partner = _lock_partner(partner)
    if MdfLedgerEntry.objects.filter(
        partner=partner, quarter=str(quarter), kind=LedgerKind.EXPIRY
    ).exists():
        return None
    recent = MdfLedgerEntry.objects.filter(
        partner=partner, kind__in=ALLOCATION_KINDS, quarter__gte=str(quarter)
    ).aggregate(total=Sum("amount"))["total"] or Decimal("0")
    unused = mdf_balance(partner=partner) - recent
    if unused <= 0:
        return None
    entry = _entry(
        partner=partner,
        kind=LedgerKind.EXPIRY,
        amount=-unused,
        quarter=quarter,
        reason=_("Funds allocated before %(quarter)s unused at its end") % {"quarter": quarter},
    )
    audit_record(actor=None, action="mdf.expired", obj=entry, partner=partner)
    return entry


# Not atomic as a whole: a quarterly batch; each partner's expiry is its own transaction.
def mdf_expire_all(*, quarter: Quarter) -> int:
    partner_ids = MdfLedgerEntry.objects.values_list("partner_id", flat=True).distinct().order_by()
    expired = 0
    for partner in Partner.objects.filter(pk__in=partner_ids).iterator(chunk_size=500):
        if mdf_expire(partner=partner, quarter=quarter) is not None:
            expired += 1
    return expired


# --- Fund requests ------------------------------------------------------------------------------


def _attach(model, owner_field: str, owner, files, actor) -> None:
    for upload in files:
        model.objects.create(**{owner_field: owner}, file=upload, uploaded_by=actor)


def _validate_files(files, field: str) -> dict:
    messages = []
    for upload in files:
        try:
            validate_document(upload)
        except ValidationError as exc:
            messages.extend(f"{upload.name}: {m}" for m in exc.messages)
    return {field: messages} if messages else {}


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
    audit_record(actor=actor, action="fund_request.submitted", obj=request)
    return request


def fund_request_can_approve(actor, request: FundRequest) -> bool:
    if not actor.is_vendor_staff:
        return False
    if not (actor.is_admin or actor.role in request.approver_roles):
        return False
    if actor.role == Role.CHANNEL_MANAGER:
        return can_manage_partner(actor, request.partner)
    return True


def _notify_partner(request: FundRequest, title, body: str = "") -> None:
    # The requester and the company's finance people and admins, not the whole company.
    recipients = partner_recipients(
        partner=request.partner_id, audience=Audience.FINANCE, people=[request.submitted_by_id]
    )
    if recipients:
        notify(
            recipients=recipients,
            kind="mdf.decision",
            title=title,
            body=body,
            url=f"/funds/requests/{request.pk}/",
            params={"title": request.title},
        )


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
        audit_record(actor=actor, action="fund_request.approval_added", obj=request, note=note)
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
    audit_record(
        actor=actor,
        action="fund_request.approved",
        obj=request,
        changes={"status": {"before": RequestStatus.SUBMITTED, "after": RequestStatus.APPROVED}},
        note=note,
    )
    transaction.on_commit(
        lambda: _notify_partner(request, gettext_lazy("MDF request “%(title)s” approved"))
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
    audit_record(
        actor=actor,
        action="fund_request.rejected",
        obj=request,
        changes={"status": {"before": RequestStatus.SUBMITTED, "after": RequestStatus.REJECTED}},
        note=note,
    )
    transaction.on_commit(
        lambda: _notify_partner(request, gettext_lazy("MDF request “%(title)s” rejected"), note)
    )
    return request


# --- Claims -------------------------------------------------------------------------------------


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
    audit_record(actor=actor, action="claim.submitted", obj=claim)
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
        description=_("MDF reimbursement: %(title)s") % {"title": request.title},
        source_type="funds.claim",
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
    audit_record(
        actor=actor,
        action="claim.validated",
        obj=claim,
        changes={
            "status": {"before": ClaimStatus.SUBMITTED, "after": ClaimStatus.VALIDATED},
            "reimbursement_amount": {"before": None, "after": str(claim.reimbursement_amount)},
        },
        note=note,
    )
    transaction.on_commit(
        lambda: _notify_partner(request, gettext_lazy("MDF claim for “%(title)s” validated"))
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
    audit_record(
        actor=actor,
        action="claim.rejected",
        obj=claim,
        changes={"status": {"before": ClaimStatus.SUBMITTED, "after": ClaimStatus.REJECTED}},
        note=note,
    )
    transaction.on_commit(
        lambda: _notify_partner(
            claim.fund_request, gettext_lazy("MDF claim for “%(title)s” rejected"), note
        )
    )
    return claim


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
    audit_record(
        actor=None,
        action="fund_request.released",
        obj=request,
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


# --- Results ------------------------------------------------------------------------------------


@transaction.atomic
def activity_result_record(
    *, fund_request: FundRequest, actor, leads_count: int, deal_revenue: Decimal
) -> ActivityResult:
    """Record leads and deal revenue attributed to an approved activity (staff or its partner)."""
    fund_request = FundRequest.objects.select_for_update().get(pk=fund_request.pk)
    if actor.is_partner_user:
        if not is_own_company(actor, fund_request.partner_id):
            raise PermissionDenied
    elif not actor.is_vendor_staff:
        raise PermissionDenied
    if fund_request.status not in (
        RequestStatus.APPROVED,
        RequestStatus.CLAIMED,
        RequestStatus.RELEASED,
    ):
        raise ValidationError(_("Results can be recorded for approved activities only."))
    errors = {}
    if leads_count is None or leads_count < 0:
        errors["leads_count"] = _("Enter zero or more leads.")
    if deal_revenue is None or deal_revenue < 0:
        errors["deal_revenue"] = _("Enter zero or more revenue.")
    if errors:
        raise ValidationError(errors)
    result = ActivityResult.objects.select_for_update().filter(fund_request=fund_request).first()
    before = (
        {"leads_count": result.leads_count, "deal_revenue": str(result.deal_revenue)}
        if result
        else {}
    )
    if result is None:
        result = ActivityResult(fund_request=fund_request)
    result.leads_count = leads_count
    result.deal_revenue = round_money(deal_revenue, fund_request.currency)
    result.updated_by = actor
    result.save()
    after = {"leads_count": result.leads_count, "deal_revenue": str(result.deal_revenue)}
    audit_record(
        actor=actor,
        action="activity_result.recorded",
        obj=result,
        changes={k: {"before": before.get(k), "after": v} for k, v in after.items()},
    )
    return result
