import pytest
from django.db import connection, connections

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


# --- single flight with a lease, the reaper, resume (README "What the jobs guarantee") ---------


def _stale(settings):
    from datetime import timedelta

    from django.utils import timezone

    return timezone.now() - timedelta(seconds=settings.PRM_JOB_STALL_SECONDS + 5)


def test_a_run_that_finds_the_lock_busy_fails_its_job_with_the_reason_instead_of_skipping_it():
    # given a live holder of the lock (another session) and a job waiting on the same task
    from core.locks import lock_key
    from core.models import JobRun, JobStatus

    job = job_create(kind="x", label="Run")

    @single_flight("test.busy", job_of=lambda job_id: job_id)
    def body(job_id):
        return "ran"

    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [lock_key("test.busy")])
        # when the run finds it busy (outside a worker: no retry to wait with)
        assert body(job.pk) == {"skipped": True}
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [lock_key("test.busy")])
    finally:
        other.close()
    # then its job is not left queued: it failed, with the reason, and can be resumed
    job = JobRun.objects.get(pk=job.pk)
    assert job.status == JobStatus.FAILED and job.resumable
    assert "test.busy" in job.message


def test_a_lock_held_by_a_dead_runs_session_is_taken_over_and_that_session_terminated(settings):
    # given a session holding the lock whose lease has gone silent (its worker was killed)
    from core.locks import lock_key
    from core.models import JobLease

    other = connections.create_connection("default")
    with other.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s), pg_backend_pid()", [lock_key("test.orphan")])
        orphan_pid = cursor.fetchone()[1]
    JobLease.objects.create(
        name="test.orphan",
        holder="dead-host:1",
        backend_pid=orphan_pid,
        heartbeat_at=_stale(settings),
    )

    @single_flight("test.orphan")
    def body():
        return "ran"

    # when a new run comes
    result = body()
    # then it ran, after terminating the orphaned session
    assert result == "ran"
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [orphan_pid])
        assert cursor.fetchone()[0] == 0
    assert not JobLease.objects.filter(name="test.orphan").exists()


def test_a_lock_held_by_a_live_run_is_left_alone(settings):
    # given a session holding the lock with a fresh lease
    from django.utils import timezone

    from core.locks import lock_key
    from core.models import JobLease

    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s), pg_backend_pid()", [lock_key("test.live")])
            pid = cursor.fetchone()[1]
        JobLease.objects.create(
            name="test.live", holder="live-host:1", backend_pid=pid, heartbeat_at=timezone.now()
        )

        @single_flight("test.live")
        def body():
            return "ran"

        # when / then: the second run is skipped and the holder keeps its session
        assert body() == {"skipped": True}
        with other.cursor() as cursor:
            cursor.execute("SELECT 1")
            assert cursor.fetchone()[0] == 1
    finally:
        other.close()


def test_the_reaper_fails_a_silent_job_that_used_its_attempts_and_finance_resumes_it(
    client, settings, finance_user
):
    # given a running import-like job whose worker went silent after its last attempt
    from core.jobs import job_reap
    from core.models import AuditEvent, JobRun, JobStatus

    job = job_create(kind="x", label="Quarter close", user=finance_user)
    JobRun.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING,
        task_name="core.tasks.ping_task",
        task_args=[job.pk],
        attempts=settings.PRM_JOB_MAX_ATTEMPTS,
        heartbeat_at=_stale(settings),
    )
    client.force_login(finance_user)
    # then its page says it stalled and offers to resume it
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "No sign of life" in page and "/resume/" in page
    # when the reaper runs
    assert job_reap() == {"chunks": 0, "jobs": 1}
    # then it failed with the reason
    job = JobRun.objects.get(pk=job.pk)
    assert job.status == JobStatus.FAILED and job.resumable
    assert "stopped 3 times" in job.message
    # when its owner resumes it (the task runs in-process here)
    response = client.post(f"/jobs/{job.pk}/resume/")
    # then it ran again, and the resume is audited
    assert response.status_code == 302
    assert JobRun.objects.get(pk=job.pk).status == JobStatus.SUCCEEDED
    assert AuditEvent.objects.filter(action="job.resumed").count() == 1


def test_resuming_a_job_that_is_not_stalled_says_so(client, finance_user):
    job = job_create(kind="x", label="Fine", user=finance_user)
    client.force_login(finance_user)
    response = client.post(f"/jobs/{job.pk}/resume/", follow=True)
    assert "nothing to resume" in response.content.decode()
