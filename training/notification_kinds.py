"""Notification kinds of training and certification."""

from django.utils.translation import gettext_lazy as _

from core.notifications import NotificationGroup, notification_kind
from core.roles import PARTNER_ROLES

TRAINING = NotificationGroup.TRAINING

notification_kind(
    "certification.awarded", _("Certification awarded"), group=TRAINING, roles=PARTNER_ROLES
)
notification_kind(
    "certification.expiring", _("Certification expiring"), group=TRAINING, roles=PARTNER_ROLES
)
