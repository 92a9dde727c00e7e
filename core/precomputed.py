"""Dashboard figures too slow to count on every request at full scale (DESIGN §8, §10).

A vendor-wide figure (every registration by state, every statement by state...) groups up to a
million rows: hundreds of milliseconds a time, on a page 200 staff open all day. Such a figure is
precomputed instead: the app that owns it registers how to compute it with `@precomputed(name)`,
the Celery beat task `core.tasks.precomputed_figures_refresh_task` recomputes every registered
figure each minute into the cache (Redis), and the dashboard reads it with `precomputed_value`.
The cached copy lives longer than the refresh period, so a request never pays the computation
while the beat runs; without one (or right after a flush) the first request computes and stores
it. Figures therefore lag writes by up to a minute; the cards say "as of" with the time stored.
With a read replica (core/dbrouter.py) the beat's recomputation reads there; a figure computed on a
request (none stored, or dropped by a write) reads the primary, so a dropped copy shows the write.

Figures narrowed to one user's scope (a channel manager's own partners, one partner's deals) read
a few thousand rows through their indexes and are computed live: they need no copy.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import models, transaction
from django.db.models import signals
from django.utils import timezone
from redis.exceptions import RedisError

from .dbrouter import replica_reads

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[[], Any])

REFRESH_SECONDS = 60
# Kept well beyond the refresh period: a late beat never sends a request into the computation.
KEEP_SECONDS = 15 * 60
_KEY = "precomputed:{}"
_SOURCES: dict[str, Callable[[], Any]] = {}
_RECEIVERS: list[Callable[..., None]] = []


def precomputed(
    name: str, *, invalidated_by: Iterable[type[models.Model]] = ()
) -> Callable[[F], F]:
    """Register a vendor-wide figure: a function without arguments returning picklable data.

    `invalidated_by`: models whose rows change at a human pace (a statement approved, an anomaly
    resolved); saving or deleting one through the ORM drops the stored copy when the transaction
    commits, so the next reader sees the change at once. Figures over rows written all day (the
    registrations) name none: they lag by up to a minute rather than recount on every write.
    """

    def decorator(func: F) -> F:
        _SOURCES[name] = func
        for model in invalidated_by:
            receiver = _forget_receiver(name)
            _RECEIVERS.append(receiver)  # signals hold receivers weakly
            signals.post_save.connect(receiver, sender=model, weak=False)
            signals.post_delete.connect(receiver, sender=model, weak=False)
        return func

    return decorator


def _forget_receiver(name: str) -> Callable[..., None]:
    def receiver(**kwargs: Any) -> None:
        transaction.on_commit(lambda: precomputed_forget(name))

    return receiver


# The cache is a convenience here: with Redis down the figures are computed live (slower, never
# a 500), and a copy that could not be dropped ages out within KEEP_SECONDS.
CACHE_ERRORS = (RedisError, OSError)


def _cache_get(key: str) -> Any:
    try:
        return cache.get(key)
    except CACHE_ERRORS as exc:
        logger.warning("Dashboard figures computed live, the cache is unreachable: %s", exc)
        return None


def _cache_set(key: str, value: Any, timeout: int) -> None:
    try:
        cache.set(key, value, timeout)
    except CACHE_ERRORS as exc:
        logger.warning("Dashboard figure not kept, the cache is unreachable: %s", exc)


def precomputed_forget(name: str) -> None:
    """Drop the stored copy: the next reader computes the figure afresh."""
    try:
        cache.delete(_KEY.format(name))
    except CACHE_ERRORS as exc:
        logger.warning("Dashboard figure %s not dropped, the cache is unreachable: %s", name, exc)


def precomputed_store(name: str, *, replica: bool = False) -> tuple[Any, datetime.datetime]:
    """Compute the figure now and store it; returns (value, as of). `replica`: read it from the
    read replica, when there is one (the beat's refresh)."""
    if replica:
        with replica_reads():
            entry = (_SOURCES[name](), timezone.now())
    else:
        entry = (_SOURCES[name](), timezone.now())
    _cache_set(_KEY.format(name), entry, KEEP_SECONDS)
    return entry


def precomputed_value(name: str) -> tuple[Any, datetime.datetime]:
    """(value, as of) of a registered figure: the stored copy, or computed and stored now."""
    entry = _cache_get(_KEY.format(name))
    if entry is None:
        entry = precomputed_store(name)
    return entry


def precomputed_refresh_all() -> list[str]:
    """Recompute every registered figure (the beat task) from the read replica when there is one;
    returns their names."""
    for name in _SOURCES:
        precomputed_store(name, replica=True)
    return sorted(_SOURCES)


def precomputed_names() -> list[str]:
    return sorted(_SOURCES)


SCOPE_SECONDS = 60


def per_scope_value(name: str, scope: str, compute: Callable[[], Any]) -> Any:
    """A figure narrowed to one scope (a channel manager's partners), kept for a minute.

    Live it reads a few thousand rows (tens of milliseconds); kept, a manager going back and
    forth to the dashboard does not pay that each time. It lags writes by up to a minute, like
    the vendor-wide figures, so it is read from the read replica when there is one.
    """
    key = f"per-scope:{name}:{scope}"
    value = _cache_get(key)
    if value is None:
        with replica_reads():
            value = compute()
        _cache_set(key, value, SCOPE_SECONDS)
    return value
