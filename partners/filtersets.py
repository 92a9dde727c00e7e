"""The filters and sortable columns of the partner lists: one definition for the page and the API
(DESIGN §8.1)."""

from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from accounts.models import User
from core.filters import (
    AmountRangeFilter,
    CodeOrNameFilter,
    DateRangeFilter,
    ListFilterSet,
    MultiChoiceFilter,
    SortFilter,
    YesNoFilter,
)
from core.industries import IndustryInput
from core.params import parse_id

from .choices import (
    AgreementStatus,
    ApplicationStatus,
    CreditKind,
    CreditStatus,
    PartnerStatus,
    PartnerType,
    ProposalStatus,
    ReportStatus,
    TierCode,
    TierOutcome,
    VisitKind,
    VisitStatus,
)
from .models import (
    Agreement,
    BusinessReport,
    CreditApplication,
    Partner,
    PartnerApplication,
    PartnerVisit,
    TierEvaluation,
)
from .regions import REGIONS
from .rules import normalise_specialization


class PartnerFilterSet(ListFilterSet):
    q = django_filters.CharFilter(label=_("Name"), method="filter_q")
    # The API's earlier name for `q`, kept for its clients; not shown on the page.
    search = django_filters.CharFilter(label=_("Name"), method="filter_q", widget=forms.HiddenInput)
    tier = MultiChoiceFilter(label=_("Tier"), field_name="tier__code", choices=TierCode.choices)
    partner_type = MultiChoiceFilter(label=_("Type"), choices=PartnerType.choices)
    status = MultiChoiceFilter(label=_("Status"), choices=PartnerStatus.choices)
    region = CodeOrNameFilter(
        label=_("Region"), field_name="regions", lookup_expr="overlap", choices=REGIONS
    )
    manager = django_filters.ModelChoiceFilter(
        label=_("Channel manager"),
        field_name="channel_manager",
        # Only what an option shows: the page lists every manager on every request.
        queryset=User.objects.filter(role__in=[Role.CHANNEL_MANAGER, Role.CHANNEL_DIRECTOR]).only(
            "pk", "full_name", "email"
        ),
    )
    specialization = django_filters.CharFilter(
        label=_("Specialization"), method="filter_specialization", widget=IndustryInput
    )
    created = DateRangeFilter(label=_("Created"), field_name="created_at")
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


class PartnerRefFilter(django_filters.CharFilter):
    """The partner by id (the links from a partner's page) or by part of its name."""

    def filter(self, qs: QuerySet, value: str) -> QuerySet:
        value = (value or "").strip()
        if not value:
            return qs
        partner_id = parse_id(value)
        if partner_id is not None:
            return qs.filter(**{f"{self.field_name}_id": partner_id})
        return qs.filter(**{f"{self.field_name}__legal_name__icontains": value})


def _partner_ref(**kwargs) -> PartnerRefFilter:
    return PartnerRefFilter(label=_("Partner"), field_name="partner", **kwargs)


