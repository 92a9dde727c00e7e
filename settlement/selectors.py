"""Reads of statements, always starting from what the user may see (DESIGN §1, §6)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from accounts.choices import FINANCE_ROLES

from .choices import PARTNER_VISIBLE_STATES, DisputeState
from .models import Dispute, Statement


def _may_see_all(user) -> bool:
    return user.is_authenticated and (user.is_admin or user.role in FINANCE_ROLES)


def statement_list_for(*, user, filters: dict | None = None) -> QuerySet[Statement]:
    """Finance sees every statement; a partner user only its own company's published ones."""
    statements = (
        Statement.objects.select_related("partner")
        .annotate(open_disputes=Count("disputes", filter=Q(disputes__state=DisputeState.OPEN)))
        .order_by("-period", "partner__legal_name", "-revision", "pk")
    )
    if _may_see_all(user):
        pass
    elif user.is_authenticated and user.is_partner_user:
        statements = statements.filter(partner_id=user.partner_id, state__in=PARTNER_VISIBLE_STATES)
    else:
        return statements.none()
    filters = filters or {}
    if filters.get("period"):
        statements = statements.filter(period=filters["period"])
    if filters.get("state"):
        statements = statements.filter(state=filters["state"])
    if filters.get("currency"):
        statements = statements.filter(currency=filters["currency"])
    if filters.get("partner"):
        statements = statements.filter(partner__legal_name__icontains=filters["partner"])
    return statements


def statement_get_for(*, user, pk) -> Statement:
    try:
        return statement_list_for(user=user).get(pk=pk)
    except (Statement.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def dispute_get_for(*, user, pk) -> Dispute:
    visible = statement_list_for(user=user).values("pk")
    try:
        return Dispute.objects.select_related("statement").get(pk=pk, statement__in=visible)
    except (Dispute.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
