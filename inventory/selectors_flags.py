"""Reads of diversion and price flags and their penalties, always from what the reader may see.

A partner user reads its own company's flags; of a serial clash it never learns the other
partner: `flag_view_for` hands pages and the API the evidence without it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import User
from accounts.scoping import sees_company_finance

from .choices import PenaltyStep
from .models import InventoryFlag, InventoryPenalty


def flag_list_base_for(*, user: User) -> QuerySet[InventoryFlag]:
    """The flags the user may see, with what a row shows joined (one query per page)."""
    return InventoryFlag.objects.visible_to(user).select_related(
        "partner", "line", "line__product", "penalty"
    )


def flag_get_for(*, user: User, pk: int) -> InventoryFlag:
    """One flag the user may see (404 otherwise, as if it did not exist)."""
    return get_object_or_404(
        flag_list_base_for(user=user).select_related(
            "reviewed_by", "other_partner", "other_line", "other_line__product", "violation"
        ),
        pk=pk,
    )


def penalty_list_for(*, user: User) -> QuerySet[InventoryPenalty]:
    return (
        InventoryPenalty.objects.visible_to(user)
        .select_related("partner", "flag", "flag__line", "decided_by")
        .order_by("decided_at", "-created_at", "-pk")
    )


def freeze_proposals_for(*, user: User) -> QuerySet[InventoryPenalty]:
    """Freeze proposals, the undecided first (what a director works on)."""
    return penalty_list_for(user=user).filter(step=PenaltyStep.FREEZE_PROPOSAL)


def penalty_get_for(*, user: User, pk: int) -> InventoryPenalty:
    return get_object_or_404(penalty_list_for(user=user), pk=pk)


@dataclass
class FlagView:
    """A flag as its reader may see it: staff see both sides of a clash, a partner only its own
    line and, of the other line, the date and quantity from the evidence."""

    flag: InventoryFlag
    evidence: dict[str, Any]
    other_partner: Any
    other_line: Any
    shows_amounts: bool


def flag_view_for(*, user: User, flag: InventoryFlag) -> FlagView:
    staff = not user.is_partner_user
    return FlagView(
        flag=flag,
        evidence=dict(flag.evidence or {}),
        other_partner=flag.other_partner if staff else None,
        other_line=flag.other_line if staff else None,
        shows_amounts=sees_company_finance(user),
    )
