"""How the audit log names the user account actions (`core.audit_display`)."""

from django.utils.translation import gettext_lazy as _

from core.audit_display import audit_actions_register

audit_actions_register(
    {
        "user.created": _("User created"),
        "user.changed": _("User changed"),
        "user.password_set": _("Password set"),
        "api_token.issued": _("API token issued"),
        "api_token.revoked": _("API token revoked"),
    }
)
