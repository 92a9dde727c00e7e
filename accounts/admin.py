"""People in the admin. Roles, company and permissions are governed: read-only once an account
exists (partner users are managed by their company's admins through the services). Vendor staff
accounts are created here; every add and change, and every password set, is audited."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from core.admin import AuditedAdmin
from core.audit import audit_record

from .choices import STAFF_ROLES, Role
from .models import User

# Who may do what: never edited here once the account exists.
PERMISSION_FIELDS = ("role", "partner", "is_superuser", "groups", "user_permissions")


@admin.register(User)
class UserAdmin(AuditedAdmin, DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "role", "partner", "is_active", "last_login"]
    list_filter = ["role", "is_active", "language"]
    search_fields = ["email", "full_name", "partner__legal_name"]
    list_select_related = ["partner"]
    autocomplete_fields = ["partner"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Person"), {"fields": ["full_name", "phone", "language"]}),
        (
            _("Access"),
            {
                "fields": [
                    "role",
                    "partner",
                    "is_active",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                ]
            },
        ),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    # A new account here is a vendor employee's; partner users are invited by their company.
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "full_name", "role", "password1", "password2"],
            },
        )
    ]
    filter_horizontal = ["groups", "user_permissions"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        fields = [*PERMISSION_FIELDS, "last_login", "date_joined"]
        if obj.is_partner_user:
            # Switching a partner user off is their company's act (partner_user_deactivate).
            fields.append("is_active")
        return fields

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is None:
            form.base_fields["role"].choices = [
                (role.value, role.label) for role in Role if role.value in STAFF_ROLES
            ]
        return form

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # people are switched off, never deleted: their acts stay attributed

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            audit_record(
                actor=request.user,
                action="user.password_set",
                obj=self.get_object(request, id),
                note="admin",
            )
        return response
