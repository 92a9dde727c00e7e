"""The filters and sortable columns of inventory's lists: one definition for the page and the
API (DESIGN §8.1)."""

from __future__ import annotations

import datetime
import re

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from core.filters import (
    CodeOrNameFilter,
    DateRangeFilter,
    ListFilterSet,
    MultiChoiceFilter,
    SortFilter,
    codes_matching,
)
from deals.models import Product, ProductFamily
from partners.regions import REGIONS

from .choices import AlertKind, FlagKind, FlagStatus, ReportKind, ReportSource
from .models import (
    InventoryAlert,
    InventoryFlag,
    InventoryReport,
    InventorySnapshot,
    SellThroughLine,
)
from .models_figures import InventoryFigure, InventoryRollup, RollupDimension

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


# --- inventory stock -------------------------------------------------------------------------
class AlertOnly(django_filters.ChoiceFilter):
    """`?alerts=ageing` / `stock_out` / `any`: only rows with such an alert."""

    def __init__(self, *args, ageing: Q, stock_out: Q, **kwargs):
        self.conditions = {"ageing": ageing, "stock_out": stock_out}
        kwargs.setdefault(
            "choices",
            [
                ("any", _("Ageing or stock-out")),
                ("ageing", _("Ageing only")),
                ("stock_out", _("Stock-out only")),
            ],
        )
        kwargs.setdefault("empty_label", _("All"))
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet, value: str) -> QuerySet:
        if not value:
            return qs
        if value == "any":
            return qs.filter(self.conditions["ageing"] | self.conditions["stock_out"])
        return qs.filter(self.conditions[value])


class DaysRangeFilter(django_filters.RangeFilter):
    """`doi_min` / `doi_max` on days of inventory; stock that did not sell in 90 days (∞) counts
    as above any minimum."""

    def __init__(self, *args, on_hand: str = "on_hand", **kwargs):
        self.on_hand = on_hand
        kwargs.setdefault(
            "widget", django_filters.widgets.RangeWidget(attrs={"type": "number", "step": "any"})
        )
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet, value) -> QuerySet:
        if not value:
            return qs
        name = self.field_name
        if value.start is not None:
            endless = Q(**{f"{name}__isnull": True, f"{self.on_hand}__gt": 0})
            qs = qs.filter(Q(**{f"{name}__gte": value.start}) | endless)
        if value.stop is not None:
            qs = qs.filter(**{f"{name}__lte": value.stop})
        return qs


GROUP_CHOICES = [
    (RollupDimension.PARTNER, _("Partner")),
    (RollupDimension.PRODUCT, _("Product")),
    (RollupDimension.FAMILY, _("Family")),
    (RollupDimension.REGION, _("Region")),
]


class StockGroupForm(forms.Form):
    def clean(self):
        data = super().clean()
        group = data.get("group") or RollupDimension.PARTNER
        if data.get("partner") and group != RollupDimension.PARTNER:
            self.add_error(
                "partner",
                _("The partner filter applies when grouping by partner (or in the positions)."),
            )
        return data


