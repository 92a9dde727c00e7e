"""Training in the admin: course content is configuration (audited); certifications are records
earned by passing an exam, read-only here."""

from django.contrib import admin

from core.admin import AuditedAdmin, ReadOnlyAdmin

from .models import Certification, Course, Exam, ExpiryReminder, Module, Option, Question


class ModuleInline(admin.StackedInline):
    model = Module
    extra = 0


@admin.register(Course)
class CourseAdmin(AuditedAdmin):
    list_display = ["title", "title_zh", "track", "level", "is_published"]
    list_filter = ["track", "level", "is_published"]
    search_fields = ["title", "title_zh"]
    inlines = [ModuleInline]


class OptionInline(admin.TabularInline):
    model = Option
    extra = 2


@admin.register(Question)
class QuestionAdmin(AuditedAdmin):
    list_display = ["text", "exam", "kind", "is_active"]
    list_filter = ["kind", "is_active", "exam"]
    inlines = [OptionInline]


@admin.register(Exam)
class ExamAdmin(AuditedAdmin):
    list_display = ["course", "question_count", "time_limit_minutes", "pass_mark", "max_attempts"]


@admin.register(Certification)
class CertificationAdmin(ReadOnlyAdmin):
    list_display = ["code", "user", "partner", "track", "level", "issued_on", "expires_on"]
    list_filter = ["track", "level"]
    search_fields = ["code", "user__email", "partner__legal_name"]
    raw_id_fields = ["user", "partner", "attempt"]


@admin.register(ExpiryReminder)
class ExpiryReminderAdmin(ReadOnlyAdmin):
    list_display = ["certification", "sent_at"]
    raw_id_fields = ["certification"]
