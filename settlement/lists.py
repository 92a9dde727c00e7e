"""Settlement's lists (DESIGN §8.1) — statements, reconciliation results (orders) and runs: base
selector, FilterSet and columns, one definition for the page, the API and exports."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.lists import Column, ListDefinition, list_register

from .filtersets import (
    AnomalyQueueFilterSet,
    OrderFilterSet,
    ReconciliationRunFilterSet,
    StatementFilterSet,
)
from .selectors import (
    anomaly_list_for,
    order_list_for,
    reconciliation_run_list_for,
    statement_list_base_for,
)

STATEMENT_LIST = list_register(
    ListDefinition(
        key="statements",
        url_name="settlement:statement_list",
        base=statement_list_base_for,
        filterset=StatementFilterSet,
        columns=(
            Column("number", _("Number"), sort="number"),
            Column("partner", _("Partner"), sort="partner"),
            Column("period", _("Period"), sort="period"),
            Column("state", _("State"), sort="state"),
            Column("payable", _("Payable"), sort="payable", num=True),
            Column("disputes", _("Disputes")),
            Column("created", _("created"), sort="created", default=False),
        ),
    )
)

ORDER_LIST = list_register(
    ListDefinition(
        key="orders",
        url_name="settlement:reconciliation_orders",
        base=order_list_for,
        filterset=OrderFilterSet,
        columns=(
            Column("number", _("Order number"), sort="number"),
            Column("partner", _("Partner")),
            Column("date", _("Order date"), sort="date"),
            Column("source", _("Source")),
            Column("amount", _("Amount"), num=True),
            Column("paid", _("Paid"), num=True),
            Column("delivered", _("Delivered"), num=True),
            Column("status", _("Status")),
        ),
    )
)

RECONCILIATION_RUN_LIST = list_register(
    ListDefinition(
        key="reconciliation-runs",
        url_name="settlement:reconciliation_run_list",
        base=reconciliation_run_list_for,
        filterset=ReconciliationRunFilterSet,
        columns=(
            Column("run", _("Run")),
            Column("started", _("Started"), sort="started"),
            Column("started_by", _("Started by")),
            Column("progress", _("Progress")),
            Column("matched", _("Matched"), num=True, default=False),
            Column("finished", _("Finished")),
        ),
    )
)

ANOMALY_LIST = list_register(
    ListDefinition(
        key="anomalies",
        url_name="settlement:anomaly_list",
        base=anomaly_list_for,
        filterset=AnomalyQueueFilterSet,
        columns=(
            Column("kind", _("Kind"), sort="kind"),
            Column("partner", _("Partner")),
            Column("concerns", _("Concerns")),
            Column("expected", _("Expected"), num=True),
            Column("actual", _("Actual"), num=True),
            Column("raised", _("Raised"), sort="raised"),
            Column("resolution", _("Resolution")),
        ),
    )
)
