"""Which MDF activity a deal came from (DESIGN §7): the funds app owns that link and its rules.

Funds sits above deals (it measures the return of its activities on won deals), so deals neither
imports it nor holds a foreign key to it: `FundsConfig.ready()` registers here the three things
deals needs — the activities a deal may reference, how to read a deal's activity and how to store
it. The link itself is `funds.ActivityDeal`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model, QuerySet

_registered: dict[str, Callable[..., Any]] = {}


def fund_requests_register(selector: Callable[..., QuerySet]) -> None:
    """`selector(partner_id=...)` returns the company's activities a deal may reference."""
    _registered["fund_requests"] = selector


def deal_activity_register(
    *,
    read: Callable[[Iterable[int]], dict[int, Model]],
    write: Callable[..., None],
) -> None:
    """`read(deal_ids)` maps deal ids to their activity; `write(deal=, fund_request=)` links a
    deal to an activity (or unlinks it for None), inside the caller's transaction."""
    _registered["read"] = read
    _registered["write"] = write


def _hook(name: str) -> Callable[..., Any]:
    try:
        return _registered[name]
    except KeyError:
        raise ImproperlyConfigured(
            "The funds app did not register how deals reference MDF activities."
        ) from None


def attributable_requests_for(*, partner_id: int | None) -> QuerySet:
    """The company's MDF activities a deal may reference (none for no company)."""
    return _hook("fund_requests")(partner_id=partner_id)


def activities_of(deal_ids: Iterable[int]) -> dict[int, Model]:
    """The MDF activity of each of these deals that came from one (one query)."""
    return _hook("read")(list(deal_ids))


def activity_of(deal) -> Model | None:
    return activities_of([deal.pk]).get(deal.pk) if deal.pk else None


def activity_link(*, deal, fund_request: Model | None) -> None:
    """Record which activity `deal` came from; the caller has checked the choice is allowed."""
    _hook("write")(deal=deal, fund_request=fund_request)
