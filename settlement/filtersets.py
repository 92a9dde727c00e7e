"""The filters and sortable columns of the statement list: one definition for the page and the
API (DESIGN §8.1)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from core.filters import (
    AmountRangeFilter,
    DateRangeFilter,
    ListFilterSet,
    MultiChoiceFilter,
    SortFilter,
)
from core.money import CURRENCY_CHOICES

from .choices import AnomalyKind, AnomalyState, OrderSource, OrderStatus, StatementState
from .forms import PeriodField
from .models import Order, ReconciliationAnomaly, ReconciliationRun, Statement


class PeriodFilter(django_filters.CharFilter):
    """A quarter like 2026Q3; anything else is a field error."""

    field_class = PeriodField


class StatementFilterSet(ListFilterSet):
    q = django_filters.CharFilter(label=_("Number"), field_name="number", lookup_expr="iexact")
    period = PeriodFilter(label=_("Period"))
    state = MultiChoiceFilter(label=_("State"), choices=StatementState.choices)
    currency = django_filters.ChoiceFilter(label=_("Currency"), choices=CURRENCY_CHOICES)
    partner = django_filters.CharFilter(
        label=_("Partner"), field_name="partner__legal_name", lookup_expr="icontains"
    )
    payable = AmountRangeFilter(label=_("Payable"), field_name="payable")
    published = DateRangeFilter(label=_("Published at"), field_name="published_at")
    sort = SortFilter(
        fields=(
            ("period", "period"),
            ("number", "number"),
            ("partner__legal_name", "partner"),
            ("state", "state"),
            ("payable", "payable"),
            ("created_at", "created"),
        ),
        default="-period",
    )

    class Meta:
        model = Statement
        fields: list[str] = []


# --- reconciliation results and runs ------------------------------------------------------
class OrderFilterSet(ListFilterSet):
    """Orders with what was paid and delivered. Sorted only by keys an index serves (a million
    orders): the order date (`order_list_recent`) and the order number (unique)."""

    q = django_filters.CharFilter(
        label=_("Order number"), field_name="reference", lookup_expr="istartswith"
    )
    status = MultiChoiceFilter(label=_("Status"), choices=OrderStatus.choices)
    source = django_filters.ChoiceFilter(label=_("Source"), choices=OrderSource.choices)
    currency = django_filters.ChoiceFilter(label=_("Currency"), choices=CURRENCY_CHOICES)
    partner = django_filters.CharFilter(
        label=_("Partner"), field_name="partner__legal_name", lookup_expr="icontains"
    )
    order_date = DateRangeFilter(label=_("Order date"), field_name="order_date")
    amount = AmountRangeFilter(label=_("Amount"), field_name="amount")
    sort = SortFilter(
        fields=(("order_date", "date"), ("reference", "number")),
        default="-date",
    )

    class Meta:
        model = Order
        fields: list[str] = []


class ReconciliationRunFilterSet(ListFilterSet):
    started = DateRangeFilter(label=_("Started"), field_name="created_at")
    finished = django_filters.BooleanFilter(
        label=_("Finished"), field_name="finished_at", lookup_expr="isnull", exclude=True
    )
    sort = SortFilter(fields=(("created_at", "started"),), default="-started")

    class Meta:
        model = ReconciliationRun
        fields: list[str] = []


# --- the approval queue ----------------------------------------------------------------------
class AnomalyQueueFilterSet(ListFilterSet):
    """The finance queue of reconciliation anomalies: one definition for the page, the API and
    the export (DESIGN §6.4, §8.1)."""

    state = django_filters.ChoiceFilter(
        label=_("State"), choices=AnomalyState.choices, empty_label="—"
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=AnomalyKind.choices, empty_label="—"
    )
    partner = django_filters.CharFilter(
        label=_("Partner"),
        field_name="partner__legal_name",
        lookup_expr="icontains",
        max_length=100,
    )
    currency = django_filters.ChoiceFilter(label=_("Currency"), choices=CURRENCY_CHOICES)
    raised = DateRangeFilter(label=_("Raised"), field_name="created_at")
    sort = SortFilter(fields=(("created_at", "raised"), ("kind", "kind")), default="-raised")

    class Meta:
        model = ReconciliationAnomaly
        fields: list[str] = []
