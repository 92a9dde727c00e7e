"""The filters and sortable columns of the rebate programme list: one definition for the page,
its export and `GET /api/v1/rebates/programmes/` (DESIGN §8.1)."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from core.filters import ListFilterSet, MultiChoiceFilter, SortFilter, YesNoFilter

from .choices import ProgrammeMode, RevenueSource
from .models import Programme


class ProgrammeFilterSet(ListFilterSet):
    """Rows of `rebates.selectors.programme_list_base_for` (annotated with `sort_name`, the name in
    the reader's language)."""

    # A programme is found by its English or its Chinese name.
    q = django_filters.CharFilter(label=_("Name"), method="filter_name")
    mode = MultiChoiceFilter(label=_("Rule"), choices=ProgrammeMode.choices)
    revenue_source = MultiChoiceFilter(label=_("Revenue from"), choices=RevenueSource.choices)
    active = YesNoFilter(label=_("Active"), field_name="is_active")
    sort = SortFilter(
        fields=(
            ("sort_name", "name"),
            ("mode", "rule"),
            ("revenue_source", "source"),
            ("contract_cap", "cap"),
            ("created_at", "created"),
        ),
        default="name",
    )

    class Meta:
        model = Programme
        fields: list[str] = []

    def filter_name(self, queryset: QuerySet, _name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(name_zh__icontains=value))
