"""How the audit log names the rebate actions and links to accruals (`core.audit_display`)."""

from django.utils.translation import gettext_lazy as _

from core.audit_display import audit_actions_register, audit_link_register

audit_link_register("rebates.accrual", "rebates:accrual_detail")
audit_link_register("rebates.programme", "rebates:programme_edit")

audit_actions_register(
    {
        "rebate_programme.created": _("Rebate programme created"),
        "rebate_programme.changed": _("Rebate programme changed"),
        "rebate_target.set": _("Rebate target set"),
        "rebate_target.imported": _("Rebate targets imported"),
        "rebate_quarter.closed": _("Rebate quarter closed"),
    }
)
