"""Dashboard widgets and navigation entries that each app contributes.

An app adds `<app>/dashboard.py` with functions decorated by `@widget(...)`; each returns the
template and context of one card (or None to hide it). Navigation entries register the same way
with `nav_item(...)`, in `<app>/navigation.py`. The dashboard page shows the widgets of the user's
role in `order`. Core's own cards (the ones every role shares) close this module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from django.apps import apps
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .jobs import job_list_for
from .models import ImportBatch
from .notifications import unread_count
from .roles import PARTNER_ROLES, STAFF_ROLES, Role

ALL_ROLES = STAFF_ROLES | PARTNER_ROLES


@dataclass(frozen=True)
class Widget:
    func: Callable[[Any], dict | None]
    roles: frozenset[str]
    order: int
    width: str = "half"  # "half" or "full"


@dataclass(frozen=True)
class NavItem:
    label: Any
    url_name: str
    roles: frozenset[str]
    order: int
    section: Any = ""


_WIDGETS: list[Widget] = []
_NAV: list[NavItem] = []


def widget(*, roles: Iterable[str], order: int = 100, width: str = "half") -> Callable:
    def decorator(func: Callable) -> Callable:
        _WIDGETS.append(Widget(func=func, roles=frozenset(roles), order=order, width=width))
        return func

    return decorator


def nav_item(
    label: Any, url_name: str, *, roles: Iterable[str], order: int = 100, section: Any = ""
) -> None:
    _NAV.append(
        NavItem(
            label=label, url_name=url_name, roles=frozenset(roles), order=order, section=section
        )
    )


def widgets_for(request) -> list[dict]:
    user = request.user
    cards = []
    for w in sorted(_WIDGETS, key=lambda w: w.order):
        if user.role in w.roles or (user.is_superuser and not user.is_partner_user):
            card = w.func(request)
            if card is not None:
                cards.append(card | {"width": w.width})
    return cards


def navigation_for(user) -> list[dict]:
    items = []
    for item in sorted(_NAV, key=lambda i: i.order):
        if user.role in item.roles or (user.is_superuser and not user.is_partner_user):
            try:
                url = reverse(item.url_name)
            except NoReverseMatch:
                continue
            items.append(
                {
                    "label": item.label,
                    "url": url,
                    "section": item.section,
                    "url_name": item.url_name,
                }
            )
    return items


def autodiscover() -> None:
    for config in apps.get_app_configs():
        for module in (
            "dashboard",
            "navigation",
            "importers",
            "jobs",
            "search",
            "exports",
            "lists",
            "notification_kinds",
            "auditlog",
        ):
            try:
                import_module(f"{config.name}.{module}")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.{module}":
                    raise


@widget(roles=ALL_ROLES, order=1000)
def notifications_card(request) -> dict:
    return {
        "template": "core/widgets/notifications.html",
        "title": _("Notifications"),
        "unread": unread_count(request.user),
        "latest": list(request.user.notifications.all()[:5]),
    }


@widget(roles={Role.ADMIN, Role.FINANCE}, order=1010)
def recent_jobs_card(request) -> dict:
    return {
        "template": "core/widgets/jobs.html",
        "title": _("Recent jobs and imports"),
        "jobs": list(job_list_for(user=request.user)[:5]),
        "rejected_imports": ImportBatch.objects.filter(status="rejected").count(),
    }
