"""How the audit log names core's own actions and links to their pages (`core.audit_display`)."""

from django.utils.translation import gettext_lazy as _

from .audit_display import audit_actions_register, audit_link_register

audit_link_register("core.jobrun", "core:job_detail")
audit_link_register("core.importbatch", "core:import_detail")

audit_actions_register(
    {
        "job.resumed": _("Job resumed"),
        "fxrate.created": _("FX rate added"),
        "object_permissions.changed": _("Object permissions changed"),
    }
)
