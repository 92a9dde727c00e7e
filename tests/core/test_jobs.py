import pytest
from django.db import connections

from core.jobs import job_create, job_progress, single_flight
from core.locks import advisory_lock

pytestmark = pytest.mark.django_db(transaction=True)


def test_advisory_lock_is_exclusive_across_connections():
    with advisory_lock("nightly") as first:
        assert first
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                from core.locks import lock_key

                cursor.execute("SELECT pg_try_advisory_lock(%s)", [lock_key("nightly")])
                assert cursor.fetchone()[0] is False
        finally:
            other.close()
    with advisory_lock("nightly") as again:
        assert again


def test_single_flight_skips_a_second_concurrent_run():
    calls = []

    @single_flight("test.job")
    def body():
        calls.append(1)
        return inner()

    @single_flight("test.job")
    def inner():
        calls.append(2)
        return "ran"

    # The inner run shares the connection; a session lock is re-entrant there, so use a second connection.
    other = connections.create_connection("default")
    try:
        from core.locks import lock_key

        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [lock_key("test.job")])
        assert body() == {"skipped": True}
        assert calls == []
        # Unlock explicitly: the server frees a closed session's locks only some time later.
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [lock_key("test.job")])
    finally:
        other.close()
    assert body() == "ran"


def test_job_progress_and_percent(manager):
    job = job_create(kind="x", label="Export", user=manager, total=200)
    job_progress(job, done=50)
    job.refresh_from_db()
    assert job.percent == 25


def test_job_page_polls_progress_and_scopes_to_owner(client, manager, partner_user):
    job = job_create(kind="x", label="Export", user=manager, total=10)
    client.force_login(manager)
    response = client.get(f"/jobs/{job.pk}/", HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 1s"' in response.content.decode()
    client.force_login(partner_user)
    assert client.get(f"/jobs/{job.pk}/").status_code == 404


def test_job_download_only_for_its_owner(client, partner_user, other_partner_user):
    # given an export a partner user ran, with its result file stored
    from django.core.files.base import ContentFile

    job = job_create(kind="export", label="Statements", user=partner_user, total=1)
    job.result_file.save("statements.zip", ContentFile(b"PK zip bytes"))
    # when its owner downloads it, then the file comes back
    client.force_login(partner_user)
    response = client.get(f"/jobs/{job.pk}/download/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"PK zip bytes"
    # and a user of another company gets 404, as for a job without a file
    client.force_login(other_partner_user)
    assert client.get(f"/jobs/{job.pk}/download/").status_code == 404
    empty = job_create(kind="export", label="Nothing yet", user=other_partner_user)
    assert client.get(f"/jobs/{empty.pk}/download/").status_code == 404
