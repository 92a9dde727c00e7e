"""Partner figures owned by the apps above partners, registered by them at start-up.

Tier evaluations, scorecards, the credit exposure and the credit rating need figures that other
apps own (revenue, certified staff, marketing return, orders and payments, how a partner paid).
Partners sits below those apps and never imports them: each app registers its source here with
`figure_register` in `AppConfig.ready()`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured

# name -> source, registered by the app that owns the figure:
# "revenue" and "revenue_target" (rebates), "certified_staff", "certified_staff_of" and
# "certified_staff_retention" (training), "marketing_roi" (funds), "orders", "payments" and
# "payment_behaviour" (settlement), "inventory_health" (inventory).
_figures: dict[str, Callable[..., Any]] = {}


def figure_register(name: str, source: Callable[..., Any]) -> None:
    """Called at start-up by the app that owns the figure `name`."""
    _figures[name] = source


def figure(name: str) -> Callable[..., Any]:
    """The registered source of a figure; the evaluations cannot run without it."""
    try:
        return _figures[name]
    except KeyError:
        raise ImproperlyConfigured(
            f"No installed app supplies the partner figure {name!r}."
        ) from None