class StockRollupFilterSet(ListFilterSet):
    """The staff overview: one row per partner, product, family or region (`group`), this
    month's sums, narrowed by family, region, partner, days of inventory and alerts."""

    group = django_filters.ChoiceFilter(
        label=_("Group by"), choices=GROUP_CHOICES, empty_label=None, method="filter_group"
    )
    family = django_filters.ModelChoiceFilter(
        label=_("Family"),
        queryset=ProductFamily.objects.order_by("name"),
        method="filter_nothing",
        empty_label=_("All"),
    )
    region = django_filters.CharFilter(label=_("Region (code or name)"), method="filter_nothing")
    partner = django_filters.CharFilter(
        label=_("Partner"), field_name="label", lookup_expr="icontains"
    )
    doi = DaysRangeFilter(label=_("Days of inventory"), field_name="days_of_inventory")
    alerts = AlertOnly(
        label=_("Alerts"), ageing=Q(ageing_count__gt=0), stock_out=Q(stock_out_count__gt=0)
    )
    sort = SortFilter(
        fields=(
            ("label", "name"),
            ("on_hand", "on_hand"),
            ("sold_90d", "sold_90d"),
            ("days_of_inventory", "doi"),
            ("turnover", "turnover"),
            ("ageing_count", "ageing"),
            ("stock_out_count", "stock_out"),
        ),
        default="name",
    )

    class Meta:
        model = InventoryRollup
        fields: list[str] = []
        form = StockGroupForm

    def filter_nothing(self, qs: QuerySet, name: str, value) -> QuerySet:
        return qs  # applied together in `filter_queryset`, they depend on the grouping

    def filter_group(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs  # the grouping, in `filter_queryset`

    def group_value(self) -> str:
        if self.is_bound and self.is_valid():
            return self.form.cleaned_data.get("group") or RollupDimension.PARTNER
        return RollupDimension.PARTNER

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        group = self.group_value()
        data = self.form.cleaned_data if self.is_bound and self.is_valid() else {}
        family = data.get("family")
        typed_region = (data.get("region") or "").strip()
        codes = codes_matching(REGIONS, typed_region) if typed_region else []
        queryset = queryset.filter(dimension=group)
        if typed_region and not codes:
            queryset = queryset.none()
        if group in (RollupDimension.PARTNER, RollupDimension.REGION):
            queryset = (
                queryset.filter(family=family) if family else queryset.filter(family__isnull=True)
            )
        elif family:
            queryset = queryset.filter(family=family)
        if group == RollupDimension.PARTNER:
            if codes:
                queryset = queryset.filter(partner_regions__overlap=codes)
        elif group == RollupDimension.REGION:
            if codes:
                queryset = queryset.filter(region__in=codes)
        else:
            queryset = queryset.filter(region__in=codes) if codes else queryset.filter(region="")
        return super().filter_queryset(queryset)


class StockPositionFilterSet(ListFilterSet):
    """Partner × product positions this month (staff: everyone's; partners: their own and a
    distributor's dealers')."""

    q = django_filters.CharFilter(label=_("Product"), method="filter_product")
    partner = django_filters.CharFilter(
        label=_("Partner"), field_name="partner_name", lookup_expr="icontains"
    )
    partner_id = django_filters.NumberFilter(
        field_name="partner_id", widget=forms.HiddenInput, label=_("Partner ID")
    )
    product_id = django_filters.NumberFilter(
        field_name="product_id", widget=forms.HiddenInput, label=_("Product ID")
    )
    family = django_filters.ModelChoiceFilter(
        label=_("Family"), queryset=ProductFamily.objects.order_by("name"), empty_label=_("All")
    )
    region = CodeOrNameFilter(
        label=_("Region (code or name)"),
        field_name="partner_regions",
        lookup_expr="overlap",
        choices=REGIONS,
    )
    doi = DaysRangeFilter(label=_("Days of inventory"), field_name="days_of_inventory")
    alerts = AlertOnly(label=_("Alerts"), ageing=Q(ageing=True), stock_out=Q(stock_out=True))
    sort = SortFilter(
        fields=(
            ("partner_name", "partner"),
            ("product__sku", "product"),
            ("on_hand", "on_hand"),
            ("sold_90d", "sold_90d"),
            ("days_of_inventory", "doi"),
            ("turnover", "turnover"),
        ),
        default="-doi",
    )

    class Meta:
        model = InventoryFigure
        fields: list[str] = []

    def filter_product(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        """SKU (whole) or product name (part): the few matching products first, then their
        positions through the (product, month) index."""
        value = value.strip()
        if not value:
            return qs
        products = Product.objects.filter(
            Q(sku=value) | Q(sku=value.upper()) | Q(name__icontains=value)
        ).values("pk")
        return qs.filter(product_id__in=products)


class StockAlertFilterSet(ListFilterSet):
    kind = django_filters.ChoiceFilter(
        label=_("Alert"), choices=AlertKind.choices, empty_label=_("All")
    )
    month = django_filters.DateFilter(
        label=_("Month"),
        method="filter_month",
        input_formats=["%Y-%m", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    partner = django_filters.CharFilter(
        label=_("Partner"), field_name="partner__legal_name", lookup_expr="icontains"
    )
    family = django_filters.ModelChoiceFilter(
        label=_("Family"),
        field_name="product__family",
        queryset=ProductFamily.objects.order_by("name"),
        empty_label=_("All"),
    )
    region = CodeOrNameFilter(
        label=_("Region (code or name)"),
        field_name="partner__regions",
        lookup_expr="overlap",
        choices=REGIONS,
    )
    sort = SortFilter(
        fields=(
            ("created_at", "raised"),
            ("month", "month"),
            ("partner__legal_name", "partner"),
            ("product__sku", "product"),
            ("kind", "kind"),
        ),
        default="-raised",
    )

    class Meta:
        model = InventoryAlert
        fields: list[str] = []

    def filter_month(self, qs: QuerySet, name: str, value) -> QuerySet:
        return qs.filter(month=value.replace(day=1)) if value else qs


# --- end inventory stock ---------------------------------------------------------------------
