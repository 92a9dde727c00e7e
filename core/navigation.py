"""Core navigation entries: the dashboard, administration pages and the API docs."""

from django.utils.translation import gettext_lazy as _

from .dashboard import ALL_ROLES, nav_item
from .roles import STAFF_ROLES, Role

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
    _("Settings"),
    "core:settings",
    roles={Role.ADMIN, Role.FINANCE, Role.CFO},
    order=925,
    section=_("Administration"),
)
nav_item(
    _("Audit log"), "core:audit_list", roles={Role.ADMIN}, order=930, section=_("Administration")
)
nav_item(_("API docs"), "api-docs", roles=ALL_ROLES, order=990, section=_("Administration"))
