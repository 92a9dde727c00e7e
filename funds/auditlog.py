"""How the audit log names the MDF actions and links to requests and claims
(`core.audit_display`)."""

from django.utils.translation import gettext_lazy as _

from core.audit_display import audit_actions_register, audit_link_register

audit_link_register("funds.fundrequest", "funds:request_detail")
audit_link_register("funds.claim", "funds:claim_detail")

audit_actions_register(
    {
        "fund_request.submitted": _("Fund request submitted"),
        "fund_request.approval_added": _("Fund request approval added"),
        "fund_request.approved": _("Fund request approved"),
        "fund_request.rejected": _("Fund request rejected"),
        "fund_request.released": _("Fund request released"),
        "claim.submitted": _("Claim submitted"),
        "claim.validated": _("Claim validated"),
        "claim.rejected": _("Claim rejected"),
        "activity_result.recorded": _("Activity result recorded"),
        "mdf.allocated": _("MDF allocated"),
        "mdf.accrued": _("MDF accrued"),
        "mdf.expired": _("MDF expired"),
        "approvalrule.changed": _("Approval rule changed"),
        "approvalrule.deleted": _("Approval rule deleted"),
    }
)
