"""The filters and sortable columns of inventory's lists: one definition for the page and the API
(DESIGN §8.1)."""

from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from core.filters import CodeOrNameFilter, ListFilterSet, MultiChoiceFilter, SortFilter
from partners.regions import REGIONS

from .choices import FlagKind, FlagStatus
from .models import InventoryFlag


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
