"""The filters and sortable columns of the partner lists: one definition for the page and the API
(DESIGN §8.1)."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from accounts.models import User
from core.filters import (
    CodeOrNameFilter,
    DateRangeFilter,
    ListFilterSet,
    MultiChoiceFilter,
    SortFilter,
)

from .choices import PartnerStatus, PartnerType, TierCode
from .models import Partner
from .regions import REGIONS
from .rules import normalise_specialization


class PartnerFilterSet(ListFilterSet):
    q = django_filters.CharFilter(label=_("Name"), method="filter_q")
    tier = MultiChoiceFilter(label=_("Tier"), field_name="tier__code", choices=TierCode.choices)
    partner_type = MultiChoiceFilter(label=_("Type"), choices=PartnerType.choices)
    status = MultiChoiceFilter(label=_("Status"), choices=PartnerStatus.choices)
    region = CodeOrNameFilter(
        label=_("Region"), field_name="regions", lookup_expr="overlap", choices=REGIONS
    )
    manager = django_filters.ModelChoiceFilter(
        label=_("Channel manager"),
        field_name="channel_manager",
        queryset=User.objects.filter(role__in=[Role.CHANNEL_MANAGER, Role.CHANNEL_DIRECTOR]),
    )
    specialization = django_filters.CharFilter(
        label=_("Specialization"), method="filter_specialization"
    )
    created = DateRangeFilter(label=_("created"), field_name="created_at")
    sort = SortFilter(
        fields=(
            ("legal_name", "name"),
            ("partner_type", "type"),
            ("status", "status"),
            ("created_at", "created"),
        ),
        default="name",
    )

    class Meta:
        model = Partner
        fields: list[str] = []

    def filter_q(self, qs: QuerySet, _name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return qs
        condition = Q(legal_name__icontains=value)
        # A distributor must not find out a dealer's tax ID by searching for it.
        if self.user is not None and not self.user.is_partner_user:
            condition |= Q(tax_id__iexact=value)
        return qs.filter(condition)

    def filter_specialization(self, qs: QuerySet, _name: str, value: str) -> QuerySet:
        tag = normalise_specialization(value or "")
        return qs.filter(specializations__contains=[tag]) if tag else qs
