"""Run by tests/core/test_replica.py in a process of its own, against a primary (DATABASE_URL) and
its streaming replica (DATABASE_REPLICA_URL), both already migrated: writes through the primary,
pauses the replica's WAL replay, and records what each kind of read saw. Prints one JSON object.
"""

from __future__ import annotations

import json
import os
import sys
import time
from decimal import Decimal

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prm.settings.test")
django.setup()

from django.db import connections, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    override_settings,
    setup_test_environment,
)
from django.urls import reverse  # noqa: E402

PRIMARY, REPLICA = connections["default"], connections["replica"]


def value(conn, sql: str, params=()):
    with conn.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def caught_up(seconds: float = 60) -> None:
    """Wait until the replica has replayed everything the primary has written so far.

    The insert position, not pg_current_wal_lsn() (the write position): the primary commits
    asynchronously (synchronous_commit = off), so a commit may be inserted but not yet written,
    and waiting for the write position alone could pause the replay before that commit."""
    lsn = value(PRIMARY, "SELECT pg_current_wal_insert_lsn()::text")
    deadline = time.monotonic() + seconds
    while not value(
        REPLICA, "SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), %s::pg_lsn) >= 0", [lsn]
    ):
        if time.monotonic() > deadline:
            raise AssertionError("the replica did not catch up")
        time.sleep(0.1)


def replay(paused: bool) -> None:
    value(REPLICA, f"SELECT pg_wal_replay_{'pause' if paused else 'resume'}()::text")
    want = "paused" if paused else "not paused"
    deadline = time.monotonic() + 30
    while value(REPLICA, "SELECT pg_get_wal_replay_pause_state()") != want:
        if time.monotonic() > deadline:
            raise AssertionError(f"the replica's replay is not {want}")
        time.sleep(0.05)


def amount_shown(amount: str, text: str) -> bool:
    """The amount on the page, with or without its thousands separator."""
    return amount in text or f"{amount[0]},{amount[1:]}" in text


def queries_on(context: CaptureQueriesContext, table: str) -> int:
    return sum(table in query["sql"] for query in context.captured_queries)


def scenario() -> dict:
    from accounts.choices import Role
    from core.dbrouter import read_alias, replica_reads
    from core.export_jobs import EXPORT_JOB, export_job_run
    from core.jobs import job_create
    from core.models import JobRun
    from core.precomputed import precomputed_forget, precomputed_refresh_all, precomputed_value
    from funds.services import mdf_allocate
    from tests.factories import PartnerFactory, UserFactory

    seen: dict = {
        "replica_in_recovery": value(REPLICA, "SELECT pg_is_in_recovery()"),
        "primary_in_recovery": value(PRIMARY, "SELECT pg_is_in_recovery()"),
    }
    with replica_reads():
        seen["alias_inside_replica_reads"] = read_alias()
        with transaction.atomic():
            seen["alias_inside_a_transaction"] = read_alias()
    seen["alias_outside"] = read_alias()

    # given a partner with 1,000 of MDF, replayed on the replica; then the replay is paused
    director = UserFactory(role=Role.CHANNEL_DIRECTOR)
    partner = PartnerFactory(legal_name="Replica Check Ltd")
    mdf_allocate(partner=partner, amount=Decimal("1000"), reason="First", actor=director)
    caught_up()
    replay(paused=True)
    client = Client()
    client.force_login(director)

    # when a director allocates 500 more from the page: the page after the POST shows the write
    response = client.post(
        reverse("funds:allocate"),
        {"partner": partner.tax_id, "amount": "500", "reason": "Second allocation R2"},
        follow=True,
    )
    seen["after_post"] = {
        "status": response.status_code,
        "shows_the_write": "Second allocation R2" in response.text,
    }

    # the ROI report reads the replica: its state before the allocation
    with CaptureQueriesContext(REPLICA) as on_replica, CaptureQueriesContext(PRIMARY) as on_primary:
        response = client.get(reverse("funds:roi_report"))
    seen["report"] = {
        "status": response.status_code,
        "shows_1000": amount_shown("1000.00", response.text),
        "shows_1500": amount_shown("1500.00", response.text),
        "ledger_queries_on_replica": queries_on(on_replica, "funds_mdfledgerentry"),
        "ledger_queries_on_primary": queries_on(on_primary, "funds_mdfledgerentry"),
    }
    response = client.get(reverse("training:coverage_report"))
    seen["coverage_report_status"] = response.status_code

    # the beat's refresh of the dashboard figures reads the replica; a figure computed on a
    # request (its copy dropped) reads the primary
    precomputed_refresh_all()
    refreshed, _ = precomputed_value("funds.mdf_utilisation")
    precomputed_forget("funds.mdf_utilisation")
    live, _ = precomputed_value("funds.mdf_utilisation")
    seen["dashboard"] = {"refreshed": str(refreshed["allocated"]), "live": str(live["allocated"])}

    # an export job reads its rows from the replica: a partner created since is not in it
    PartnerFactory(legal_name="Joined While Paused")
    job = job_create(kind=EXPORT_JOB, label="Partners", user=director)
    with CaptureQueriesContext(REPLICA) as on_replica:
        export_job_run(job_id=job.pk, key="partners", export_format="csv", params={}, door="page")
    job = JobRun.objects.get(pk=job.pk)
    with job.result_file.open("rb") as handle:
        content = handle.read().decode("utf-8-sig")
    seen["export"] = {
        "status": job.status,
        "has_partner": "Replica Check Ltd" in content,
        "has_newcomer": "Joined While Paused" in content,
        "partner_queries_on_replica": queries_on(on_replica, "partners_partner"),
    }

    # then, once the replica replays again, the report shows the allocation
    replay(paused=False)
    caught_up()
    response = client.get(reverse("funds:roi_report"))
    seen["report_after_replay"] = {"shows_1500": amount_shown("1500.00", response.text)}
    return seen


def main() -> int:
    setup_test_environment()
    # The figures' cache of this process only: never another test run's Redis keys.
    locmem = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    try:
        value(REPLICA, "SELECT pg_wal_replay_resume()::text")  # a run that died left it paused
        with override_settings(CACHES=locmem):
            seen = scenario()
    finally:
        value(REPLICA, "SELECT pg_wal_replay_resume()::text")
    json.dump(seen, sys.stdout, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
