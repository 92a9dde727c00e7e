"""Statements (DESIGN §6): the entry queue, the period build, review rounds, publish, pay, close."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from core.fx import fx_rate
from core.money import format_money, round_money
from core.periods import Quarter
from core.transitions import Notice, transition_record
from partners.models import Partner

from .. import permissions
from ..choices import DisputeState, EntryKind, ReviewOutcome, StatementState
from ..line_descriptions import DISPUTE_OUTCOME, line_description_render
from ..models import (
    PartnerTaxProfile,
    ReviewRound,
    SettlementEntry,
    SettlementPolicy,
    Statement,
    StatementApproval,
    StatementLine,
)
from ..period_hooks import period_preparers
from ..rules import response_deadline
from ._common import _lock, _period, _require_finance, _statement_recipients, _transition, _url


def settlement_entry_queue(
    *,
    partner: Partner,
    kind: str,
    amount: Decimal,
    currency: str,
    description: str = "",
    description_key: str = "",
    description_params: Mapping[str, Any] | None = None,
    source_type: str,
    source_id: str | int,
    period: str,
) -> SettlementEntry:
    """Queue an amount for the partner's next statement; queueing the same source twice is a no-op.

    With `description_key` (a message registered in `settlement.line_descriptions`) and its
    placeholders the description is rendered in each reader's language; `description` (by
    default the text in the active language) is stored as well, the fallback for readers."""
    if description_key and not description:
        description = line_description_render(
            key=description_key, params=description_params, stored=""
        )
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
                description_key=description_key,
                description_params=dict(description_params) if description_params else None,
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
        .exclude(state=StatementState.SUPERSEDED)
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
                description_key=entry.description_key,
                description_params=entry.description_params,
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
    transition_record(statement, actor=None, action="statement.built", note=str(quarter))
    return statement


def _revision_number(statement: Statement, revision: int) -> str:
    """The number of a statement's re-issued revision: ST-2026Q3-000042-1 becomes …-2."""
    base, _sep, last = statement.number.rpartition("-")
    if not base or last != str(statement.revision):
        base = statement.number
    return f"{base}-{revision}"


def _statement_reissue_build(
    *, statement: Statement, actor: User, adjustment_amount: Decimal | None, source_id: int
) -> Statement:
    """Inside a dispute's resolution: a new draft revision of a locked, disputed `statement`
    that supersedes it (DESIGN §6.2). Its lines are new rows: the disputed statement's lines as
    they were, plus the adjustment the resolution decided, a new dispute-outcome entry of the
    same period. Nothing of the superseded statement changes but its state; the revision goes
    through review and countersign like any statement."""
    if statement.state != StatementState.DISPUTED:
        raise ValidationError(permissions.state_refusal(statement))
    currency = statement.currency
    revision = Statement.objects.create(
        partner=statement.partner,
        period=statement.period,
        revision=statement.revision + 1,
        number=_revision_number(statement, statement.revision + 1),
        currency=currency,
        tax_rate=statement.tax_rate,
        carried_balance=statement.carried_balance,
        revision_of=statement,
    )
    lines = [
        StatementLine(
            statement=revision,
            kind=line.kind,
            description=line.description,
            description_key=line.description_key,
            description_params=line.description_params,
            amount=line.amount,
            original_amount=line.original_amount,
            original_currency=line.original_currency,
            fx_rate=line.fx_rate,
        )
        for line in statement.lines.order_by("pk")
    ]
    if adjustment_amount:
        entry = settlement_entry_queue(
            partner=statement.partner,
            kind=EntryKind.DISPUTE_OUTCOME,
            amount=adjustment_amount,
            currency=currency,
            description_key=DISPUTE_OUTCOME,
            description_params={"number": statement.number},
            source_type="settlement.dispute",
            source_id=source_id,
            period=statement.period,
        )
        lines.append(
            StatementLine(
                statement=revision,
                entry=entry,
                kind=entry.kind,
                description=entry.description,
                description_key=entry.description_key,
                description_params=entry.description_params,
                amount=round_money(entry.amount, currency),
                original_amount=entry.amount,
                original_currency=entry.currency,
                fx_rate=Decimal("1"),
            )
        )
        SettlementEntry.objects.filter(pk=entry.pk, statement__isnull=True).update(
            statement=revision
        )
    StatementLine.objects.bulk_create(lines)
    revision.subtotal = sum((line.amount for line in lines), Decimal("0"))
    revision.tax_amount, revision.payable = statement_totals(
        subtotal=revision.subtotal,
        carried=revision.carried_balance,
        tax_rate=revision.tax_rate,
        currency=currency,
    )
    revision.save(update_fields=["subtotal", "tax_amount", "payable"])
    transition_record(
        revision,
        actor=actor,
        action="statement.reissued",
        partner=statement.partner,
        changes={
            "revision_of": statement.number,
            "revision": revision.revision,
            "payable": {"before": str(statement.payable), "after": str(revision.payable)},
        },
    )
    _transition(
        statement,
        actor=actor,
        state=StatementState.SUPERSEDED,
        action="superseded",
        note=revision.number,
    )
    return revision


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


