from django.utils.translation import gettext_lazy as _

from accounts.choices import FINANCE_ROLES, PARTNER_FINANCE_ROLES, Role
from core.dashboard import nav_item
from core.settings_pages import settings_section

nav_item(
    _("Statements"),
    "settlement:statement_list",
    roles=FINANCE_ROLES | PARTNER_FINANCE_ROLES | {Role.ADMIN},
    order=500,
    section=_("Finance"),
)
nav_item(
    _("Reconciliation"),
    "settlement:reconciliation_run_list",
    roles=FINANCE_ROLES | {Role.ADMIN},
    order=510,
    section=_("Finance"),
)
nav_item(
    _("Anomalies"),
    "settlement:anomaly_list",
    roles=FINANCE_ROLES | {Role.ADMIN},
    order=520,
    section=_("Finance"),
)

settings_section(
    _("Settlement settings"),
    "settlement:settings",
    roles=FINANCE_ROLES,
    description=_("Countersign threshold, reconciliation tolerance and window, partner tax rates"),
    order=20,
)