class AgreementFilterSet(ListFilterSet):
    q = django_filters.CharFilter(label=_("Partner or number"), method="filter_q")
    number = django_filters.CharFilter(label=_("Agreement"))
    partner = _partner_ref()
    status = MultiChoiceFilter(label=_("Status"), choices=AgreementStatus.choices)
    expiring_within = django_filters.ChoiceFilter(
        label=_("Expiring within"),
        choices=[("7", _("7 days")), ("30", _("30 days")), ("90", _("90 days"))],
        empty_label=_("Any"),
        method="filter_expiring_within",
    )
    mine = YesNoFilter(label=_("My partners only"), method="filter_mine")
    ends = DateRangeFilter(label=_("End"), field_name="end_date")
    sort = SortFilter(
        fields=(
            ("created_at", "created"),
            ("number", "number"),
            ("partner__legal_name", "partner"),
            ("start_date", "start"),
            ("end_date", "end"),
            ("status", "status"),
        ),
        default="-created",
    )

    class Meta:
        model = Agreement
        fields: list[str] = []

    def filter_q(self, qs: QuerySet, _name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return qs
        return qs.filter(Q(partner__legal_name__icontains=value) | Q(number=value))

    def filter_expiring_within(self, qs: QuerySet, _name: str, value: str) -> QuerySet:
        if not value:
            return qs
        today = timezone.localdate()
        return qs.filter(
            status=AgreementStatus.ACTIVE,
            end_date__gte=today,
            end_date__lte=today + datetime.timedelta(days=int(value)),
        )

    def filter_mine(self, qs: QuerySet, _name: str, value: bool | None) -> QuerySet:
        return qs.filter(partner__channel_manager=self.user) if value else qs


class CreditApplicationFilterSet(ListFilterSet):
    partner = _partner_ref()
    status = MultiChoiceFilter(label=_("Status"), choices=CreditStatus.choices)
    kind = MultiChoiceFilter(label=_("Kind"), choices=CreditKind.choices)
    amount = AmountRangeFilter(label=_("Amount"), field_name="amount")
    requested = DateRangeFilter(label=_("Requested on"), field_name="created_at")
    sort = SortFilter(
        fields=(
            ("created_at", "requested"),
            ("partner__legal_name", "partner"),
            ("kind", "kind"),
            ("amount", "amount"),
            ("status", "status"),
        ),
        default="-requested",
    )

    class Meta:
        model = CreditApplication
        fields: list[str] = []


class BusinessReportFilterSet(ListFilterSet):
    partner = _partner_ref()
    status = MultiChoiceFilter(label=_("Status"), choices=ReportStatus.choices)
    month = DateRangeFilter(label=_("Month"), field_name="month")
    sort = SortFilter(
        fields=(("month", "month"), ("partner__legal_name", "partner"), ("status", "status")),
        default="-month",
    )

    class Meta:
        model = BusinessReport
        fields: list[str] = []


class PartnerVisitFilterSet(ListFilterSet):
    partner = _partner_ref()
    status = MultiChoiceFilter(label=_("Status"), choices=VisitStatus.choices)
    kind = MultiChoiceFilter(label=_("Kind"), choices=VisitKind.choices)
    planned = DateRangeFilter(label=_("Planned for"), field_name="planned_on")
    sort = SortFilter(
        fields=(
            ("planned_on", "planned"),
            ("partner__legal_name", "partner"),
            ("kind", "kind"),
            ("status", "status"),
        ),
        default="-planned",
    )

    class Meta:
        model = PartnerVisit
        fields: list[str] = []


# --- the approval queue ----------------------------------------------------------------------
class ApplicationQueueFilterSet(ListFilterSet):
    """The onboarding pipeline (DESIGN §2.1): one definition for the page and the API."""

    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    status = MultiChoiceFilter(label=_("Status"), choices=ApplicationStatus.choices)
    partner_type = MultiChoiceFilter(label=_("Type"), choices=PartnerType.choices)
    region = CodeOrNameFilter(
        label=_("Region"), field_name="regions", lookup_expr="overlap", choices=REGIONS
    )
    country = django_filters.CharFilter(label=_("Country"), lookup_expr="iexact")
    submitted = DateRangeFilter(label=_("Submitted"), field_name="submitted_at")
    sort = SortFilter(
        fields=(("submitted_at", "submitted"), ("legal_name", "company"), ("status", "status")),
        default="-submitted",
    )

    class Meta:
        model = PartnerApplication
        fields: list[str] = []

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(legal_name__icontains=value) | Q(tax_id__iexact=value))


class TierProposalQueueFilterSet(ListFilterSet):
    """Tier proposals (DESIGN §2.3): one definition for the queue page (pending unless another
    status is asked) and the API (every decided or pending proposal)."""

    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[c for c in ProposalStatus.choices if c[0] != ProposalStatus.NONE],
        widget=forms.HiddenInput,
    )
    outcome = django_filters.ChoiceFilter(
        label=_("Change"),
        choices=[(o.value, o.label) for o in (TierOutcome.UPGRADE, TierOutcome.DOWNGRADE)],
        empty_label=_("All"),
    )
    quarter = django_filters.CharFilter(label=_("Quarter"), lookup_expr="iexact")
    sort = SortFilter(
        fields=(
            ("quarter", "quarter"),
            ("partner__legal_name", "partner"),
            ("revenue", "revenue"),
            ("created_at", "created"),
        ),
        default="-quarter",
    )

    class Meta:
        model = TierEvaluation
        fields: list[str] = []

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(partner__legal_name__icontains=value) | Q(partner__tax_id__iexact=value)
        )
