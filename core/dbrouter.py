"""Reads that may come from a PostgreSQL streaming replica (DESIGN §10), and only those.

With `DATABASE_REPLICA_URL` set the settings add a `replica` database alias. Reads go there only
inside `replica_reads()` (or a view decorated with `@reads_from_replica`), which the code opens
around reads that tolerate the replica's lag (usually well under a second):

- the staff reports (funds' ROI report, training's certification coverage report);
- the dashboard figures the beat recomputes each minute, and the per-scope figures kept for a
  minute (core/precomputed.py): they already lag writes by up to a minute;
- the rows an export job writes (core/export_jobs.py).

Everything else reads the primary: every write, every read inside a transaction on the primary,
and every page a person sees after an action (a page after a POST reads its own write). The job,
outbox and lease bookkeeping around an export or a refresh stays on the primary too. Without a
replica, `replica_reads()` changes nothing. When the replica does not answer, the block reads the
primary (with a warning in the log) and the replica is tried again after `RETRY_AFTER` seconds:
a report is slower for a while, never down.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, Error, connections

REPLICA = "replica"
RETRY_AFTER = 30.0  # seconds the primary stands in for a replica that did not answer

logger = logging.getLogger(__name__)
_replica_down_until = 0.0

# Per thread and per asyncio task: a heartbeat thread started inside the block reads the primary.
_replica_reads: ContextVar[bool] = ContextVar("prm_replica_reads", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def replica_available() -> bool:
    """Whether the replica answers (checked when a block opens; a failure is remembered for
    `RETRY_AFTER` seconds so every report does not wait for a connection timeout)."""
    global _replica_down_until
    if not replica_configured():
        return False
    if time.monotonic() < _replica_down_until:
        return False
    connection = connections[REPLICA]
    for attempt in (1, 2):
        try:
            connection.ensure_connection()
            return True
        except Error as exc:  # OperationalError, InterfaceError (a closed connection)
            # A kept connection the replica dropped fails once: open a fresh one before giving up.
            connection.close()
            if attempt == 2:
                _replica_down_until = time.monotonic() + RETRY_AFTER
                logger.warning(
                    "replica unreachable, reading the primary for %ss: %s", RETRY_AFTER, exc
                )
    return False


@contextmanager
def replica_reads() -> Iterator[None]:
    """Reads of the block come from the replica, when there is one and it answers (writes never
    do)."""
    token = _replica_reads.set(replica_available())
    try:
        yield
    finally:
        _replica_reads.reset(token)


def reads_from_replica(view: Callable[..., Any]) -> Callable[..., Any]:
    """A report page: its reads, rendering included, come from the replica. Only for pages that
    show figures, never for a page an action redirects to."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with replica_reads():
            response = view(*args, **kwargs)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
            return response

    return wrapper


def read_alias() -> str:
    """The alias a read made here would use (for tests and diagnostics)."""
    return ReplicaRouter().db_for_read(None) or DEFAULT_DB_ALIAS


class ReplicaRouter:
    """DATABASE_ROUTERS: the replica for reads inside `replica_reads()`, the primary otherwise."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        if not _replica_reads.get() or not replica_configured():
            return None  # Django's default: the primary, or the database of a related instance
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS  # a read inside a transaction sees that transaction's writes
        return REPLICA

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # The replica is a copy of the primary: rows of either may relate.
        if {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA}:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return db == DEFAULT_DB_ALIAS
