"""The Django admin's policy (DESIGN §1): a read-only window on governed records; configuration
edited there is audited like every other door.

Every registered model takes one of two admins from here:
- `ReadOnlyAdmin` for governed and append-only records (partners' status, tier and credit, user
  roles, deals, statements, accruals, approvals, audit): they are browsed, never added, changed or
  deleted here — their changes go through the services, which check the rules and write the audit;
- `AuditedAdmin` for configuration (tiers, the MDF approval matrix, course content, schedules):
  each add, change and delete writes an audit row with before and after, in the admin's own
  transaction, so the change and its record exist together.
Grants of object permissions (django-guardian) made in the admin are audited by
`AuditedGrantsMixin`. A test walks the admin registry so that a new model without a decision fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from axes import admin as axes_admin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.models import Group
from django.core.paginator import Paginator
from django.db import connections, models, transaction
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django_celery_beat import admin as beat_admin
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)
from guardian.admin import GuardedModelAdminMixin
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from .audit import audit_record, diff, snapshot
from .audit_display import audit_action_label
from .lists import ESTIMATE_TRUSTED_ABOVE, estimated_count
from .models import AuditEvent, FxRate, ImportBatch, JobRun, Notification
from .notifications import notification_kinds


class ReadOnlyAdmin(admin.ModelAdmin):
    """Governed and append-only records are browsed, never added, changed or deleted, here."""

    actions = None

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class EstimatedCountPaginator(Paginator):
    """The pager of a table of millions of rows: PostgreSQL's estimate when it is far above what
    counting costs little (2,000,000 audit rows took 55 ms to count, twice a page), the exact
    count otherwise. The last pages of an estimate may be short or empty; no row is hidden."""

    @cached_property
    def count(self) -> int:
        estimate = estimated_count(self.object_list)
        return estimate if estimate > ESTIMATE_TRUSTED_ABOVE else self.object_list.count()


class LargeTableAdmin(ReadOnlyAdmin):
    """Browsing an append-only table at full scale (DESIGN §10): an estimated pager and no second
    count of the whole table for "(n total)"."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False


class IndexedValuesFilter(admin.SimpleListFilter):
    """A filter by the distinct values of an indexed column, found by walking its index (one probe
    a value) instead of `SELECT DISTINCT` over every row, which the default filter runs."""

    field_name = ""

    def lookups(self, request, model_admin) -> list[tuple[str, str]]:
        model = model_admin.model
        table = connections["default"].ops.quote_name(model._meta.db_table)
        column = connections["default"].ops.quote_name(
            model._meta.get_field(self.field_name).column
        )
        # Identifiers from the model's own meta, quoted; no value from the request.
        walk = f"SELECT {column} FROM {table}"  # noqa: S608
        sql = (
            f"WITH RECURSIVE walk(value) AS (({walk} ORDER BY 1 LIMIT 1) UNION ALL "  # noqa: S608
            f"SELECT ({walk} WHERE {column} > walk.value ORDER BY 1 LIMIT 1) FROM walk "
            "WHERE walk.value IS NOT NULL) SELECT value FROM walk WHERE value IS NOT NULL"
        )
        with connections["default"].cursor() as cursor:
            cursor.execute(sql)
            return [(value, self.label(value)) for (value,) in cursor.fetchall()]

    def label(self, value: str) -> str:
        return value

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{self.field_name: self.value()})
        return queryset


class AuditActionFilter(IndexedValuesFilter):
    title = _("action")
    parameter_name = "action"
    field_name = "action"

    def label(self, value: str) -> str:
        return f"{audit_action_label(value)} ({value})"


class NotificationKindFilter(admin.SimpleListFilter):
    """The kinds the code declares (`core.notifications.notification_kind`): the column has no
    index of its own, and reading 500,000 rows for its distinct values took 50 ms."""

    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin) -> list[tuple[str, str]]:
        return sorted(((kind, str(entry.label)) for kind, entry in notification_kinds().items()))

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(kind=self.value())
        return queryset


