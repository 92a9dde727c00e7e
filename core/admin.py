from django.contrib import admin

from .models import AuditEvent, FxRate, ImportBatch, JobRun, Notification


class ReadOnlyAdmin(admin.ModelAdmin):
    """Append-only records are browsed, never edited, in the admin."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor_repr", "action", "object_repr"]
    list_filter = ["action"]
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
class FxRateAdmin(admin.ModelAdmin):
    list_display = ["rate_date", "base_currency", "quote_currency", "rate"]
    list_filter = ["base_currency", "quote_currency"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "recipient", "kind", "title", "read_at"]
    list_filter = ["kind"]
