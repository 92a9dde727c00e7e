"""PostgreSQL advisory locks: the one way to turn a name into a lock key and to take a lock.

A key is the first 8 bytes of the BLAKE2b hash of the name (`namespace` or `namespace:value`),
so every module that locks the same name takes the same lock.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection


def lock_key(namespace: str, value: str | None = None) -> int:
    """The signed 64-bit advisory-lock key of `namespace` (and `value`, joined by a colon)."""
    name = namespace if value is None else f"{namespace}:{value}"
    return int.from_bytes(
        hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True
    )


def advisory_xact_lock(namespace: str, value: str | None = None, *, shared: bool = False) -> None:
    """Wait for the transaction-level advisory lock of the name; it is released at commit or
    rollback. Shared holders run together; an exclusive holder waits for all of them."""
    func = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {func}(%s)", [lock_key(namespace, value)])


@contextmanager
def advisory_lock(name: str) -> Iterator[bool]:
    """Try to take a PostgreSQL session advisory lock; yields whether we hold it.

    The lock dies with the connection, so a worker killed mid-run never leaves it stuck.
    """
    key = lock_key(name)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
