"""Helpers shared by the deal workflows: who hears about a registration, and its link."""

from __future__ import annotations

from django.urls import reverse

from accounts.choices import Role
from accounts.models import User
from core.notifications import Audience, partner_recipients
from core.transitions import Notice

from ..models import Deal


def _deal_recipients(deal: Deal) -> list[User]:
    """A registration's news goes to its registrant and the partner admins, not to every seller."""
    return partner_recipients(
        partner=deal.partner_id, audience=Audience.ADMINS, people=[deal.registered_by_id]
    )


def _channel_directors() -> list[User]:
    return list(User.objects.filter(role=Role.CHANNEL_DIRECTOR, is_active=True))


def _managers(deal: Deal) -> list[User]:
    """The partner's channel manager, or the channel directors when it has none."""
    manager = deal.partner.channel_manager
    if manager is not None:
        return [manager]
    return _channel_directors()


def _url(deal: Deal) -> str:
    return reverse("deals:detail", args=[deal.pk])


def _deal_notice(deal: Deal, *, recipients, kind: str, title, body="", **params) -> Notice:
    """A notice about a registration: linked to its page, its project name as `%(project)s`."""
    return Notice(
        recipients=recipients,
        kind=kind,
        title=title,
        body=body,
        url=_url(deal),
        params={"project": deal.project_name, **params},
    )
