"""Which MDF activities a deal may reference (DESIGN §7): the funds app owns that rule.

Funds sits above deals (it measures the return of its activities on won deals), so deals does not
import it: `FundsConfig.ready()` registers its selector here with `fund_requests_register`.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet

_registered: dict[str, Callable[..., QuerySet]] = {}


def fund_requests_register(selector: Callable[..., QuerySet]) -> None:
    """`selector(partner_id=...)` returns the company's activities a deal may reference."""
    _registered["fund_requests"] = selector


def attributable_requests_for(*, partner_id: int | None) -> QuerySet:
    """The company's MDF activities a deal may reference (none for no company)."""
    try:
        selector = _registered["fund_requests"]
    except KeyError:
        raise ImproperlyConfigured(
            "The funds app did not register the MDF activities a deal may reference."
        ) from None
    return selector(partner_id=partner_id)
