"""Notification kinds of deal registration and leads (their labels on the preferences page)."""

from django.utils.translation import gettext_lazy as _

from core.notifications import NotificationGroup, notification_kind
from core.roles import CHANNEL_ROLES, PARTNER_ROLES, STAFF_ROLES, Role

DEALS, LEADS = NotificationGroup.DEALS, NotificationGroup.LEADS
CHANNEL = CHANNEL_ROLES | {Role.ADMIN}

notification_kind("deal.approved", _("Registration approved"), group=DEALS, roles=PARTNER_ROLES)
notification_kind("deal.rejected", _("Registration rejected"), group=DEALS, roles=PARTNER_ROLES)
notification_kind(
    "deal.in_conflict", _("Registration in conflict"), group=DEALS, roles=PARTNER_ROLES
)
notification_kind(
    "deal.conflict_approved",
    _("A later conflicting registration was approved"),
    group=DEALS,
    roles=PARTNER_ROLES,
)
notification_kind(
    "deal.extension_decided", _("Protection extension decided"), group=DEALS, roles=PARTNER_ROLES
)
notification_kind("deal.expiring", _("Protection ending soon"), group=DEALS, roles=PARTNER_ROLES)
notification_kind("deal.expired", _("Protection expired"), group=DEALS, roles=PARTNER_ROLES)
notification_kind("deal.submitted", _("Registration to decide"), group=DEALS, roles=CHANNEL)
notification_kind("deal.extension_requested", _("Extension requested"), group=DEALS, roles=CHANNEL)
notification_kind("deal.escalated", _("Registration escalated (SLA)"), group=DEALS, roles=CHANNEL)
notification_kind("deal.won", _("Deal won"), group=DEALS, roles=CHANNEL)
notification_kind("deal.lost", _("Deal lost"), group=DEALS, roles=CHANNEL)
notification_kind("lead.offered", _("New lead offered"), group=LEADS, roles=PARTNER_ROLES)
notification_kind("lead.accepted", _("Lead accepted"), group=LEADS, roles=STAFF_ROLES)
notification_kind("lead.declined", _("Lead declined"), group=LEADS, roles=STAFF_ROLES)
notification_kind(
    "deal.handed_over",
    _("Registration handed over at a partner's exit"),
    group=DEALS,
    roles=PARTNER_ROLES | CHANNEL,
)
