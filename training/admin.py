from django.contrib import admin

from .models import Certification, Course, Exam, ExpiryReminder, Module, Option, Question


class ModuleInline(admin.StackedInline):
    model = Module
    extra = 0


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["title", "track", "level", "is_published"]
    list_filter = ["track", "level", "is_published"]
    search_fields = ["title"]
    inlines = [ModuleInline]


class OptionInline(admin.TabularInline):
    model = Option
    extra = 2


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["text", "exam", "kind", "is_active"]
    list_filter = ["kind", "is_active", "exam"]
    inlines = [OptionInline]


@admin.register(Exam)
class ExamAdmin(admin.ModelAdmin):
    list_display = ["course", "question_count", "time_limit_minutes", "pass_mark", "max_attempts"]


@admin.register(Certification)
class CertificationAdmin(admin.ModelAdmin):
    list_display = ["code", "user", "partner", "track", "level", "issued_on", "expires_on"]
    list_filter = ["track", "level"]
    search_fields = ["code", "user__email", "partner__legal_name"]
    raw_id_fields = ["user", "partner", "attempt"]


@admin.register(ExpiryReminder)
class ExpiryReminderAdmin(admin.ModelAdmin):
    list_display = ["certification", "sent_at"]
    raw_id_fields = ["certification"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False
