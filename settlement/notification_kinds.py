"""Notification kinds of statements, disputes and reconciliation."""

from django.utils.translation import gettext_lazy as _

from core.notifications import NotificationGroup, notification_kind
from core.roles import FINANCE_ROLES, PARTNER_FINANCE_ROLES

STATEMENTS = NotificationGroup.STATEMENTS

notification_kind(
    "statement.published", _("Statement published"), group=STATEMENTS, roles=PARTNER_FINANCE_ROLES
)
notification_kind(
    "statement.deemed_confirmed",
    _("Statement deemed confirmed"),
    group=STATEMENTS,
    roles=PARTNER_FINANCE_ROLES,
)
notification_kind(
    "statement.dispute_answered",
    _("Dispute answered"),
    group=STATEMENTS,
    roles=PARTNER_FINANCE_ROLES,
)
notification_kind(
    "statement.paid", _("Statement paid"), group=STATEMENTS, roles=PARTNER_FINANCE_ROLES
)
notification_kind(
    "statement.confirmed", _("Statement confirmed"), group=STATEMENTS, roles=FINANCE_ROLES
)
notification_kind(
    "statement.disputed", _("Statement disputed"), group=STATEMENTS, roles=FINANCE_ROLES
)
notification_kind(
    "reconciliation.anomalies",
    _("Reconciliation anomalies found"),
    group=STATEMENTS,
    roles=FINANCE_ROLES,
)
