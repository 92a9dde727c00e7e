"""Dashboard figures too slow to count on every request at full scale (DESIGN §8, §10).

A vendor-wide figure (every registration by state, every statement by state...) groups up to a
million rows: hundreds of milliseconds a time, on a page 200 staff open all day. Such a figure is
precomputed instead: the app that owns it registers how to compute it with `@precomputed(name)`,
the Celery beat task `core.tasks.precomputed_figures_refresh_task` recomputes every registered
figure each minute into the cache (Redis), and the dashboard reads it with `precomputed_value`.
The cached copy lives longer than the refresh period, so a request never pays the computation
while the beat runs; without one (or right after a flush) the first request computes and stores
it. Figures therefore lag writes by up to a minute; the cards say "as of" with the time stored.

Figures narrowed to one user's scope (a channel manager's own partners, one partner's deals) read
a few thousand rows through their indexes and are computed live: they need no copy.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache
from django.utils import timezone

F = TypeVar("F", bound=Callable[[], Any])

REFRESH_SECONDS = 60
# Kept well beyond the refresh period: a late beat never sends a request into the computation.
KEEP_SECONDS = 15 * 60
_KEY = "precomputed:{}"
_SOURCES: dict[str, Callable[[], Any]] = {}


def precomputed(name: str) -> Callable[[F], F]:
    """Register a vendor-wide figure: a function without arguments returning picklable data."""

    def decorator(func: F) -> F:
        _SOURCES[name] = func
        return func

    return decorator


def precomputed_store(name: str) -> tuple[Any, datetime.datetime]:
    """Compute the figure now and store it; returns (value, as of)."""
    entry = (_SOURCES[name](), timezone.now())
    cache.set(_KEY.format(name), entry, KEEP_SECONDS)
    return entry


def precomputed_value(name: str) -> tuple[Any, datetime.datetime]:
    """(value, as of) of a registered figure: the stored copy, or computed and stored now."""
    entry = cache.get(_KEY.format(name))
    if entry is None:
        entry = precomputed_store(name)
    return entry


def precomputed_refresh_all() -> list[str]:
    """Recompute every registered figure (the beat task); returns their names."""
    for name in _SOURCES:
        precomputed_store(name)
    return sorted(_SOURCES)


def precomputed_names() -> list[str]:
    return sorted(_SOURCES)
