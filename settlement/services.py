"""Writes of the settlement app: the queue, the period job and statement transitions (DESIGN §6)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.choices import FINANCE_ROLES, Role
from accounts.models import User
from core.audit import audit_record
from core.fx import fx_rate
from core.jobs import job_create, job_progress, job_started, job_succeeded
from core.models import JobRun
from core.money import round_money
from core.notifications import Audience, notify, partner_recipients
from core.periods import Quarter
from core.uploads import validate_document
from partners.models import Partner

from . import jobs, permissions
from .choices import (
    AnomalyState,
    DisputeState,
    EntryKind,
    ResolutionAction,
    ReviewOutcome,
    StatementState,
)
from .matching import match_chunk, orders_sync_from_deals, partner_chunks
from .models import (
    AnomalyResolution,
    Dispute,
    DisputeEvidence,
    PartnerTaxProfile,
    ReconciliationAnomaly,
    ReconciliationRun,
    ReviewRound,
    SettlementEntry,
    SettlementPolicy,
    Statement,
    StatementApproval,
    StatementLine,
)
from .period_hooks import period_preparers
from .rules import response_deadline, response_window_closed_filter

APPROVER_ROLES = FINANCE_ROLES | {Role.ADMIN}


def _period(text: str) -> Quarter:
    try:
        return Quarter.parse(text)
    except ValueError as exc:
        raise ValidationError({"period": _("Enter a quarter like 2026Q3.")}) from exc


def settlement_entry_queue(
    *,
    partner: Partner,
    kind: str,
    amount: Decimal,
    currency: str,
    description: str,
    source_type: str,
    source_id: str | int,
    period: str,
) -> SettlementEntry:
    """Queue an amount for the partner's next statement; queueing the same source twice is a no-op."""
    if kind not in EntryKind.values:
        raise ValidationError({"kind": _("Unknown entry kind.")})
    if not isinstance(amount, Decimal):
        raise ValidationError({"amount": _("Amounts must be decimals.")})
    quarter = _period(period)
    lookup = {"kind": kind, "source_type": source_type, "source_id": str(source_id)}
    existing = SettlementEntry.objects.filter(**lookup).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return SettlementEntry.objects.create(
                partner=partner,
                amount=amount,
                currency=currency,
                description=description[:300],
                period=str(quarter),
                **lookup,
            )
    except IntegrityError:
        return SettlementEntry.objects.get(**lookup)


def _tax_rate(partner: Partner) -> Decimal:
    profile = PartnerTaxProfile.objects.filter(partner=partner).first()
    return profile.tax_rate if profile else Decimal("0")


def _carried_balance(partner: Partner, quarter: Quarter, currency: str) -> Decimal:
    """The negative payable of the partner's latest earlier statement, carried forward."""
    previous = (
        Statement.objects.filter(partner=partner, period__lt=str(quarter))
        .order_by("-period", "-revision")
        .first()
    )
    if previous is None or previous.payable >= 0:
        return Decimal("0")
    rate = fx_rate(previous.currency, currency, quarter.end)
    return round_money(previous.payable * rate, currency)


def statement_totals(
    *, subtotal: Decimal, carried: Decimal, tax_rate: Decimal, currency: str
) -> tuple[Decimal, Decimal]:
    """(tax, payable): withholding applies to a positive balance only; a negative one carries on."""
    gross = subtotal + carried
    tax = round_money(gross * tax_rate, currency) if gross > 0 else Decimal("0")
    return tax, gross - tax


@transaction.atomic
def statement_build(*, partner: Partner, period: str) -> Statement | None:
    """Build the partner's statement for `period` from its queued entries; None if one exists.

    Entries of this or earlier periods not yet on a statement are included, converted to the
    contract currency at the period's end date.
    """
    quarter = _period(period)
    Partner.objects.select_for_update().get(pk=partner.pk)
    if Statement.objects.filter(partner=partner, period=str(quarter)).exists():
        return None
    entries = list(
        SettlementEntry.objects.select_for_update()
        .filter(partner=partner, statement__isnull=True, period__lte=str(quarter))
        .order_by("created_at", "pk")
    )
    carried = _carried_balance(partner, quarter, partner.contract_currency)
    if not entries and not carried:
        return None
    currency = partner.contract_currency
    statement = Statement.objects.create(
        partner=partner,
        period=str(quarter),
        number=f"ST-{quarter}-{partner.pk:06d}-1",
        currency=currency,
        tax_rate=_tax_rate(partner),
        carried_balance=carried,
    )
    lines = []
    for entry in entries:
        rate = fx_rate(entry.currency, currency, quarter.end)
        lines.append(
            StatementLine(
                statement=statement,
                entry=entry,
                kind=entry.kind,
                description=entry.description,
                amount=round_money(entry.amount * rate, currency),
                original_amount=entry.amount,
                original_currency=entry.currency,
                fx_rate=rate,
            )
        )
    StatementLine.objects.bulk_create(lines)
    SettlementEntry.objects.filter(pk__in=[e.pk for e in entries]).update(statement=statement)
    statement.subtotal = sum((line.amount for line in lines), Decimal("0"))
    statement.tax_amount, statement.payable = statement_totals(
        subtotal=statement.subtotal,
        carried=carried,
        tax_rate=statement.tax_rate,
        currency=currency,
    )
    statement.save(update_fields=["subtotal", "tax_amount", "payable"])
    audit_record(actor=None, action="statement.built", obj=statement, note=str(quarter))
    return statement


