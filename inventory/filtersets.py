"""The filters and sortable columns of inventory's lists: one definition for the page and the
API (DESIGN §8.1)."""

from __future__ import annotations

import datetime
import re

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from core.filters import (
    CodeOrNameFilter,
    DateRangeFilter,
    ListFilterSet,
    MultiChoiceFilter,
    SortFilter,
)
from partners.regions import REGIONS

from .choices import FlagKind, FlagStatus, ReportKind, ReportSource
from .models import InventoryFlag, InventoryReport, InventorySnapshot, SellThroughLine

# --- inventory reports (reports in) ----------------------------------------------------------------
_MONTH = re.compile(r"(19|20)\d\d-(0[1-9]|1[0-2])")
VERSIONS = (("current", _("Current versions")), ("all", _("All versions")))


def month_of(value: str) -> datetime.date | None:
    """ "2026-11" (or a date in that month) as the month's first day; None when it is not one."""
    text = (value or "").strip()[:7]
    if not _MONTH.fullmatch(text):
        return None
    return datetime.date(int(text[:4]), int(text[5:7]), 1)


def _filter_month(queryset: QuerySet, name: str, value: str) -> QuerySet:
    month = month_of(value)
    return queryset.filter(**{name: month}) if month else queryset.none()


class ReportFilterSet(ListFilterSet):
    partner = django_filters.CharFilter(
        label=_("Partner"), field_name="partner__legal_name", lookup_expr="icontains"
    )
    kind = MultiChoiceFilter(label=_("Kind"), choices=ReportKind.choices)
    month = django_filters.CharFilter(
        label=_("Month (YYYY-MM)"), field_name="month", method=_filter_month
    )
    versions = django_filters.ChoiceFilter(
        label=_("Versions"), choices=VERSIONS, empty_label=None, method="filter_versions"
    )
    source = MultiChoiceFilter(label=_("Received by"), choices=ReportSource.choices)
    received = DateRangeFilter(label=_("Received"), field_name="created_at")
    sort = SortFilter(
        fields=(
            ("month", "month"),
            ("partner__legal_name", "partner"),
            ("kind", "kind"),
            ("version", "version"),
            ("line_count", "lines"),
            ("created_at", "received"),
        ),
        default="-month",
    )

    class Meta:
        model = InventoryReport
        fields: list[str] = []

    def filter_versions(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        # Current versions unless all are asked for: a superseded report is history.
        if self.form.cleaned_data.get("versions") != "all":
            queryset = queryset.filter(is_current=True)
        return super().filter_queryset(queryset)


class SellThroughLineFilterSet(ListFilterSet):
    partner = django_filters.CharFilter(
        label=_("Partner"), field_name="partner__legal_name", lookup_expr="icontains"
    )
    report = django_filters.NumberFilter(label=_("Report"), field_name="report_id")
    sku = django_filters.CharFilter(label=_("SKU"), field_name="product__sku")
    sold_on = DateRangeFilter(label=_("Sold on"), field_name="sold_on")
    customer_region = CodeOrNameFilter(
        label=_("Customer region"), field_name="customer_region", choices=REGIONS
    )
    customer = django_filters.CharFilter(
        label=_("Customer"), field_name="customer_name", lookup_expr="icontains"
    )
    versions = django_filters.ChoiceFilter(
        label=_("Versions"), choices=VERSIONS, empty_label=None, method="filter_versions"
    )
    sort = SortFilter(
        fields=(("sold_on", "sold_on"), ("quantity", "quantity"), ("unit_price", "unit_price")),
        default="-sold_on",
    )

    class Meta:
        model = SellThroughLine
        fields: list[str] = []

    def filter_versions(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        if self.form.cleaned_data.get("versions") != "all" and not self.form.cleaned_data.get(
            "report"
        ):
            queryset = queryset.filter(is_current=True)
        return super().filter_queryset(queryset)


class SnapshotFilterSet(ListFilterSet):
    partner = django_filters.CharFilter(
        label=_("Partner"), field_name="partner__legal_name", lookup_expr="icontains"
    )
    report = django_filters.NumberFilter(label=_("Report"), field_name="report_id")
    sku = django_filters.CharFilter(label=_("SKU"), field_name="product__sku")
    as_of = DateRangeFilter(label=_("As of"), field_name="as_of")
    versions = django_filters.ChoiceFilter(
        label=_("Versions"), choices=VERSIONS, empty_label=None, method="filter_versions"
    )
    sort = SortFilter(fields=(("as_of", "as_of"), ("on_hand", "on_hand")), default="-as_of")

    class Meta:
        model = InventorySnapshot
        fields: list[str] = []

    def filter_versions(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        if self.form.cleaned_data.get("versions") != "all" and not self.form.cleaned_data.get(
            "report"
        ):
            queryset = queryset.filter(is_current=True)
        return super().filter_queryset(queryset)


# --- end of inventory reports ------------------------------------------------------------------------


# --- diversion and price flags (DESIGN §11) ---
class MonthInput(forms.DateInput):
    input_type = "month"


class MonthFilter(django_filters.DateFilter):
    """A calendar month (`2026-11`) of the sale date."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("input_formats", ["%Y-%m", "%Y-%m-%d"])
        kwargs.setdefault("widget", MonthInput(format="%Y-%m"))
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet, value: datetime.date | None) -> QuerySet:
        if not value:
            return qs
        start = value.replace(day=1)
        end = (start + datetime.timedelta(days=32)).replace(day=1)
        return qs.filter(**{f"{self.field_name}__gte": start, f"{self.field_name}__lt": end})


class InventoryFlagFilterSet(ListFilterSet):
    kind = MultiChoiceFilter(label=_("Kind"), choices=FlagKind.choices)
    status = MultiChoiceFilter(label=_("Status"), choices=FlagStatus.choices)
    partner = django_filters.CharFilter(
        label=_("Partner"), field_name="partner__legal_name", lookup_expr="icontains"
    )
    region = CodeOrNameFilter(
        label=_("Customer region"), field_name="line__customer_region", choices=REGIONS
    )
    month = MonthFilter(label=_("Month of sale"), field_name="line__sold_on")
    sort = SortFilter(
        fields=(
            ("created_at", "raised"),
            ("kind", "kind"),
            ("status", "status"),
            ("partner__legal_name", "partner"),
            ("line__sold_on", "sold_on"),
        ),
        default="-raised",
    )

    class Meta:
        model = InventoryFlag
        fields: list[str] = []


# --- end of diversion and price flags ---
