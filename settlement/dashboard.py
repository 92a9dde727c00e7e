"""Dashboard cards of the settlement app (DESIGN §8): finance's queue and the partner's to-do."""

from __future__ import annotations

from django.db.models import Count, Sum
from django.utils.translation import gettext_lazy as _

from accounts.choices import FINANCE_ROLES, PARTNER_FINANCE_ROLES, Role
from core.dashboard import widget
from core.precomputed import precomputed, precomputed_value

from .choices import AnomalyKind, AnomalyState, DisputeState, StatementState
from .models import Dispute, ReconciliationAnomaly, Statement
from .selectors import statement_list_for

# Approved and not yet paid: what the vendor owes.
PAYABLE_STATES = (
    StatementState.APPROVED,
    StatementState.PUBLISHED,
    StatementState.CONFIRMED,
    StatementState.DISPUTED,
)


@precomputed("settlement.finance", invalidated_by=(Statement, ReconciliationAnomaly, Dispute))
def finance_figures() -> dict:
    """Statements by state, payable by currency, open disputes and anomalies: vendor-wide counts
    over every statement, precomputed each minute (core/precomputed.py)."""
    reason = "finance card, finance roles only"
    by_state = dict(
        Statement.objects.unrestricted(reason)
        .values_list("state")
        .annotate(n=Count("pk"))
        .order_by("state")
    )
    payable = list(
        Statement.objects.unrestricted(reason)
        .filter(state__in=PAYABLE_STATES)
        .values_list("currency")
        .annotate(total=Sum("payable"))
        .order_by("currency")
    )
    anomalies = dict(
        ReconciliationAnomaly.objects.unrestricted(reason)
        .filter(state=AnomalyState.OPEN)
        .values_list("kind")
        .annotate(n=Count("pk"))
        .order_by("kind")
    )
    disputes_open = Dispute.objects.unrestricted(reason).filter(state=DisputeState.OPEN).count()
    return {
        "by_state": by_state,
        "payable": payable,
        "anomalies": anomalies,
        "disputes_open": disputes_open,
    }


@widget(roles=FINANCE_ROLES | {Role.ADMIN}, order=20, width="full")
def finance_settlement(request) -> dict:
    figures, as_of = precomputed_value("settlement.finance")
    by_state, anomalies = figures["by_state"], figures["anomalies"]
    return {
        "template": "settlement/widgets/finance.html",
        "title": _("Settlement"),
        "states": [
            (state, label, by_state.get(state, 0)) for state, label in StatementState.choices
        ],
        "payable": figures["payable"],
        "disputes_open": figures["disputes_open"],
        "anomalies": [(kind, label, anomalies.get(kind, 0)) for kind, label in AnomalyKind.choices],
        "anomalies_open": sum(anomalies.values()),
        "as_of": as_of,
    }


@widget(roles=PARTNER_FINANCE_ROLES, order=40)
def partner_statements(request) -> dict:
    awaiting = list(
        statement_list_for(
            user=request.user, filters={"state": StatementState.PUBLISHED}, action="manage"
        ).order_by("response_due_at", "pk")[:10]
    )
    return {
        "template": "settlement/widgets/partner.html",
        "title": _("Statements awaiting your confirmation"),
        "statements": awaiting,
    }
