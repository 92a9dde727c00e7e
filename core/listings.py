"""Core's own lists on the list framework (DESIGN §8.1): the audit log, jobs, imports and FX
rates, and each person's notifications."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from .filters import DateRangeFilter, ListFilterSet, MultiChoiceFilter, SortFilter
from .imports import importers_for
from .jobs import job_list_for
from .lists import Column, ListDefinition, list_register
from .models import (
    AuditEvent,
    FxRate,
    ImportBatch,
    ImportStatus,
    JobRun,
    JobStatus,
    Notification,
)
from .money import CURRENCY_CHOICES
from .notifications import notification_kinds_for
from .roles import FX_RATE_READERS


def audit_event_list_for(*, user) -> QuerySet[AuditEvent]:
    """Every audit event for an administrator, none for anyone else (an export job rebuilding
    the list for another user gets nothing)."""
    events = AuditEvent.objects.select_related("content_type", "actor", "actor__partner")
    return events if getattr(user, "is_admin", False) else events.none()


def import_batch_list_for(*, user) -> QuerySet[ImportBatch]:
    """The imports of the kinds the user may run."""
    kinds = [importer.kind for importer in importers_for(user)]
    batches = ImportBatch.objects.select_related("uploaded_by").filter(kind__in=kinds)
    return import_batches_visible_to(batches, user)


def import_batches_visible_to(batches: QuerySet[ImportBatch], user) -> QuerySet[ImportBatch]:
    """A partner user sees only its own company's uploads (imports partners may run, such as
    their inventory reports); staff see every upload of the kinds they may run."""
    if getattr(user, "is_partner_user", False):
        return batches.filter(uploaded_by__partner_id=user.partner_id)
    return batches


def fx_rate_list_for(*, user) -> QuerySet[FxRate]:
    """Every FX rate for the roles that read them (vendor data, not a partner's), none for others."""
    rates = FxRate.objects.all()
    return rates if getattr(user, "role", None) in FX_RATE_READERS else rates.none()


class FxRateFilterSet(ListFilterSet):
    currency = django_filters.ChoiceFilter(
        label=_("Currency"), choices=CURRENCY_CHOICES, method="filter_currency"
    )
    base_currency = django_filters.ChoiceFilter(label=_("From"), choices=CURRENCY_CHOICES)
    quote_currency = django_filters.ChoiceFilter(label=_("To"), choices=CURRENCY_CHOICES)
    rate_date = DateRangeFilter(label=_("Date"), field_name="rate_date")
    sort = SortFilter(
        fields=(
            ("rate_date", "date"),
            ("base_currency", "from"),
            ("quote_currency", "to"),
            ("rate", "rate"),
        ),
        default="-date",
    )

    class Meta:
        model = FxRate
        fields: list[str] = []

    def filter_currency(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Rates from or to the currency."""
        return queryset.filter(Q(base_currency=value) | Q(quote_currency=value))


def notification_list_for(*, user) -> QuerySet[Notification]:
    """The reader's own notifications, nobody else's."""
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return user.notifications.all()


class NotificationFilterSet(ListFilterSet):
    q = django_filters.CharFilter(label=_("Message"), method="filter_text")
    unread = django_filters.BooleanFilter(
        label=_("Unread only"), field_name="read_at", lookup_expr="isnull"
    )
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=())
    created = DateRangeFilter(label=_("When"), field_name="created_at")
    sort = SortFilter(fields=(("created_at", "when"),), default="-when")

    class Meta:
        model = Notification
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The kinds the reader may receive, by their labels in the reader's language.
        kinds = notification_kinds_for(self.user) if self.user is not None else []
        self.filters["kind"].extra["choices"] = [(k.kind, k.label) for k in kinds]

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Words of the title or the message as stored (the writer's text or the message id)."""
        return queryset.filter(
            Q(title__icontains=value) | Q(body__icontains=value) | Q(params__icontains=value)
        )


class AuditEventFilterSet(ListFilterSet):
    action = django_filters.CharFilter(label=_("Action"), lookup_expr="icontains")
    actor = django_filters.CharFilter(
        label=_("Who (e-mail)"), field_name="actor_repr", lookup_expr="icontains"
    )
    object_repr = django_filters.CharFilter(label=_("Object"), lookup_expr="icontains")
    partner = django_filters.CharFilter(
        label=_("Partner"), field_name="partner__legal_name", lookup_expr="icontains"
    )
    when = DateRangeFilter(label=_("When"), field_name="created_at")
    sort = SortFilter(
        fields=(("created_at", "when"), ("action", "action"), ("actor_repr", "who")),
        default="-when",
    )

    class Meta:
        model = AuditEvent
        fields: list[str] = []


class JobRunFilterSet(ListFilterSet):
    q = django_filters.CharFilter(label=_("Job"), field_name="label", lookup_expr="icontains")
    status = MultiChoiceFilter(label=_("Status"), choices=JobStatus.choices)
    created = DateRangeFilter(label=_("Created"), field_name="created_at")
    sort = SortFilter(
        fields=(("created_at", "created"), ("label", "job"), ("status", "status")),
        default="-created",
    )

    class Meta:
        model = JobRun
        fields: list[str] = []


class ImportBatchFilterSet(ListFilterSet):
    q = django_filters.CharFilter(
        label=_("File"), field_name="original_name", lookup_expr="icontains"
    )
    status = MultiChoiceFilter(label=_("Status"), choices=ImportStatus.choices)
    created = DateRangeFilter(label=_("When"), field_name="created_at")
    sort = SortFilter(
        fields=(("created_at", "when"), ("original_name", "file"), ("status", "status")),
        default="-when",
    )

    class Meta:
        model = ImportBatch
        fields: list[str] = []


AUDIT_LIST = list_register(
    ListDefinition(
        key="audit",
        url_name="core:audit_list",
        base=audit_event_list_for,
        filterset=AuditEventFilterSet,
        columns=(
            Column("when", _("When"), sort="when"),
            Column("who", _("Who"), sort="who"),
            Column("action", _("Action"), sort="action"),
            Column("object", _("Object")),
            Column("changes", _("Changes")),
        ),
    )
)

JOB_LIST = list_register(
    ListDefinition(
        key="jobs",
        url_name="core:job_list",
        base=job_list_for,
        filterset=JobRunFilterSet,
        columns=(
            Column("job", _("Job"), sort="job"),
            Column("status", _("Status"), sort="status"),
            Column("progress", _("Progress"), num=True),
            Column("started_by", _("Started by")),
            Column("created", _("Created"), sort="created"),
        ),
    )
)

IMPORT_LIST = list_register(
    ListDefinition(
        key="imports",
        url_name="core:import_list",
        base=import_batch_list_for,
        filterset=ImportBatchFilterSet,
        columns=(
            Column("file", _("File"), sort="file"),
            Column("import", _("Import")),
            Column("status", _("Status"), sort="status"),
            Column("rows", _("Rows"), num=True),
            Column("errors", _("Errors"), num=True),
            Column("by", _("By")),
            Column("when", _("When"), sort="when"),
        ),
    )
)

FX_RATE_LIST = list_register(
    ListDefinition(
        key="fx-rates",
        url_name="core:fxrate_list",
        base=fx_rate_list_for,
        filterset=FxRateFilterSet,
        columns=(
            Column("date", _("Date"), sort="date"),
            Column("from", _("From"), sort="from"),
            Column("to", _("To"), sort="to"),
            Column("rate", _("Exchange rate"), sort="rate", num=True),
        ),
    )
)

NOTIFICATION_LIST = list_register(
    ListDefinition(
        key="notifications",
        url_name="core:notification_list",
        base=notification_list_for,
        filterset=NotificationFilterSet,
        columns=(
            Column("message", _("Message")),
            Column("when", _("When"), sort="when"),
            Column("read", _("Read")),
        ),
    )
)
