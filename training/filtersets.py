"""The filters and sortable columns of the training lists: one definition for the page and the
API (DESIGN §8.1)."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from core.filters import DateRangeFilter, ListFilterSet, MultiChoiceFilter, SortFilter
from partners.filtersets import PartnerRefFilter

from .choices import Level, Track
from .models import Certification, Course


class CourseFilterSet(ListFilterSet):
    # A course is found by its English or its Chinese title.
    q = django_filters.CharFilter(label=_("Course"), method="filter_title")
    track = MultiChoiceFilter(label=_("Track"), choices=Track.choices)
    level = MultiChoiceFilter(label=_("Level"), choices=Level.choices)
    sort = SortFilter(
        fields=(("title", "course"), ("track", "track"), ("level", "level")),
        default="track",
    )

    class Meta:
        model = Course
        fields: list[str] = []

    def filter_title(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(title__icontains=value) | Q(title_zh__icontains=value))


class CertificationFilterSet(ListFilterSet):
    q = django_filters.CharFilter(
        label=_("Holder"), field_name="user__full_name", lookup_expr="icontains"
    )
    partner = PartnerRefFilter(label=_("Company"), field_name="partner")
    track = MultiChoiceFilter(label=_("Track"), choices=Track.choices)
    level = MultiChoiceFilter(label=_("Level"), choices=Level.choices)
    expires = DateRangeFilter(label=_("Expires"), field_name="expires_on")
    sort = SortFilter(
        fields=(
            ("issued_on", "issued"),
            ("user__full_name", "holder"),
            ("partner__legal_name", "company"),
            ("track", "track"),
            ("level", "level"),
            ("expires_on", "expires"),
        ),
        default="-issued",
    )

    class Meta:
        model = Certification
        fields: list[str] = []