def _require_state(statement: Statement, *states: str) -> None:
    if statement.state not in states:
        raise ValidationError(permissions.state_refusal(statement))


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
    transition_record(
        statement,
        actor=actor,
        action="statement.approval_recorded",
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
    body = gettext_lazy(
        "Payable: %(payable)s. Please confirm or dispute it within 7 business days."
    )
    # Money in the one display form of pages and PDFs (DESIGN §9).
    params = {
        "number": statement.number,
        "payable": format_money(statement.payable, statement.currency),
    }
    if statement.revision_of_id:
        body = gettext_lazy(
            "Revision %(revision)s, supersedes %(previous)s. Payable: %(payable)s. Please confirm "
            "or dispute it within 7 business days."
        )
        params |= {
            "revision": statement.revision,
            "previous": Statement.objects.values_list("number", flat=True).get(
                pk=statement.revision_of_id
            ),
        }
    return _transition(
        statement,
        actor=actor,
        state=StatementState.PUBLISHED,
        action="published",
        published_at=now,
        response_due_at=response_deadline(now),
        notice=Notice(
            recipients=_statement_recipients(statement),
            kind="statement.published",
            title=gettext_lazy("Statement %(number)s is published"),
            body=body,
            url=_url(statement),
            params=params,
        ),
    )


@transaction.atomic
def statement_mark_paid(*, statement: Statement, actor: User) -> Statement:
    """Confirmed, or disputed with every dispute resolved → paid."""
    _require_finance(actor)
    statement = _lock(statement)
    _require_state(statement, StatementState.CONFIRMED, StatementState.DISPUTED)
    if statement.disputes.filter(state=DisputeState.OPEN).exists():
        raise ValidationError(_("Resolve the open dispute first."))
    return _transition(
        statement,
        actor=actor,
        state=StatementState.PAID,
        action="paid",
        paid_at=timezone.now(),
        notice=Notice(
            recipients=_statement_recipients(statement),
            kind="statement.paid",
            title=gettext_lazy("Statement %(number)s is paid"),
            body=gettext_lazy("Amount paid: %(payable)s."),
            url=_url(statement),
            params={
                "number": statement.number,
                "payable": format_money(statement.payable, statement.currency),
            },
        ),
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


SETTLED_STATES = (StatementState.PAID, StatementState.CLOSED)


def statements_unsettled_of(*, partner) -> int:
    """What a leaving partner still has to settle (exit step "final_statement"): statements not
    paid or closed, plus queued entries on no statement yet."""
    return (
        Statement.objects.unrestricted("exit checklist of one partner")
        .filter(partner=partner)
        .exclude(state__in=SETTLED_STATES)
        .count()
        + SettlementEntry.objects.unrestricted("exit checklist of one partner")
        .filter(partner=partner, statement__isnull=True)
        .count()
    )


@transaction.atomic
def statement_build_final(*, partner: Partner, actor: User) -> str:
    """The final statement of a leaving partner (DESIGN §2.9): everything queued so far, built now
    for the current quarter; it then goes through review, publication and payment as any other."""
    if not actor.is_vendor_staff:
        raise PermissionDenied
    period = str(Quarter.containing(timezone.localdate()))
    statement = statement_build(partner=partner, period=period)
    if statement is None:
        existing = Statement.objects.unrestricted("exit of one partner").filter(
            partner=partner, period=period
        )
        if existing.exists():
            return _("The statement of %(period)s already exists: %(number)s.") % {
                "period": period,
                "number": existing.first().number,
            }
        return _("Nothing is queued for a final statement.")
    return _("Final statement %(number)s built; settle it to finish this step.") % {
        "number": statement.number
    }
