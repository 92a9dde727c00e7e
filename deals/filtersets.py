"""Filters of the deal registration approval queue (DESIGN §4.3, §4.4, §8.1): search, the flags a
manager works by, and sorting. One definition for the page; the list framework folds it in."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import DealStatus
from .rules import normalize_customer_name

# The queue's flags: each one a condition on a pending registration, counted in one aggregate.
QUEUE_FLAGS = {
    "conflicts": (_("Conflicts"), lambda now: Q(status=DealStatus.IN_CONFLICT)),
    "breached": (_("SLA breached"), lambda now: Q(sla_due_at__lt=now)),
    "cross_region": (_("Cross-region"), lambda now: Q(cross_region=True)),
    "below_floor": (
        _("Below floor or price held"),
        lambda now: Q(below_floor=True) | Q(price_check_held=True),
    ),
}

# Sort keys the page offers, each with its columns; the primary key breaks ties so pages are stable.
QUEUE_SORTS = {
    "sla_due": ("sla_due_at", "pk"),
    "-sla_due": ("-sla_due_at", "-pk"),
    "submitted": ("submitted_at", "pk"),
    "-submitted": ("-submitted_at", "-pk"),
    "customer": ("customer_name", "pk"),
    "-customer": ("-customer_name", "-pk"),
    "partner": ("partner__legal_name", "pk"),
    "-partner": ("-partner__legal_name", "-pk"),
    "project": ("project_name", "pk"),
    "-project": ("-project_name", "-pk"),
}
QUEUE_DEFAULT_SORT = "sla_due"


def queue_flag_q(flag: str, *, now=None) -> Q:
    return QUEUE_FLAGS[flag][1](now or timezone.now())


def queue_search_q(text: str) -> Q:
    """Customer, project or partner by a part of its name, the customer's tax ID, or the number."""
    text = text.strip()
    found = (
        Q(customer_name__icontains=text)
        | Q(project_name__icontains=text)
        | Q(partner__legal_name__icontains=text)
        | Q(customer_tax_id__iexact=text)
    )
    fingerprint = normalize_customer_name(text)
    if fingerprint:
        # Spelled differently (full-width, another legal form): the §4.2 normalisation matches.
        found |= Q(customer_fingerprint__contains=fingerprint)
    if text.lstrip("#").isdigit():
        found |= Q(pk=int(text.lstrip("#")))
    return found


class DealQueueFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    flag = django_filters.ChoiceFilter(
        label=_("Show"),
        choices=[(key, label) for key, (label, _q) in QUEUE_FLAGS.items()],
        empty_label=_("All waiting"),
        method="filter_flag",
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort"),
        choices=[
            ("sla_due", _("SLA due, soonest first")),
            ("-submitted", _("Newest submitted first")),
            ("submitted", _("Oldest submitted first")),
            ("customer", _("Customer")),
            ("partner", _("Partner")),
            ("project", _("Project")),
            ("-sla_due", _("SLA due, latest first")),
            ("-customer", _("Customer, Z to A")),
            ("-partner", _("Partner, Z to A")),
            ("-project", _("Project, Z to A")),
        ],
        empty_label=None,
        method="filter_sort",
    )

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(queue_search_q(value)) if value.strip() else queryset

    def filter_flag(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(queue_flag_q(value)) if value else queryset

    def filter_sort(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.order_by(*QUEUE_SORTS.get(value or QUEUE_DEFAULT_SORT))

    @property
    def current_sort(self) -> str:
        value = self.form.cleaned_data.get("sort") if self.is_bound and self.is_valid() else ""
        return value or QUEUE_DEFAULT_SORT
