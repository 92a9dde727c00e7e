"""Core's own lists on the list framework (DESIGN §8.1): the audit log, jobs and imports."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from .filters import DateRangeFilter, ListFilterSet, MultiChoiceFilter, SortFilter
from .imports import importers_for
from .jobs import job_list_for
from .lists import Column, ListDefinition, list_register
from .models import AuditEvent, ImportBatch, ImportStatus, JobRun, JobStatus


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
