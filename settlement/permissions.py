"""Who may take which statement action, and when (DESIGN §1, §6.1, §6.2).

Each rule returns why it refuses, or None. The service raises that reason and the page shows the
button only when there is none, so a button and its action never disagree.
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.choices import FINANCE_ROLES
from accounts.scoping import scope_allows

from .choices import StatementState
from .models import ReviewRound, Statement
from .rules import response_window_closed


def is_finance(user) -> bool:
    return user.is_authenticated and (user.is_admin or user.role in FINANCE_ROLES)


def state_refusal(statement: Statement) -> str:
    return _("This statement is %(state)s; the action is not allowed now.") % {
        "state": statement.get_state_display()
    }


def approve_refusal(*, statement: Statement, user, review_round: ReviewRound | None) -> str | None:
    """Finance, in the open review round, not its submitter, once per approver and round.

    `review_round` is the statement's open round; its approvals may come prefetched.
    """
    if not is_finance(user):
        return _("Only finance may do this.")
    if statement.state != StatementState.IN_REVIEW or review_round is None:
        return state_refusal(statement)
    if user.pk == review_round.submitted_by_id:
        return _("You submitted this review round, so you cannot approve in it.")
    if any(approval.approver_id == user.pk for approval in review_round.approvals.all()):
        return _("You have already approved in this review round.")
    return None


def can_approve(*, statement: Statement, user, review_round: ReviewRound | None) -> bool:
    return approve_refusal(statement=statement, user=user, review_round=review_round) is None


def respond_refusal(
    *, statement: Statement, user, now: datetime.datetime | None = None
) -> str | None:
    """The partner's own users confirm or dispute a published statement until its window closes."""
    # Own company only (a distributor reads its dealers' statements but never answers them), and
    # only the roles that see company finance (DESIGN §1).
    own = user.is_authenticated and user.is_partner_user and scope_allows(user, statement, "manage")
    if not own:
        return _("Only the partner's own users may do this.")
    if statement.state != StatementState.PUBLISHED:
        return state_refusal(statement)
    if response_window_closed(due_at=statement.response_due_at, now=now or timezone.now()):
        closed_at = timezone.localtime(statement.response_due_at)
        return _("The window to confirm or dispute this statement closed on %(date)s.") % {
            "date": date_format(closed_at, "Y-m-d H:i O")
        }
    return None


def can_respond(*, statement: Statement, user, now: datetime.datetime | None = None) -> bool:
    return respond_refusal(statement=statement, user=user, now=now) is None