# Not atomic as a whole: a batch; each partner's statement is built in its own transaction.
def statement_build_period(*, period: str) -> list[Statement]:
    """One statement per partner with queued entries or a carried balance; re-running adds none.

    What the registered preparers queue for the quarter (its final rebate accruals) comes first.
    """
    quarter = _period(period)
    for preparer in period_preparers():
        preparer(quarter)
    partner_ids = set(
        SettlementEntry.objects.filter(
            statement__isnull=True, period__lte=str(quarter)
        ).values_list("partner_id", flat=True)
    ) | set(
        Statement.objects.filter(period__lt=str(quarter), payable__lt=0).values_list(
            "partner_id", flat=True
        )
    )
    built = []
    for partner in Partner.objects.filter(pk__in=partner_ids).order_by("pk"):
        statement = statement_build(partner=partner, period=str(quarter))
        if statement is not None:
            built.append(statement)
    return built


def _lock(statement: Statement) -> Statement:
    return Statement.objects.select_for_update().get(pk=statement.pk)


def _require_state(statement: Statement, *states: str) -> None:
    if statement.state not in states:
        raise ValidationError(permissions.state_refusal(statement))


def _require_finance(actor: User) -> None:
    if not (actor.is_admin or actor.role in FINANCE_ROLES):
        raise ValidationError(_("Only finance may do this."))


def _require_response_allowed(statement: Statement, actor: User) -> None:
    refusal = permissions.respond_refusal(statement=statement, user=actor)
    if refusal:
        raise ValidationError(refusal)


def _transition(statement: Statement, *, actor, state: str, action: str, note: str = "", **fields):
    before = statement.state
    statement.state = state
    for name, value in fields.items():
        setattr(statement, name, value)
    statement.save(update_fields=["state", *fields])
    audit_record(
        actor=actor,
        action=f"statement.{action}",
        obj=statement,
        changes={"state": {"before": before, "after": state}},
        note=note,
    )
    return statement


def _statement_recipients(statement: Statement) -> list[User]:
    """A statement concerns the partner's finance people and its admins, not its sellers."""
    return partner_recipients(partner=statement.partner_id, audience=Audience.FINANCE)


def _finance_users():
    return User.objects.filter(role__in=FINANCE_ROLES, is_active=True)


def _literal(text: str) -> str:
    """User text as a notification body: its own % signs are not placeholders."""
    return text.replace("%", "%%")


def _url(statement: Statement) -> str:
    return reverse("settlement:statement_detail", args=[statement.pk])


def required_approvals_for(statement: Statement) -> int:
    """Three distinct approvers at or above the CNY-equivalent threshold, otherwise one."""
    policy = SettlementPolicy.current()
    rate = fx_rate(
        statement.currency, settings.PRM_BASE_CURRENCY, Quarter.parse(statement.period).end
    )
    if statement.payable * rate >= policy.countersign_threshold:
        return policy.countersign_approvers
    return 1


def open_review_round(statement: Statement) -> ReviewRound | None:
    """The statement's review round in progress, if it is in review."""
    return statement.review_rounds.filter(outcome=ReviewOutcome.OPEN).first()


def _review_round_end(review_round: ReviewRound, *, actor: User, outcome: str, note: str = ""):
    review_round.outcome = outcome
    review_round.ended_by = actor
    review_round.ended_at = timezone.now()
    review_round.end_note = note[:300]
    review_round.save(update_fields=["outcome", "ended_by", "ended_at", "end_note"])


