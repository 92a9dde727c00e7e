"""The partner's answer to a statement (DESIGN §6): confirm, dispute, deemed confirmation."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from core.periods import Quarter
from core.transitions import Notice, transition_record
from core.uploads import validate_document

from .. import permissions
from ..choices import DisputeState, EntryKind, StatementState
from ..line_descriptions import DISPUTE_OUTCOME
from ..models import Dispute, DisputeEvidence, Statement
from ..rules import response_window_closed_filter
from ._common import (
    _finance_users,
    _lock,
    _require_finance,
    _statement_recipients,
    _transition,
    _url,
)
from .statements import _statement_reissue_build, settlement_entry_queue


def _require_response_allowed(statement: Statement, actor: User) -> None:
    refusal = permissions.respond_refusal(statement=statement, user=actor)
    if refusal:
        raise ValidationError(refusal)


def _literal(text: str) -> str:
    """User text as a notification body: its own % signs are not placeholders."""
    return text.replace("%", "%%")


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
        notice=Notice(
            recipients=_finance_users(),
            kind="statement.confirmed",
            title=gettext_lazy("Statement %(number)s was confirmed"),
            url=_url(statement),
            params={"number": statement.number},
        ),
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
            notice=Notice(
                recipients=_statement_recipients(statement),
                kind="statement.deemed_confirmed",
                title=gettext_lazy("Statement %(number)s is deemed confirmed"),
                url=_url(statement),
                params={"number": statement.number},
            ),
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
        statement,
        actor=actor,
        state=StatementState.DISPUTED,
        action="disputed",
        note=reason,
        notice=Notice(
            recipients=_finance_users(),
            kind="statement.disputed",
            title=gettext_lazy("Statement %(number)s is disputed"),
            body=_literal(reason),
            url=_url(statement),
            params={"number": statement.number},
        ),
    )
    return dispute


@transaction.atomic
def dispute_resolve(
    *,
    dispute: Dispute,
    actor: User,
    answer: str,
    adjustment_amount: Decimal | None = None,
    reissue: bool = False,
) -> Dispute:
    """Finance answers. A non-zero adjustment is queued for the partner's next statement, or,
    with `reissue`, the statement is re-issued: a new revision with the adjustment supersedes it
    and goes through review again (DESIGN §6.2)."""
    _require_finance(actor)
    dispute = Dispute.objects.select_for_update().select_related("statement").get(pk=dispute.pk)
    if dispute.state != DisputeState.OPEN:
        raise ValidationError(_("This dispute is already resolved."))
    if not answer.strip():
        raise ValidationError({"answer": _("Write the answer to the partner.")})
    statement = _lock(dispute.statement)
    dispute.state = DisputeState.RESOLVED
    dispute.answer = answer
    dispute.answered_by = actor
    dispute.answered_at = timezone.now()
    dispute.adjustment_amount = adjustment_amount
    dispute.reissued = reissue
    dispute.save()
    revision = None
    if reissue:
        revision = _statement_reissue_build(
            statement=statement,
            actor=actor,
            adjustment_amount=adjustment_amount,
            source_id=dispute.pk,
        )
    elif adjustment_amount:
        settlement_entry_queue(
            partner=statement.partner,
            kind=EntryKind.DISPUTE_OUTCOME,
            amount=adjustment_amount,
            currency=statement.currency,
            description_key=DISPUTE_OUTCOME,
            description_params={"number": statement.number},
            source_type="settlement.dispute",
            source_id=dispute.pk,
            period=str(Quarter.parse(statement.period).next()),
        )
    changes = {"adjustment_amount": {"before": None, "after": str(adjustment_amount or 0)}}
    title = gettext_lazy("Your dispute of %(number)s was answered")
    params = {"number": statement.number}
    if revision is not None:
        changes["reissued_as"] = revision.number
        title = gettext_lazy(
            "Your dispute of %(number)s was answered: the statement is re-issued as %(revision)s"
        )
        params["revision"] = revision.number
    transition_record(
        dispute,
        actor=actor,
        action="dispute.resolved",
        partner=statement.partner,
        changes=changes,
        note=answer,
        notice=Notice(
            recipients=_statement_recipients(statement),
            kind="statement.dispute_answered",
            title=title,
            body=_literal(answer),
            url=_url(statement),
            params=params,
        ),
    )
    return dispute
