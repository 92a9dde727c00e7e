"""Filters of the partners approval queues (DESIGN §2.1, §2.3, §8.1): applications and tier
proposals, searched by company name or tax ID."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from .choices import TierOutcome


class ApplicationQueueFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_search")

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(legal_name__icontains=value) | Q(tax_id__iexact=value))


class TierProposalQueueFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    outcome = django_filters.ChoiceFilter(
        label=_("Change"),
        choices=[(o.value, o.label) for o in (TierOutcome.UPGRADE, TierOutcome.DOWNGRADE)],
        empty_label=_("All"),
    )

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(partner__legal_name__icontains=value) | Q(partner__tax_id__iexact=value)
        )