@transaction.atomic
def statement_submit(*, statement: Statement, actor: User) -> Statement:
    """Draft → in review: opens the next review round, whose submitter (also recorded as the
    preparer) may not approve in it."""
    _require_finance(actor)
    statement = _lock(statement)
    _require_state(statement, StatementState.DRAFT)
    required = required_approvals_for(statement)
    number = statement.review_rounds.count() + 1
    ReviewRound.objects.create(
        statement=statement,
        number=number,
        submitted_by=actor,
        submitted_at=timezone.now(),
        required_approvals=required,
    )
    return _transition(
        statement,
        actor=actor,
        state=StatementState.IN_REVIEW,
        action="submitted",
        note=f"round {number}",
        preparer=actor,
        required_approvals=required,
    )


@transaction.atomic
def statement_approve(*, statement: Statement, actor: User, note: str = "") -> Statement:
    """Record one approval in the open review round; the statement is approved when enough
    distinct approvers signed in that round (earlier rounds never count)."""
    statement = _lock(statement)
    review_round = open_review_round(statement)
    refusal = permissions.approve_refusal(
        statement=statement, user=actor, review_round=review_round
    )
    if refusal:
        raise ValidationError(refusal)
    StatementApproval.objects.create(
        statement=statement, review_round=review_round, approver=actor, note=note[:300]
    )
    count = review_round.approvals.count()
    audit_record(
        actor=actor,
        action="statement.approval_recorded",
        obj=statement,
        note=f"round {review_round.number}: {count}/{review_round.required_approvals}",
    )
    if count >= review_round.required_approvals:
        _review_round_end(review_round, actor=actor, outcome=ReviewOutcome.APPROVED)
        _transition(statement, actor=actor, state=StatementState.APPROVED, action="approved")
    return statement


@transaction.atomic
def statement_return(*, statement: Statement, actor: User, note: str = "") -> Statement:
    """In review → draft: ends the review round; its approvals stay on record but never count."""
    _require_finance(actor)
    statement = _lock(statement)
    _require_state(statement, StatementState.IN_REVIEW)
    if not note.strip():
        raise ValidationError({"note": _("Say why the statement goes back.")})
    _review_round_end(
        open_review_round(statement), actor=actor, outcome=ReviewOutcome.RETURNED, note=note
    )
    return _transition(
        statement, actor=actor, state=StatementState.DRAFT, action="returned", note=note
    )


@transaction.atomic
def statement_publish(*, statement: Statement, actor: User) -> Statement:
    """Approved → published; the partner has 7 business days to confirm or dispute."""
    _require_finance(actor)
    statement = _lock(statement)
    _require_state(statement, StatementState.APPROVED)
    now = timezone.now()
    _transition(
        statement,
        actor=actor,
        state=StatementState.PUBLISHED,
        action="published",
        published_at=now,
        response_due_at=response_deadline(now),
    )
    notify(
        recipients=_statement_recipients(statement),
        kind="statement.published",
        title=gettext_lazy("Statement %(number)s is published"),
        body=gettext_lazy("Please confirm or dispute it within 7 business days."),
        url=_url(statement),
        params={"number": statement.number},
    )
    return statement


@transaction.atomic
def statement_confirm(*, statement: Statement, actor: User) -> Statement:
    """Published → confirmed by the partner's own user, refused once the response window closed."""
    statement = _lock(statement)
    _require_response_allowed(statement, actor)
    _transition(
        statement,
        actor=actor,
        state=StatementState.CONFIRMED,
        action="confirmed",
        confirmed_at=timezone.now(),
    )
    notify(
        recipients=_finance_users(),
        kind="statement.confirmed",
        title=gettext_lazy("Statement %(number)s was confirmed"),
        url=_url(statement),
        params={"number": statement.number},
    )
    return statement


@transaction.atomic
def statement_deem_confirmed(*, now=None) -> int:
    """Published statements past their response window become confirmed (daily job)."""
    now = now or timezone.now()
    count = 0
    due = Statement.objects.select_for_update(skip_locked=True).filter(
        response_window_closed_filter(now=now), state=StatementState.PUBLISHED
    )
    for statement in due:
        _transition(
            statement,
            actor=None,
            state=StatementState.CONFIRMED,
            action="deemed_confirmed",
            confirmed_at=now,
            deemed_confirmed=True,
        )
        notify(
            recipients=_statement_recipients(statement),
            kind="statement.deemed_confirmed",
            title=gettext_lazy("Statement %(number)s is deemed confirmed"),
            url=_url(statement),
            params={"number": statement.number},
        )
        count += 1
    return count


