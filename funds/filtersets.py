"""Filters of the MDF approval queue (DESIGN §7, §8.1): search, activity type, sorting."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from .choices import ActivityType

QUEUE_SORTS = {
    "submitted": ("submitted_at", "pk"),
    "-submitted": ("-submitted_at", "-pk"),
    "-amount": ("-amount_cny", "pk"),
    "amount": ("amount_cny", "pk"),
    "partner": ("partner__legal_name", "pk"),
}


class FundRequestQueueFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    activity_type = django_filters.ChoiceFilter(
        label=_("Activity type"), choices=ActivityType.choices, empty_label=_("All")
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort"),
        choices=[
            ("submitted", _("Oldest submitted first")),
            ("-submitted", _("Newest submitted first")),
            ("-amount", _("Largest amount first")),
            ("amount", _("Smallest amount first")),
            ("partner", _("Partner")),
        ],
        empty_label=None,
        method="filter_sort",
    )

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        found = Q(title__icontains=value) | Q(partner__legal_name__icontains=value)
        if value.lstrip("#").isdigit():
            found |= Q(pk=int(value.lstrip("#")))
        return queryset.filter(found)

    def filter_sort(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.order_by(*QUEUE_SORTS.get(value, QUEUE_SORTS["submitted"]))
