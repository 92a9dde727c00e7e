"""The one advisory-lock key: a name and a namespace with a value lock the same way everywhere."""

import hashlib

import pytest
from django.db import connection, transaction

from core.locks import advisory_xact_lock, lock_key


def test_lock_key_is_the_blake2b_prefix_of_the_name():
    # Given a namespace and a value
    # When their key is computed
    key = lock_key("deal-family", "7")
    # Then it is the signed first 8 bytes of the BLAKE2b hash of "namespace:value"
    digest = hashlib.blake2b(b"deal-family:7", digest_size=8).digest()
    assert key == int.from_bytes(digest, "big", signed=True)
    assert lock_key("deal-family:7") == key
    assert lock_key("rebates.quarter.2026Q3") != key


@pytest.mark.django_db(transaction=True)
def test_advisory_xact_lock_is_held_until_the_transaction_ends():
    # Given a transaction that took the lock of a name
    with transaction.atomic():
        advisory_xact_lock("test.locks", "1")
        # Then PostgreSQL lists it as held by this session
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
            )
            assert cursor.fetchone()[0] == 1
    # When the transaction ends, the lock is gone
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
        )
        assert cursor.fetchone()[0] == 0
