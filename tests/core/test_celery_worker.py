"""A real Celery worker process, a real Redis broker and the test database."""

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection

from core.jobs import job_create
from core.models import JobRun, JobStatus

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery_worker]


@pytest.fixture
def worker():
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="prm.settings.test",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{connection.settings_dict['NAME']}",
        CELERY_TASK_ALWAYS_EAGER="0",
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "prm",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "-Q",
            "pytest-worker",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    yield process
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture
def broker_dispatch():
    """Send tasks to the broker instead of running them in-process, for this test only."""
    from prm.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = eager


def test_task_runs_in_a_real_worker(worker, broker_dispatch):
    from core.tasks import ping_task

    job = job_create(kind="ping", label="Ping")
    ping_task.apply_async(args=[job.pk], queue="pytest-worker")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status == JobStatus.SUCCEEDED:
            break
        time.sleep(0.25)
    assert JobRun.objects.get(pk=job.pk).result == {"pong": True}
