"""Reads from a real PostgreSQL streaming replica (core/dbrouter.py, DESIGN §10).

The private primary (127.0.0.1:5433) and its replica (5434) come from scripts/pg_replica.sh, run
here too so the test stands alone: small clusters of their own, never a copy of the machine's
main one. Each run migrates a template database on the primary once, copies it for itself and
drives tests/core/replica_scenario.py in a process whose DATABASE_URL is the primary and whose
DATABASE_REPLICA_URL is the replica.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid

import psycopg2
import pytest
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

from core.dbrouter import REPLICA, ReplicaRouter, read_alias, replica_reads
from prm.settings.base import databases

PRIMARY_PORT = int(os.environ.get("PRM_PRIMARY_PORT", "5433"))
REPLICA_PORT = int(os.environ.get("PRM_REPLICA_PORT", "5434"))
TEMPLATE = "prm_replica_template"


def url(port: int, name: str) -> str:
    return f"postgres://postgres@127.0.0.1:{port}/{name}"


def run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 (this repository's script and virtualenv)
        args,
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "prm.settings.test", **env},
        capture_output=True,
        text=True,
        timeout=600,
    )


def migrate_template(cursor) -> None:
    cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [TEMPLATE])
    if cursor.fetchone() is None:
        cursor.execute(f"CREATE DATABASE {TEMPLATE}")
    migrate = [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"]
    done = run(migrate, DATABASE_URL=url(PRIMARY_PORT, TEMPLATE))
    if done.returncode != 0:  # a template left by other migrations: start it afresh
        cursor.execute(f"DROP DATABASE {TEMPLATE} WITH (FORCE)")
        cursor.execute(f"CREATE DATABASE {TEMPLATE}")
        done = run(migrate, DATABASE_URL=url(PRIMARY_PORT, TEMPLATE))
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]


def wait_for_the_replica(primary_cursor, name: str, seconds: float = 60) -> None:
    """Until the replica has replayed the primary's WAL so far: the new database is there."""
    primary_cursor.execute("SELECT pg_current_wal_insert_lsn()::text")
    [lsn] = primary_cursor.fetchone()
    replica = psycopg2.connect(
        host="127.0.0.1", port=REPLICA_PORT, user="postgres", dbname="postgres"
    )
    replica.autocommit = True
    try:
        with replica.cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_resume()")  # a run that died left it paused
            deadline = time.monotonic() + seconds
            while True:
                cursor.execute(
                    "SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), %s::pg_lsn) >= 0"
                    " AND EXISTS (SELECT 1 FROM pg_database WHERE datname = %s)",
                    [lsn, name],
                )
                if cursor.fetchone()[0]:
                    return
                assert time.monotonic() < deadline, "the replica did not replay the new database"
                time.sleep(0.1)
    finally:
        replica.close()


@pytest.fixture(scope="module")
def replica_database():
    """A migrated database of this run on the private primary, streamed to the replica."""
    started = run([str(settings.BASE_DIR / "scripts" / "pg_replica.sh")])
    assert started.returncode == 0, started.stdout + started.stderr
    admin = psycopg2.connect(
        host="127.0.0.1", port=PRIMARY_PORT, user="postgres", dbname="postgres"
    )
    admin.autocommit = True
    name = f"prm_replica_{uuid.uuid4().hex[:12]}"
    with admin.cursor() as cursor:
        # One migration of the template at a time (pytest-xdist processes share the primary).
        cursor.execute("SELECT pg_advisory_lock(hashtext(%s))", [TEMPLATE])
        try:
            migrate_template(cursor)
            cursor.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        finally:
            cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [TEMPLATE])
        wait_for_the_replica(cursor, name)
    yield name
    with admin.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.close()


def test_reports_figures_and_exports_read_the_replica_and_a_page_after_a_post_the_primary(
    replica_database,
):
    done = run(
        [sys.executable, "-m", "tests.core.replica_scenario"],
        DATABASE_URL=url(PRIMARY_PORT, replica_database),
        DATABASE_REPLICA_URL=url(REPLICA_PORT, replica_database),
        PRM_TEST_MEDIA_ROOT=str(settings.MEDIA_ROOT),
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    # the replica alias is a hot standby; reads go there only inside replica_reads(), and never
    # inside a transaction on the primary
    assert seen["replica_in_recovery"] is True and seen["primary_in_recovery"] is False
    assert seen["alias_inside_replica_reads"] == REPLICA
    assert seen["alias_inside_a_transaction"] == DEFAULT_DB_ALIAS
    assert seen["alias_outside"] == DEFAULT_DB_ALIAS
    # with the replica's replay paused after the first 1,000: the page after the POST shows the
    # new allocation (primary) while the report shows the replica's older state
    assert seen["after_post"] == {"status": 200, "shows_the_write": True}
    report = seen["report"]
    assert report["status"] == 200
    assert report["shows_1000"] and not report["shows_1500"], (report, done.stderr[-3000:])
    assert report["ledger_queries_on_replica"] >= 1
    assert report["ledger_queries_on_primary"] == 0
    assert seen["coverage_report_status"] == 200
    # the beat's refresh read the replica (1,000); a figure computed on a request the primary
    assert seen["dashboard"] == {"refreshed": "1000.00", "live": "1500.00"}
    # the export job read its rows from the replica: the partner created since is not in it
    export = seen["export"]
    assert export["status"] == "succeeded"
    assert export["has_partner"] and not export["has_newcomer"]
    assert export["partner_queries_on_replica"] >= 1
    # and once the replay resumes, the report catches up
    assert seen["report_after_replay"] == {"shows_1500": True}


def test_without_a_replica_every_read_is_the_primary():
    assert REPLICA not in settings.DATABASES
    with replica_reads():
        assert read_alias() == DEFAULT_DB_ALIAS
    assert read_alias() == DEFAULT_DB_ALIAS


def test_a_replica_url_adds_an_alias_tests_mirror_and_migrations_skip():
    dbs = databases(url(PRIMARY_PORT, "prm"), url(REPLICA_PORT, "prm"))
    assert dbs["replica"]["PORT"] == REPLICA_PORT
    assert dbs["replica"]["TEST"] == {"MIRROR": "default"}
    assert set(databases(url(PRIMARY_PORT, "prm"))) == {"default"}
    router = ReplicaRouter()
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "deals") is True
    assert router.allow_migrate(REPLICA, "deals") is False
    assert router.db_for_write(None) == DEFAULT_DB_ALIAS


REPLICA_DOWN_SCENARIO = """
import json, django
django.setup()
from django.contrib.auth import get_user_model
from core.dbrouter import read_alias, replica_reads
seen = []
for _ in range(2):
    with replica_reads():
        seen.append([read_alias(), get_user_model().objects.count()])
print(json.dumps(seen))
"""


@pytest.mark.django_db
def test_a_replica_that_does_not_answer_leaves_reports_on_the_primary():
    # Given a replica URL on which nothing listens (over this run's own test database: the
    # private pair is left alone, whose replay another process may have paused)
    db = settings.DATABASES["default"]
    primary = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    done = run(
        [sys.executable, "-c", REPLICA_DOWN_SCENARIO],
        DATABASE_URL=primary,
        DATABASE_REPLICA_URL=url(1, db["NAME"]),
    )
    # Then the reads of a report block come from the primary, with a warning, twice over
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert [alias for alias, _count in seen] == [DEFAULT_DB_ALIAS, DEFAULT_DB_ALIAS]
    assert seen[0][1] == seen[1][1] >= 0  # the query ran and answered
    assert done.stderr.count("replica unreachable") == 1  # remembered, not retried at once
