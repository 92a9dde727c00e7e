"""Administration of the MDF programme: the approval matrix is data (DESIGN §7); money is read-only."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.choices import STAFF_ROLES, Role
from core.admin import AuditedAdmin, LargeTableAdmin, ReadOnlyAdmin

from .models import ApprovalRule, Claim, FundRequest, MdfLedgerEntry

STAFF_ROLE_CHOICES = [(r.value, r.label) for r in Role if r.value in STAFF_ROLES]


class ApprovalRuleForm(forms.ModelForm):
    approver_roles = forms.MultipleChoiceField(
        label=_("roles that may approve"),
        choices=STAFF_ROLE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
    )
    required_roles = forms.MultipleChoiceField(
        label=_("roles that must be among the approvers"),
        choices=STAFF_ROLE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = ApprovalRule
        fields = ["max_amount_cny", "approver_roles", "required_roles", "approvals_required"]

    def clean(self):
        data = super().clean()
        approvers = set(data.get("approver_roles") or [])
        required = set(data.get("required_roles") or [])
        if required - approvers:
            self.add_error(
                "required_roles", _("A required role must also be a role that may approve.")
            )
        count = data.get("approvals_required")
        if count is not None and len(required) > count:
            self.add_error(
                "approvals_required",
                _("At least as many approvers as required roles are needed."),
            )
        limit = data.get("max_amount_cny")
        if limit is not None and limit <= 0:
            self.add_error("max_amount_cny", _("The limit must be greater than zero."))
        others = ApprovalRule.objects.exclude(pk=self.instance.pk)
        if limit is None and others.filter(max_amount_cny__isnull=True).exists():
            self.add_error("max_amount_cny", _("There is already a row for every larger amount."))
        elif limit is not None and others.filter(max_amount_cny=limit).exists():
            self.add_error("max_amount_cny", _("There is already a row with this limit."))
        return data


@admin.register(ApprovalRule)
class ApprovalRuleAdmin(AuditedAdmin):
    form = ApprovalRuleForm
    list_display = ["max_amount_cny", "approver_roles", "required_roles", "approvals_required"]

    actions = (
        None  # no bulk delete: rows are removed one at a time (audited), the open-ended row never
    )

    def has_delete_permission(self, request, obj=None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or obj.max_amount_cny is not None)


# --- money moves only through the services; the admin shows it ---------------------------------


@admin.register(MdfLedgerEntry)
class MdfLedgerEntryAdmin(LargeTableAdmin):
    list_display = ["created_at", "partner", "kind", "currency", "amount", "quarter"]
    list_filter = ["kind", "quarter"]
    search_fields = ["partner__legal_name", "reason"]
    list_select_related = ["partner"]


@admin.register(FundRequest)
class FundRequestAdmin(ReadOnlyAdmin):
    list_display = ["title", "partner", "status", "currency", "requested_amount", "amount_cny"]
    list_filter = ["status", "activity_type"]
    search_fields = ["title", "partner__legal_name"]
    list_select_related = ["partner"]


@admin.register(Claim)
class ClaimAdmin(ReadOnlyAdmin):
    list_display = ["fund_request", "status", "actual_spend", "reimbursement_amount"]
    list_filter = ["status"]
    list_select_related = ["fund_request"]
