"""Core navigation entries and dashboard cards (the ones every role shares)."""

from django.utils.translation import gettext_lazy as _

from accounts.choices import PARTNER_ROLES, STAFF_ROLES, Role

from .dashboard import nav_item, widget
from .jobs import job_list_for
from .models import ImportBatch
from .notifications import unread_count

ALL_ROLES = STAFF_ROLES | PARTNER_ROLES

nav_item(_("Dashboard"), "core:dashboard", roles=ALL_ROLES, order=0)
nav_item(
    _("Imports"),
    "core:import_list",
    roles={Role.ADMIN, Role.FINANCE, Role.CHANNEL_DIRECTOR},
    order=900,
    section=_("Administration"),
)
nav_item(_("Jobs"), "core:job_list", roles=STAFF_ROLES, order=910, section=_("Administration"))
nav_item(
    _("FX rates"),
    "core:fxrate_list",
    roles={Role.ADMIN, Role.FINANCE, Role.CFO},
    order=920,
    section=_("Administration"),
)
nav_item(
    _("Audit log"), "core:audit_list", roles={Role.ADMIN}, order=930, section=_("Administration")
)
nav_item(_("API docs"), "api-docs", roles=ALL_ROLES, order=990, section=_("Administration"))


@widget(roles=ALL_ROLES, order=1000)
def notifications_card(request) -> dict:
    return {
        "template": "core/widgets/notifications.html",
        "title": _("Notifications"),
        "unread": unread_count(request.user),
        "latest": list(request.user.notifications.all()[:5]),
    }


@widget(roles={Role.ADMIN, Role.FINANCE}, order=1010)
def recent_jobs_card(request) -> dict:
    return {
        "template": "core/widgets/jobs.html",
        "title": _("Recent jobs and imports"),
        "jobs": list(job_list_for(user=request.user)[:5]),
        "rejected_imports": ImportBatch.objects.filter(status="rejected").count(),
    }
