"""In-app notifications and their e-mails, each rendered in the recipient's language (DESIGN §8)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation

from .models import Notification
from .outbox import outbox_enqueue_many
from .roles import Role


class Audience(StrEnum):
    """Who at a partner company hears about an event besides the people it names (DESIGN §8)."""

    ADMINS = "admins"  # deal decisions, conflicts, protection, certifications, agreements, tiers
    FINANCE = "finance"  # statements, disputes, MDF decisions: the company's money


_AUDIENCE_ROLES: dict[Audience, frozenset[str]] = {
    Audience.ADMINS: frozenset({Role.PARTNER_ADMIN}),
    Audience.FINANCE: frozenset({Role.PARTNER_ADMIN, Role.PARTNER_FINANCE}),
}


def _pk(person: Any) -> int | None:
    return getattr(person, "pk", person)


def partner_recipients(*, partner, audience: Audience, people: Iterable = ()) -> list:
    """The people concerned at one partner company, never the whole company.

    `people` are the persons an event names (a deal's registrant, an MDF requester); they are kept
    only while they are active users of that company. The audience's roles are added to them.
    """
    partner_id = _pk(partner)
    named = [pk for pk in map(_pk, people) if pk is not None]
    return list(
        get_user_model()
        .objects.filter(partner_id=partner_id, is_active=True)
        .filter(Q(pk__in=named) | Q(role__in=_AUDIENCE_ROLES[audience]))
        .order_by("pk")
    )


def partner_audiences(*, partner_ids: Iterable[int], audience: Audience) -> dict[int, list]:
    """The audience of many partner companies in one query, by partner id (for nightly reminders)."""
    by_partner: dict[int, list] = {}
    users = get_user_model().objects.filter(
        partner_id__in=set(partner_ids), is_active=True, role__in=_AUDIENCE_ROLES[audience]
    )
    for user in users.order_by("pk"):
        by_partner.setdefault(user.partner_id, []).append(user)
    return by_partner


def _render(text: Any, params: Mapping[str, Any] | None) -> str:
    """Fill `%(name)s` placeholders of a message template. A body is often the user's own words
    (a reason, an answer) and may hold a bare `%`: such text is not a template and stays as typed."""
    rendered = str(text)
    if not params:
        return rendered
    try:
        return rendered % params
    except (KeyError, TypeError, ValueError):
        return rendered


def notify(
    *,
    recipients: Iterable,
    kind: str,
    title: Any,
    body: Any = "",
    url: str = "",
    params: Mapping[str, Any] | None = None,
    email: bool = True,
) -> list[Notification]:
    """Create one notification per distinct active recipient; e-mail them after the transaction commits.

    `title` and `body` are (lazy) translatable strings with `%(name)s` placeholders filled from
    `params`, rendered in each recipient's own language.
    """
    seen: set[int] = set()
    created = []
    for user in recipients:
        if user is None or not user.is_active or user.pk in seen:
            continue
        seen.add(user.pk)
        with translation.override(user.language):
            created.append(
                Notification(
                    recipient=user,
                    kind=kind,
                    title=_render(title, params)[:300],
                    body=_render(body, params) if body else "",
                    url=url,
                )
            )
    with transaction.atomic():  # the e-mails are queued (outbox) with their notifications
        Notification.objects.bulk_create(created)
        if email and created:
            outbox_enqueue_many(("core.tasks.notification_email_task", [n.pk], {}) for n in created)
    return created


def notification_mark_read(*, user, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the user's own notifications read (all unread ones when no ids are given)."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=list(notification_ids))
    return qs.update(read_at=timezone.now())


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