class AuditedAdmin(admin.ModelAdmin):
    """Configuration edited in the admin: every add, change and delete writes an audit row.

    The admin runs each save and delete in one transaction (Django's change and delete views are
    atomic); the audit row is written inside it. Custom bulk actions are off: they would update
    rows without passing through `save_model`. `audit_exclude` keeps secrets out of the log.
    """

    actions: list = []
    audit_exclude: tuple[str, ...] = ("password", "last_login")

    def _audit_fields(self) -> list[str]:
        return [
            f.name for f in self.model._meta.concrete_fields if f.name not in self.audit_exclude
        ]

    def _state(self, obj: models.Model) -> dict[str, Any]:
        state = snapshot(obj, self._audit_fields())
        if obj.pk is not None:
            for field in self.model._meta.many_to_many:
                if field.name not in self.audit_exclude:
                    state[field.name] = sorted(
                        getattr(obj, field.name).values_list("pk", flat=True)
                    )
        return state

    def _action(self, verb: str) -> str:
        return f"{self.model._meta.model_name}.{verb}"

    def save_model(self, request, obj, form, change) -> None:
        # The form has already written the new values onto `obj`: "before" comes from the database.
        before = self._state(self.model._base_manager.get(pk=obj.pk)) if change else {}
        request._admin_audit_before = before
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        obj = form.instance
        changes: dict[str, Any] = diff(
            getattr(request, "_admin_audit_before", {}), self._state(obj)
        )
        for formset in formsets:
            rows = _formset_changes(formset)
            if rows:
                changes[formset.model._meta.model_name] = rows
        if change and not changes:
            return
        audit_record(
            actor=request.user,
            action=self._action("changed" if change else "created"),
            obj=obj,
            changes=changes,
            note="admin",
        )

    def delete_model(self, request, obj) -> None:
        audit_record(
            actor=request.user,
            action=self._action("deleted"),
            obj=obj,
            changes={
                name: {"before": value, "after": None} for name, value in self._state(obj).items()
            },
            note="admin",
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        # One audited delete per row, never a silent bulk DELETE.
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)


def _formset_changes(formset) -> dict[str, list]:
    """What an inline formset created, changed and deleted (after it was saved)."""
    rows: dict[str, list] = {}
    if getattr(formset, "new_objects", None):
        rows["created"] = [str(o) for o in formset.new_objects]
    if getattr(formset, "changed_objects", None):
        rows["changed"] = [
            {"object": str(o), "after": snapshot(o, fields)}
            for o, fields in formset.changed_objects
        ]
    if getattr(formset, "deleted_objects", None):
        rows["deleted"] = [str(o) for o in formset.deleted_objects]
    return rows


class AuditedGrantsMixin(GuardedModelAdminMixin):
    """django-guardian's object-permission pages on a read-only admin, each grant audited.

    The record itself stays read-only; guardian's pages ask `has_change_permission` without an
    object, so only inside those pages, and only for administrators, is that answered yes.
    """

    grants_action = "object_permissions.changed"

    @contextmanager
    def _grants_page(self, request) -> Iterator[None]:
        request._admin_managing_grants = True
        try:
            yield
        finally:
            request._admin_managing_grants = False

    def has_change_permission(self, request, obj=None) -> bool:
        return bool(
            obj is None
            and getattr(request, "_admin_managing_grants", False)
            and request.user.is_admin
        )

    def obj_perms_manage_view(self, request, object_pk):
        with self._grants_page(request):
            return super().obj_perms_manage_view(request, object_pk)

    def obj_perms_manage_user_view(self, request, object_pk, user_id):
        with self._grants_page(request):
            return super().obj_perms_manage_user_view(request, object_pk, user_id)

    def obj_perms_manage_group_view(self, request, object_pk, group_id):
        with self._grants_page(request):
            return super().obj_perms_manage_group_view(request, object_pk, group_id)

    def get_obj_perms_manage_user_form(self, request):
        return _audited_grants_form(
            super().get_obj_perms_manage_user_form(request), request.user, self.grants_action
        )

    def get_obj_perms_manage_group_form(self, request):
        return _audited_grants_form(
            super().get_obj_perms_manage_group_form(request), request.user, self.grants_action
        )