@transaction.atomic
def statement_dispute(
    *, statement: Statement, actor: User, line_ids: list[int], reason: str, files=()
) -> Dispute:
    """Published → disputed, naming lines, a reason and evidence (validated documents); refused
    once the response window closed."""
    statement = _lock(statement)
    _require_response_allowed(statement, actor)
    errors = {}
    lines = list(statement.lines.filter(pk__in=line_ids))
    if not line_ids or len(lines) != len(set(line_ids)):
        errors["lines"] = _("Choose the disputed lines of this statement.")
    if not reason.strip():
        errors["reason"] = _("Say what is wrong.")
    for upload in files:
        try:
            validate_document(upload)
        except ValidationError as exc:
            errors["evidence"] = exc.messages
    if errors:
        raise ValidationError(errors)
    dispute = Dispute.objects.create(statement=statement, raised_by=actor, reason=reason)
    dispute.lines.set(lines)
    for upload in files:
        DisputeEvidence.objects.create(dispute=dispute, file=upload)
    _transition(
        statement, actor=actor, state=StatementState.DISPUTED, action="disputed", note=reason
    )
    notify(
        recipients=_finance_users(),
        kind="statement.disputed",
        title=gettext_lazy("Statement %(number)s is disputed"),
        body=_literal(reason),
        url=_url(statement),
        params={"number": statement.number},
    )
    return dispute


@transaction.atomic
def dispute_resolve(
    *, dispute: Dispute, actor: User, answer: str, adjustment_amount: Decimal | None = None
) -> Dispute:
    """Finance answers; a non-zero adjustment is queued for the partner's next statement."""
    _require_finance(actor)
    dispute = Dispute.objects.select_for_update().select_related("statement").get(pk=dispute.pk)
    if dispute.state != DisputeState.OPEN:
        raise ValidationError(_("This dispute is already resolved."))
    if not answer.strip():
        raise ValidationError({"answer": _("Write the answer to the partner.")})
    statement = dispute.statement
    dispute.state = DisputeState.RESOLVED
    dispute.answer = answer
    dispute.answered_by = actor
    dispute.answered_at = timezone.now()
    dispute.adjustment_amount = adjustment_amount
    dispute.save()
    if adjustment_amount:
        settlement_entry_queue(
            partner=statement.partner,
            kind=EntryKind.DISPUTE_OUTCOME,
            amount=adjustment_amount,
            currency=statement.currency,
            description=_("Dispute outcome for %(number)s") % {"number": statement.number},
            source_type="settlement.dispute",
            source_id=dispute.pk,
            period=str(Quarter.parse(statement.period).next()),
        )
    audit_record(
        actor=actor,
        action="dispute.resolved",
        obj=dispute,
        changes={"adjustment_amount": {"before": None, "after": str(adjustment_amount or 0)}},
        note=answer,
    )
    notify(
        recipients=_statement_recipients(statement),
        kind="statement.dispute_answered",
        title=gettext_lazy("Your dispute of %(number)s was answered"),
        body=_literal(answer),
        url=_url(statement),
        params={"number": statement.number},
    )
    return dispute


@transaction.atomic
def statement_mark_paid(*, statement: Statement, actor: User) -> Statement:
    """Confirmed, or disputed with every dispute resolved → paid."""
    _require_finance(actor)
    statement = _lock(statement)
    _require_state(statement, StatementState.CONFIRMED, StatementState.DISPUTED)
    if statement.disputes.filter(state=DisputeState.OPEN).exists():
        raise ValidationError(_("Resolve the open dispute first."))
    return _transition(
        statement, actor=actor, state=StatementState.PAID, action="paid", paid_at=timezone.now()
    )


@transaction.atomic
def statement_close(*, statement: Statement, actor: User) -> Statement:
    _require_finance(actor)
    statement = _lock(statement)
    _require_state(statement, StatementState.PAID)
    return _transition(
        statement,
        actor=actor,
        state=StatementState.CLOSED,
        action="closed",
        closed_at=timezone.now(),
    )


# --- reconciliation (DESIGN §6.4) -----------------------------------------------------------
RECONCILIATION_CHUNKS = 8


@transaction.atomic
def reconciliation_run_start(*, actor: User | None, chunks: int = RECONCILIATION_CHUNKS):
    """Create a run with its progress job and queue the fan-out after commit."""
    if actor is not None:
        _require_finance(actor)
    job = job_create(kind=jobs.RECONCILIATION, label=str(_("Reconciliation")), user=actor, total=0)
    run = ReconciliationRun.objects.create(job=job, started_by=actor)
    audit_record(actor=actor, action="reconciliation.started", obj=run)

    def enqueue() -> None:
        from .tasks import reconciliation_run_task

        reconciliation_run_task.delay(run.pk, chunks)

    transaction.on_commit(enqueue)
    return run


