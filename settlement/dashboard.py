"""Dashboard cards of the settlement app (DESIGN §8): finance's queue and the partner's to-do."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db.models import Count, F, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.choices import FINANCE_ROLES, PARTNER_FINANCE_ROLES, Role
from core.dashboard import widget
from core.dashboard_charts import (
    MONEY,
    PERCENT,
    ChartSpec,
    Series,
    chart_card,
    month_label,
    month_start_aware,
    month_starts,
    per_month,
    percent,
)
from core.fx import FxRateMissing, fx_convert
from core.money import round_money
from core.precomputed import precomputed, precomputed_value

from .choices import AnomalyKind, AnomalyState, DisputeState, StatementState
from .models import Dispute, ReconciliationAnomaly, ReconciliationRun, Statement
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


# --- Finance trends (DESIGN §8) ------------------------------------------------------------------
OUTSTANDING_STATES = PAYABLE_STATES  # approved and not yet paid


@precomputed(
    "settlement.trends",
    invalidated_by=(Statement, ReconciliationAnomaly, ReconciliationRun),
)
def finance_trends() -> dict:
    """Statements published and paid, reconciliation matches and anomalies raised and closed, by
    month over the last twelve; the payable still outstanding per state in the base currency.
    Grouped over the window's rows once a minute, and whenever a statement, anomaly or run changes.

    Assumptions: a run's matches count in the month it finished; the match rate of a month is
    matches ÷ (matches + anomalies raised that month); an outstanding amount in a currency
    without a rate today is left out of the payable chart (the settlement card lists every
    currency as it is)."""
    reason = "finance trends, finance roles only"
    months = month_starts()
    start = month_start_aware(months[0])
    statements = Statement.objects.unrestricted(reason)
    published = per_month(statements, "published_at", start)
    paid = per_month(statements, "paid_at", start)
    anomalies = ReconciliationAnomaly.objects.unrestricted(reason)
    raised = per_month(anomalies, "created_at", start)
    closed = per_month(anomalies, "closed_at", start)
    matched = per_month(
        ReconciliationRun.objects.all(),
        "finished_at",
        start,
        Sum(F("matched_by_reference") + F("matched_by_window")),
    )
    base = settings.PRM_BASE_CURRENCY
    today = timezone.localdate()
    outstanding = {state: Decimal("0") for state in OUTSTANDING_STATES}
    for state, currency, total in (
        statements.filter(state__in=OUTSTANDING_STATES)
        .values_list("state", "currency")
        .annotate(total=Sum("payable"))
        .order_by()
    ):
        try:
            outstanding[state] += (
                total if currency == base else fx_convert(total, currency, base, today)
            )
        except FxRateMissing:
            continue
    return {
        "months": months,
        "published": [published.get(m, 0) for m in months],
        "paid": [paid.get(m, 0) for m in months],
        "raised": [raised.get(m, 0) for m in months],
        "closed": [closed.get(m, 0) for m in months],
        "matched": [matched.get(m) or 0 for m in months],
        "currency": base,
        "outstanding": [(s, round_money(outstanding[s], base)) for s in OUTSTANDING_STATES],
    }


FINANCE_CHARTS = FINANCE_ROLES | {Role.ADMIN}


@widget(roles=FINANCE_CHARTS, order=21)
def statements_trend_chart(request) -> dict:
    """Finance: statements published and paid each month (counts, every partner's)."""
    trends, as_of = precomputed_value("settlement.trends")
    spec = ChartSpec(
        key="statements-by-month",
        title=_("Statements published and paid by month"),
        labels=[month_label(m) for m in trends["months"]],
        series=[
            Series(StatementState.PUBLISHED.label, trends["published"]),
            Series(StatementState.PAID.label, trends["paid"]),
        ],
    )
    return chart_card(spec, as_of=as_of)


@widget(roles=FINANCE_CHARTS, order=22)
def reconciliation_trend_chart(request) -> dict:
    """Finance: the reconciliation match rate of each month."""
    trends, as_of = precomputed_value("settlement.trends")
    spec = ChartSpec(
        key="reconciliation-by-month",
        title=_("Reconciliation match rate by month"),
        description=_("Matches ÷ (matches + anomalies raised) in the month."),
        labels=[month_label(m) for m in trends["months"]],
        kind="line",
        unit=PERCENT,
        series=[
            Series(
                _("Match rate"),
                [
                    percent(m, m + r)
                    for m, r in zip(trends["matched"], trends["raised"], strict=True)
                ],
            )
        ],
    )
    return chart_card(spec, as_of=as_of)


@widget(roles=FINANCE_CHARTS, order=23)
def anomalies_trend_chart(request) -> dict:
    """Finance: reconciliation anomalies raised and resolved each month."""
    trends, as_of = precomputed_value("settlement.trends")
    spec = ChartSpec(
        key="anomalies-by-month",
        title=_("Anomalies raised and resolved by month"),
        labels=[month_label(m) for m in trends["months"]],
        series=[
            Series(pgettext_lazy("anomalies by month", "Raised"), trends["raised"], tone="bad"),
            Series(pgettext_lazy("anomalies by month", "Resolved"), trends["closed"], tone="ok"),
        ],
    )
    return chart_card(spec, as_of=as_of)


@widget(roles=FINANCE_CHARTS, order=24)
def payables_outstanding_chart(request) -> dict:
    """Finance: what the vendor owes, per statement state, in the base currency."""
    trends, as_of = precomputed_value("settlement.trends")
    spec = ChartSpec(
        key="payables-outstanding",
        title=_("Payables outstanding"),
        description=_("Approved and not yet paid, in %(currency)s at today's rate.")
        % {"currency": trends["currency"]},
        labels=[StatementState(state).label for state, _amount in trends["outstanding"]],
        horizontal=True,
        unit=MONEY,
        currency=trends["currency"],
        axis=_("State"),
        series=[Series(_("Payable"), [amount for _state, amount in trends["outstanding"]])],
    )
    return chart_card(spec, as_of=as_of)