def _audited_grants_form(base: type, actor, action: str) -> type:
    class AuditedGrantsForm(base):
        def save_obj_perms(self) -> None:
            before = sorted(self.get_obj_perms_field_initial())
            with transaction.atomic():
                super().save_obj_perms()
                after = sorted(self.cleaned_data[self.get_obj_perms_field_name()])
                if before == after:
                    return
                grantee = getattr(self, "user", None) or getattr(self, "group", None)
                audit_record(
                    actor=actor,
                    action=action,
                    obj=self.obj,
                    changes={
                        "grantee": str(grantee),
                        "grantee_id": grantee.pk,
                        "permissions": {"before": before, "after": after},
                    },
                    note="admin",
                )

    return AuditedGrantsForm


# --- this app's records ------------------------------------------------------------------------


@admin.register(AuditEvent)
class AuditEventAdmin(LargeTableAdmin):
    list_display = ["created_at", "actor_repr", "action", "object_repr"]
    list_filter = [AuditActionFilter]
    search_fields = ["actor_repr", "object_repr", "action"]


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "label", "status", "done", "total"]
    list_filter = ["status", "kind"]


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "original_name", "status", "row_count", "error_count"]
    list_filter = ["status", "kind"]


@admin.register(FxRate)
class FxRateAdmin(AuditedAdmin):
    """A published rate is never changed or removed (statements used it); new ones are audited."""

    list_display = ["rate_date", "base_currency", "quote_currency", "rate"]
    list_filter = ["base_currency", "quote_currency"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(LargeTableAdmin):
    list_display = ["created_at", "recipient", "kind", "title", "read_at"]
    list_filter = [NotificationKindFilter]
    # Newest first by id, which its primary key serves: no index sorts all notifications by
    # time (each person's inbox index leads with the recipient); ids follow creation.
    ordering = ["-id"]
    sortable_by = ["created_at", "kind"]


# --- installed packages' models, under the same policy ----------------------------------------
# This app's admin module is loaded after the packages' (INSTALLED_APPS order): replace theirs.


def _replace(model: type[models.Model], admin_class: type[admin.ModelAdmin]) -> None:
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, admin_class)


class GroupReadOnlyAdmin(ReadOnlyAdmin, GroupAdmin):
    """Groups carry permissions: permission-relevant, so read-only (roles decide access)."""


class TokenAuditedAdmin(AuditedAdmin, TokenAdmin):
    """API tokens: revoking one is audited; nobody creates a token for someone else, and the
    keys are not shown (a key is a password)."""

    list_display = ["user", "created"]
    fields = ["user", "created"]
    readonly_fields = ["user", "created"]
    audit_exclude = ("key",)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class PeriodicTaskAuditedAdmin(AuditedAdmin, beat_admin.PeriodicTaskAdmin):
    """Schedules are configuration. The package's bulk enable, disable and run actions are off
    (`AuditedAdmin.actions`): they update rows past the audit."""


class ClockedScheduleAuditedAdmin(AuditedAdmin, beat_admin.ClockedScheduleAdmin):
    pass


class CrontabScheduleAuditedAdmin(AuditedAdmin, beat_admin.CrontabScheduleAdmin):
    pass


class SolarScheduleAuditedAdmin(AuditedAdmin, beat_admin.SolarScheduleAdmin):
    pass


class IntervalScheduleAuditedAdmin(AuditedAdmin, beat_admin.IntervalScheduleAdmin):
    pass


_replace(Group, GroupReadOnlyAdmin)
_replace(TokenProxy, TokenAuditedAdmin)
_replace(PeriodicTask, PeriodicTaskAuditedAdmin)
_replace(ClockedSchedule, ClockedScheduleAuditedAdmin)
_replace(CrontabSchedule, CrontabScheduleAuditedAdmin)
_replace(SolarSchedule, SolarScheduleAuditedAdmin)
_replace(IntervalSchedule, IntervalScheduleAuditedAdmin)


class AccessAttemptAuditedAdmin(AuditedAdmin, axes_admin.AccessAttemptAdmin):
    """A sign-in lockout is lifted by deleting its attempt: audited. Attempts are never edited."""

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class AccessLogReadOnlyAdmin(ReadOnlyAdmin, axes_admin.AccessLogAdmin):
    pass


class AccessFailureLogReadOnlyAdmin(ReadOnlyAdmin, axes_admin.AccessFailureLogAdmin):
    pass


_replace(AccessAttempt, AccessAttemptAuditedAdmin)
_replace(AccessLog, AccessLogReadOnlyAdmin)
_replace(AccessFailureLog, AccessFailureLogReadOnlyAdmin)
