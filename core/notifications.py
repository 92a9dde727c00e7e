"""In-app notifications and their e-mails, each rendered in the reader's language (DESIGN §8).

A notification keeps the message ids of its title and body and their placeholders, so the list,
the header dropdown and the e-mail show it in the language of whoever reads it, when they read it.
Each kind is declared once with `notification_kind` in `<app>/notification_kinds.py` (its label
and group on the preferences page); a person chooses per kind an e-mail each, a daily digest or no
e-mail (docs/notifications.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .audit import audit_record
from .bilingual import localized_value
from .models import Notification, NotificationDelivery, NotificationPreference
from .outbox import outbox_enqueue_many
from .roles import PARTNER_ROLES, STAFF_ROLES, Role


class NotificationGroup(StrEnum):
    """The domains the preferences page groups kinds by, in this order."""

    DEALS = "registrations"
    LEADS = "leads"
    STATEMENTS = "statements"
    MDF = "mdf"
    TRAINING = "certifications"
    PARTNERS = "relationships"
    JOBS = "jobs"
    OTHER = "other"


GROUP_LABELS = {
    NotificationGroup.DEALS: _("Deal registrations"),
    NotificationGroup.LEADS: _("Leads"),
    NotificationGroup.STATEMENTS: _("Statements and reconciliation"),
    NotificationGroup.MDF: _("Marketing funds (MDF)"),
    NotificationGroup.TRAINING: _("Training and certification"),
    NotificationGroup.PARTNERS: _("Partners, agreements and compliance"),
    NotificationGroup.JOBS: _("Imports, exports and jobs"),
    NotificationGroup.OTHER: _("Other"),
}


@dataclass(frozen=True)
class NotificationKind:
    kind: str
    label: Any
    group: NotificationGroup
    roles: frozenset[str]


_KINDS: dict[str, NotificationKind] = {}
ALL_ROLES = STAFF_ROLES | PARTNER_ROLES


def notification_kind(
    kind: str, label: Any, *, group: NotificationGroup, roles: Iterable[str] = ALL_ROLES
) -> NotificationKind:
    """Declare a kind: its label on the preferences page, its group, the roles that receive it.

    Call it at import time of `<app>/notification_kinds.py` (core discovers that module).
    """
    entry = NotificationKind(kind=kind, label=label, group=group, roles=frozenset(roles))
    _KINDS[kind] = entry
    return entry


def notification_kinds() -> dict[str, NotificationKind]:
    return dict(_KINDS)


def notification_kinds_for(user) -> list[NotificationKind]:
    """The kinds a person may receive, in group order then by label (administrators: all)."""
    order = list(NotificationGroup)
    kinds = [k for k in _KINDS.values() if user.is_admin or user.role in k.roles]
    return sorted(kinds, key=lambda k: (order.index(k.group), str(k.label)))


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
        return rendered % {name: localized_value(value) for name, value in params.items()}
    except (KeyError, TypeError, ValueError):
        return rendered


def _message_id(text: Any) -> str:
    """The source message id of a translatable (lazy) text; "" for text already in a language."""
    if not isinstance(text, Promise):
        return ""
    with translation.override(None):
        return str(text)


def _stored_params(params: Mapping[str, Any] | None) -> dict[str, Any]:
    """Placeholders as JSON: a translatable value keeps its message id, others their text."""
    stored: dict[str, Any] = {}
    for name, value in (params or {}).items():
        if isinstance(value, Promise):
            stored[name] = {"msgid": _message_id(value)}
        elif isinstance(value, Mapping) and set(value) <= {"en", "zh"}:
            # A name given in two languages (`BilingualName.name_pair()`): read in the reader's.
            stored[name] = {"en": str(value.get("en") or ""), "zh": str(value.get("zh") or "")}
        elif isinstance(value, bool) or value is None or isinstance(value, int | float | str):
            stored[name] = value
        elif isinstance(value, date | datetime):
            stored[name] = value.isoformat()
        elif isinstance(value, Decimal):
            stored[name] = str(value)
        else:
            stored[name] = str(value)
    return stored


def choice_label(obj, field_name: str) -> Any:
    """The translatable label of a choice field's value, to pass as a placeholder: unlike
    `get_<field>_display()` it is rendered in the reader's language, not the actor's."""
    value = getattr(obj, field_name)
    return dict(obj._meta.get_field(field_name).flatchoices).get(value, value)


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

    `title` and `body` are lazy translatable strings (`gettext_lazy`) with `%(name)s` placeholders
    filled from `params`; a placeholder may be lazy too (a choice's `.label`). They are stored as
    message ids and rendered in the reader's language when read; the text in the recipient's
    language at the time is kept as well. A plain string (a person's own words) stays as typed.
    """
    title_key, body_key = _message_id(title), _message_id(body) if body else ""
    stored = _stored_params(params) if (title_key or body_key) else {}
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
                    title_key=title_key,
                    body_key=body_key,
                    params=stored,
                    url=url,
                    by_email=email,
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
    """One count on the partial index of unread notifications (`notification_unread`)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notification_latest_for(*, user, limit: int = 8) -> list[Notification]:
    """The person's latest notifications, for the header dropdown."""
    return list(Notification.objects.filter(recipient=user).order_by("-created_at", "-id")[:limit])


