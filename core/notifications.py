"""In-app notifications and their e-mails, each rendered in the recipient's language (DESIGN §8)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone, translation

from .models import Notification


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
    Notification.objects.bulk_create(created)
    if email and created:
        from .tasks import notification_email_task

        ids = [n.pk for n in created]
        transaction.on_commit(lambda: [notification_email_task.delay(pk) for pk in ids])
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
