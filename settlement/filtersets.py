"""Filters of the reconciliation anomaly queue (DESIGN §6.4, §8.1): state, kind, partner by name."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from .choices import AnomalyKind, AnomalyState


class AnomalyQueueFilterSet(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(
        label=_("State"), choices=AnomalyState.choices, empty_label="—"
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=AnomalyKind.choices, empty_label="—"
    )
    partner = django_filters.CharFilter(
        label=_("Partner"),
        field_name="partner__legal_name",
        lookup_expr="icontains",
        max_length=100,
    )