# -- preferences ------------------------------------------------------------------------------


def notification_preferences_for(user) -> dict[str, str]:
    """Delivery per kind the person may receive: their choice, or an e-mail each by default."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "delivery"))
    kinds = [k.kind for k in notification_kinds_for(user)]
    return {kind: chosen.get(kind, NotificationDelivery.EMAIL) for kind in kinds}


def notification_delivery(*, user, kind: str) -> str:
    delivery = (
        NotificationPreference.objects.filter(user=user, kind=kind)
        .values_list("delivery", flat=True)
        .first()
    )
    return delivery or NotificationDelivery.EMAIL


@transaction.atomic
def notification_preferences_update(*, user, changes: Mapping[str, str]) -> dict[str, str]:
    """Save the person's delivery choices (kind → email/digest/off); one audit row lists what
    changed. Unknown kinds or values are refused per field, nothing saved."""
    allowed = {k.kind for k in notification_kinds_for(user)}
    errors = {}
    for kind, delivery in changes.items():
        if kind not in allowed:
            errors[kind] = _("Unknown notification kind.")
        elif delivery not in NotificationDelivery.values:
            errors[kind] = _("Choose e-mail, daily digest or no e-mail.")
    if errors:
        raise ValidationError(errors)
    before = notification_preferences_for(user)
    changed = {
        kind: {"before": before[kind], "after": delivery}
        for kind, delivery in changes.items()
        if before[kind] != delivery
    }
    for kind, change in changed.items():
        NotificationPreference.objects.update_or_create(
            user=user, kind=kind, defaults={"delivery": change["after"]}
        )
    if changed:
        audit_record(
            actor=user,
            action="notification_preferences.changed",
            obj=user,
            changes=changed,
            partner=getattr(user, "partner", None),
        )
    return notification_preferences_for(user)


# -- e-mail -----------------------------------------------------------------------------------


def _link(url: str) -> str:
    # Most links are paths; an invitation's password link is absolute already.
    return url if not url or "://" in url else f"{settings.PRM_SITE_URL}{url}"


def notification_email_send(*, notification_id: int) -> bool:
    """E-mail one notification in its recipient's language, as they chose for its kind; never
    twice: the row is locked while sending (a digest skips it) and `emailed_at` is then set."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related("recipient")
            .filter(pk=notification_id, emailed_at__isnull=True, by_email=True)
            .first()
        )
        if notification is None:
            return False
        user = notification.recipient
        if notification_delivery(user=user, kind=notification.kind) != NotificationDelivery.EMAIL:
            return False  # a digest sends it, or the person wants no e-mail of this kind
        with translation.override(user.language):
            link = _link(notification.url)
            context = {"notification": notification, "user": user, "link": link}
            body = render_to_string("core/email/notification.txt", context)
            subject = notification.display_title
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
        Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
    return True


DIGEST_WINDOW = timedelta(days=2)  # a digest run missed for a day still sends its items


def notification_digest_send(*, now: datetime | None = None) -> int:
    """Once a day: each person who chose a digest for some kinds gets one e-mail with their
    undelivered notifications of those kinds. Each person's e-mail is its own transaction; the rows
    it lists are locked and marked e-mailed, so a notification is e-mailed at most once."""
    now = now or timezone.now()
    digest_kinds: dict[int, list[str]] = {}
    for user_id, kind in NotificationPreference.objects.filter(
        delivery=NotificationDelivery.DIGEST, user__is_active=True
    ).values_list("user_id", "kind"):
        digest_kinds.setdefault(user_id, []).append(kind)
    sent = 0
    for user_id, kinds in sorted(digest_kinds.items()):
        sent += _digest_send_one(user_id=user_id, kinds=kinds, since=now - DIGEST_WINDOW)
    return sent


@transaction.atomic
def _digest_send_one(*, user_id: int, kinds: list[str], since: datetime) -> int:
    items = list(
        Notification.objects.select_for_update(of=("self",), skip_locked=True)
        .select_related("recipient")
        .filter(
            recipient_id=user_id,
            kind__in=kinds,
            by_email=True,
            emailed_at__isnull=True,
            created_at__gte=since,
        )
        .order_by("created_at", "id")
    )
    if not items:
        return 0
    user = items[0].recipient
    with translation.override(user.language):
        entries = [{"notification": n, "link": _link(n.url)} for n in items]
        context = {
            "user": user,
            "entries": entries,
            "preferences": _link(reverse("core:notification_preferences")),
        }
        body = render_to_string("core/email/notification_digest.txt", context)
        subject = str(_("Your daily summary: %(n)s notifications") % {"n": len(items)})
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    Notification.objects.filter(pk__in=[n.pk for n in items]).update(emailed_at=timezone.now())
    return 1
