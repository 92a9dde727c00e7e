"""The filters and sortable columns of the MDF request list: one definition for the page and the
API (DESIGN §8.1)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from core.filters import (
    AmountRangeFilter,
    DateRangeFilter,
    ListFilterSet,
    MultiChoiceFilter,
    SortFilter,
)

from .choices import ActivityType, LedgerKind, RequestStatus
from .models import FundRequest, MdfLedgerEntry


class FundRequestFilterSet(ListFilterSet):
    q = django_filters.CharFilter(label=_("Activity"), field_name="title", lookup_expr="icontains")
    status = MultiChoiceFilter(label=_("Status"), choices=RequestStatus.choices)
    activity_type = MultiChoiceFilter(label=_("Activity type"), choices=ActivityType.choices)
    partner = django_filters.CharFilter(
        label=_("Partner"), field_name="partner__legal_name", lookup_expr="icontains"
    )
    submitted = DateRangeFilter(label=_("Submitted"), field_name="submitted_at")
    starts = DateRangeFilter(label=_("Start date"), field_name="start_date")
    amount_cny = AmountRangeFilter(label=_("CNY equivalent"), field_name="amount_cny")
    sort = SortFilter(
        fields=(
            ("submitted_at", "submitted"),
            ("title", "activity"),
            ("partner__legal_name", "partner"),
            ("start_date", "dates"),
            ("amount_cny", "amount_cny"),
            ("status", "status"),
        ),
        default="-submitted",
    )

    class Meta:
        model = FundRequest
        fields: list[str] = []


# --- the ledger ------------------------------------------------------------------------------
class MdfLedgerFilterSet(ListFilterSet):
    """The MDF ledger (DESIGN §7): one definition for the staff page, the API and the export.
    `partner` is a company's id (the page then shows its balance), `partner_name` a part of a
    name."""

    partner = django_filters.NumberFilter(
        label=_("Partner"), field_name="partner_id", widget=forms.HiddenInput
    )
    partner_name = django_filters.CharFilter(
        label=_("Partner"), field_name="partner__legal_name", lookup_expr="icontains"
    )
    kind = MultiChoiceFilter(label=_("Kind"), choices=LedgerKind.choices)
    quarter = django_filters.CharFilter(label=_("Quarter"), lookup_expr="iexact")
    created = DateRangeFilter(label=_("Date"), field_name="created_at")
    amount = AmountRangeFilter(label=_("Amount"), field_name="amount")
    sort = SortFilter(
        fields=(("created_at", "date"), ("amount", "amount"), ("partner__legal_name", "partner")),
        default="-date",
    )

    class Meta:
        model = MdfLedgerEntry
        fields: list[str] = []


# --- the approval queue ----------------------------------------------------------------------
class FundRequestQueueFilterSet(ListFilterSet):
    """Requests awaiting approval, oldest submitted first unless another column is chosen."""

    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    activity_type = django_filters.ChoiceFilter(
        label=_("Activity type"), choices=ActivityType.choices, empty_label=_("All")
    )
    partner = django_filters.CharFilter(
        label=_("Partner"), field_name="partner__legal_name", lookup_expr="icontains"
    )
    amount_cny = AmountRangeFilter(label=_("CNY equivalent"), field_name="amount_cny")
    submitted = DateRangeFilter(label=_("Submitted"), field_name="submitted_at")
    sort = SortFilter(
        fields=(
            ("submitted_at", "submitted"),
            ("amount_cny", "amount"),
            ("partner__legal_name", "partner"),
        ),
        default="submitted",
    )

    class Meta:
        model = FundRequest
        fields: list[str] = []

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        found = Q(title__icontains=value) | Q(partner__legal_name__icontains=value)
        if value.lstrip("#").isdigit():
            found |= Q(pk=int(value.lstrip("#")))
        return queryset.filter(found)
