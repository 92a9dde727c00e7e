"""Helpers shared by the settlement workflows: locks, role checks, the statement transition."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.choices import FINANCE_ROLES
from accounts.models import User
from core.notifications import Audience, partner_recipients
from core.periods import Quarter
from core.transitions import Notice, transition_record

from ..models import Statement


def _period(text: str) -> Quarter:
    try:
        return Quarter.parse(text)
    except ValueError as exc:
        raise ValidationError({"period": _("Enter a quarter like 2026Q3.")}) from exc


def _lock(statement: Statement) -> Statement:
    return Statement.objects.select_for_update().get(pk=statement.pk)


def _require_finance(actor: User) -> None:
    if not (actor.is_admin or actor.role in FINANCE_ROLES):
        raise ValidationError(_("Only finance may do this."))


def _transition(
    statement: Statement,
    *,
    actor,
    state: str,
    action: str,
    note: str = "",
    notice: Notice | None = None,
    **fields,
) -> Statement:
    """Move a locked statement to `state`, saving `fields` with it, and record the transition
    `statement.<action>` (its audit row and the optional notice)."""
    before = statement.state
    statement.state = state
    for name, value in fields.items():
        setattr(statement, name, value)
    statement.save(update_fields=["state", *fields])
    transition_record(
        statement,
        actor=actor,
        action=f"statement.{action}",
        changes={"state": {"before": before, "after": state}},
        note=note,
        notice=notice,
    )
    return statement


def _statement_recipients(statement: Statement) -> list[User]:
    """A statement concerns the partner's finance people and its admins, not its sellers."""
    return partner_recipients(partner=statement.partner_id, audience=Audience.FINANCE)


def _finance_users():
    return User.objects.filter(role__in=FINANCE_ROLES, is_active=True)


def _url(statement: Statement) -> str:
    return reverse("settlement:statement_detail", args=[statement.pk])
