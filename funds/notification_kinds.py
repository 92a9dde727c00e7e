"""Notification kinds of marketing development funds."""

from django.utils.translation import gettext_lazy as _

from core.notifications import NotificationGroup, notification_kind

notification_kind("mdf.decision", _("MDF request or claim decided"), group=NotificationGroup.MDF)