# Not atomic: a step of the chunked run; its progress rows must be visible while chunks run.
def reconciliation_run_fan_out(*, run_id: int, chunks: int) -> list[list[int]]:
    """Take won deals in as orders, split the partners into chunks and record the chunk count."""
    run = ReconciliationRun.objects.select_related("job").get(pk=run_id)
    orders_sync_from_deals()
    ranges = partner_chunks(chunks=chunks)
    ReconciliationRun.objects.filter(pk=run.pk).update(chunks=len(ranges))
    if run.job:
        job_started(run.job, total=len(ranges))
    if not ranges:
        reconciliation_run_finish(run_id=run.pk)
        if run.job:
            job_succeeded(run.job, message=_("Nothing to match."))
    return ranges


# Not atomic as a whole: the chunk commits on its own, then its progress is counted.
def reconciliation_chunk_run(*, run_id: int, partner_range: tuple[int, int]) -> dict[str, int]:
    """Match one chunk (its own transaction, the partners locked) and count it as done."""
    lo, hi = partner_range
    with transaction.atomic():
        # Two runs never match the same partners at once (the window step reads, then inserts).
        list(
            Partner.objects.filter(pk__range=(lo, hi))
            .order_by("pk")
            .select_for_update(no_key=True)
            .values_list("pk", flat=True)
        )
        counts = match_chunk(run_id=run_id, partner_range=(lo, hi))
    ReconciliationRun.objects.filter(pk=run_id).update(chunks_done=F("chunks_done") + 1)
    run = ReconciliationRun.objects.get(pk=run_id)
    if run.job_id:
        JobRun.objects.filter(pk=run.job_id).update(done=F("done") + 1)
        job = JobRun.objects.get(pk=run.job_id)
        job_progress(
            job,
            done=job.done,
            message=_("%(done)s of %(total)s partner chunks matched")
            % {"done": run.chunks_done, "total": run.chunks},
        )
    if run.chunks_done >= run.chunks:
        reconciliation_run_finish(run_id=run_id)
    return counts


@transaction.atomic
def reconciliation_run_finish(*, run_id: int) -> None:
    """Mark the run finished once (the last chunk calls it); tell finance about open anomalies."""
    updated = ReconciliationRun.objects.filter(pk=run_id, finished_at__isnull=True).update(
        finished_at=timezone.now()
    )
    if not updated:
        return
    run = ReconciliationRun.objects.select_related("job").get(pk=run_id)
    raised = ReconciliationAnomaly.objects.filter(run=run, state=AnomalyState.OPEN).count()
    if run.job:
        job_succeeded(
            run.job,
            result={"anomalies": raised},
            message=_("%(n)s new anomalies") % {"n": raised},
        )
    if raised:
        notify(
            recipients=_finance_users(),
            kind="reconciliation.anomalies",
            title=gettext_lazy("Reconciliation found %(n)s new anomalies"),
            url=reverse("settlement:reconciliation_run", args=[run.pk]),
            params={"n": raised},
        )


@transaction.atomic
def anomaly_resolve(*, anomaly, actor: User, action: str, note: str):
    """Finance records what was done about an open anomaly (append-only resolution)."""
    _require_finance(actor)
    anomaly = ReconciliationAnomaly.objects.select_for_update().get(pk=anomaly.pk)
    errors = {}
    if action not in ResolutionAction.values:
        errors["action"] = _("Choose what was done.")
    if not (note or "").strip():
        errors["note"] = _("Say what was done and why.")
    if errors:
        raise ValidationError(errors)
    if anomaly.state != AnomalyState.OPEN:
        raise ValidationError(_("This anomaly is already closed."))
    AnomalyResolution.objects.create(anomaly=anomaly, action=action, note=note.strip(), actor=actor)
    anomaly.state = AnomalyState.RESOLVED
    anomaly.closed_at = timezone.now()
    anomaly.save(update_fields=["state", "closed_at"])
    audit_record(
        actor=actor,
        action="reconciliation.anomaly_resolved",
        obj=anomaly,
        changes={"state": {"before": AnomalyState.OPEN, "after": AnomalyState.RESOLVED}},
        note=f"{action}: {note.strip()}",
    )
    return anomaly
