"""How the audit log names the settlement actions and links to statements
(`core.audit_display`)."""

from django.utils.translation import gettext_lazy as _

from core.audit_display import audit_actions_register, audit_link_register

audit_link_register("settlement.statement", "settlement:statement_detail")

audit_actions_register(
    {
        "statement.built": _("Statement built"),
        "statement.submitted": _("Statement submitted"),
        "statement.approved": _("Statement approved"),
        "statement.approval_recorded": _("Statement approval recorded"),
        "statement.returned": _("Statement returned"),
        "statement.published": _("Statement published"),
        "statement.confirmed": _("Statement confirmed"),
        "statement.deemed_confirmed": _("Statement deemed confirmed"),
        "statement.disputed": _("Statement disputed"),
        "statement.paid": _("Statement paid"),
        "statement.closed": _("Statement closed"),
        "dispute.resolved": _("Dispute resolved"),
        "reconciliation.started": _("Reconciliation started"),
        "reconciliation.anomaly_resolved": _("Reconciliation anomaly resolved"),
    }
)
