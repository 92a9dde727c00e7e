"""Notification kinds of partners: applications, agreements, tiers, reports, credit, compliance."""

from django.utils.translation import gettext_lazy as _

from core.notifications import NotificationGroup, notification_kind
from core.roles import CHANNEL_ROLES, FINANCE_ROLES, PARTNER_ROLES, STAFF_ROLES, Role

PARTNERS = NotificationGroup.PARTNERS
CHANNEL = CHANNEL_ROLES | {Role.ADMIN}

notification_kind(
    "partner.application_submitted",
    _("Partner application submitted"),
    group=PARTNERS,
    roles=CHANNEL,
)
notification_kind(
    "partner.application_moved", _("Partner application moved on"), group=PARTNERS, roles=CHANNEL
)
notification_kind(
    "partner.agreement_legal_review",
    _("Agreement waiting for legal review"),
    group=PARTNERS,
    roles={Role.LEGAL, Role.ADMIN},
)
notification_kind(
    "partner.agreement_reviewed", _("Agreement reviewed"), group=PARTNERS, roles=STAFF_ROLES
)
notification_kind("partner.agreement_terminated", _("Agreement terminated"), group=PARTNERS)
notification_kind(
    "partner.agreement_expired", _("Agreement expired"), group=PARTNERS, roles=CHANNEL
)
notification_kind("partner.agreement_renewal", _("Agreement renewal due"), group=PARTNERS)
notification_kind("partner.tier_changed", _("Partner tier changed"), group=PARTNERS)
notification_kind(
    "partner.tier_proposals", _("Tier proposals to decide"), group=PARTNERS, roles=STAFF_ROLES
)
notification_kind(
    "partner.tier_proposal_rejected",
    _("Tier proposal rejected"),
    group=PARTNERS,
    roles=STAFF_ROLES,
)
notification_kind(
    "partner.classified", _("Partner class changed"), group=PARTNERS, roles=STAFF_ROLES
)
notification_kind("partner.user_invited", _("Invitation to the portal"), group=PARTNERS)
notification_kind(
    "partner.violation_draft", _("Compliance violation drafted"), group=PARTNERS, roles=CHANNEL
)
notification_kind("partner.frozen", _("Partner frozen"), group=PARTNERS, roles=CHANNEL)
notification_kind("partner.unfrozen", _("Partner unfrozen"), group=PARTNERS, roles=CHANNEL)
notification_kind(
    "partner.report_submitted", _("Business report submitted"), group=PARTNERS, roles=CHANNEL
)
notification_kind(
    "partner.report_reviewed", _("Business report reviewed"), group=PARTNERS, roles=PARTNER_ROLES
)
notification_kind(
    "partner.credit_submitted",
    _("Credit application submitted"),
    group=PARTNERS,
    roles=FINANCE_ROLES | {Role.ADMIN},
)
notification_kind("partner.credit_decided", _("Credit application decided"), group=PARTNERS)
notification_kind(
    "partner.exit_started",
    _("Partner exit started"),
    group=PARTNERS,
    roles=CHANNEL | FINANCE_ROLES | {Role.PARTNER_ADMIN},
)
notification_kind(
    "partner.exit_completed",
    _("Partner exit completed"),
    group=PARTNERS,
    roles=CHANNEL | FINANCE_ROLES | {Role.PARTNER_ADMIN},
)
notification_kind(
    "partner.credit_alert",
    _("Credit rating alert: a lower limit is proposed"),
    group=PARTNERS,
    roles=FINANCE_ROLES | {Role.ADMIN},
)
notification_kind("partner.nps_warning", _("NPS early warning"), group=PARTNERS, roles=CHANNEL)
