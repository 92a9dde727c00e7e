"""The filters and sortable columns of the training lists: one definition for the page and the
API (DESIGN §8.1)."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from core.filters import (
    CodeOrNameFilter,
    DateRangeFilter,
    ListFilterSet,
    MultiChoiceFilter,
    SortFilter,
    YesNoFilter,
)
from partners.choices import TierCode
from partners.filtersets import PartnerRefFilter
from partners.models import Partner
from partners.regions import REGIONS

from .choices import Level, Track
from .models import Certification, Course
from .selectors import coverage_below_tier


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


class CoverageFilterSet(ListFilterSet):
    """Certification coverage by partner (rows of `training.selectors.coverage_report`)."""

    q = django_filters.CharFilter(label=_("Partner"), method="filter_q")
    tier = MultiChoiceFilter(label=_("Tier"), field_name="tier__code", choices=TierCode.choices)
    region = CodeOrNameFilter(
        label=_("Region"), field_name="regions", lookup_expr="overlap", choices=REGIONS
    )
    below = YesNoFilter(label=_("Below the tier's requirement"), method="filter_below")
    expiring = YesNoFilter(label=_("Certifications expiring"), method="filter_expiring")
    sort = SortFilter(
        fields=(
            ("legal_name", "partner"),
            ("tier__rank", "tier"),
            ("certified", "certified"),
            ("senior_certified", "senior"),
            ("expiring", "expiring"),
        ),
        default="partner",
    )

    class Meta:
        model = Partner
        fields: list[str] = []

    def filter_q(self, qs: QuerySet, _name: str, value: str) -> QuerySet:
        value = value.strip()
        return qs.filter(legal_name__icontains=value) if value else qs

    def filter_below(self, qs: QuerySet, _name: str, value: bool | None) -> QuerySet:
        if value is None:
            return qs
        return qs.alias(below_tier=coverage_below_tier()).filter(below_tier=value)

    def filter_expiring(self, qs: QuerySet, _name: str, value: bool | None) -> QuerySet:
        if value is None:
            return qs
        return qs.filter(expiring__gt=0) if value else qs.filter(expiring=0)
