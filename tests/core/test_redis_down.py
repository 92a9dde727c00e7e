"""Fault injection: a Redis of the test's own, stopped and started (issue "Jobs and imports…", item 5).

With Redis down the API (schema and docs included) and sign-in keep answering, and every action
that queues work answers a normal page saying it is queued; the work waits in the PostgreSQL
outbox, and once Redis is back the dispatcher sends it and a real worker runs it.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from celery import current_app
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from core.models import JobRun, JobStatus, OutboxMessage
from core.outbox import QUEUED_FOR_WORKER
from tests.factories import PASSWORD, PartnerFactory

REDIS_SERVER = shutil.which("redis-server")
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed"),
]
QUEUED = str(QUEUED_FOR_WORKER)


class OwnRedis:
    """A throw-away redis-server on a free port; `stop()` is the outage, `start()` the recovery."""

    def __init__(self, folder: Path):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.folder = folder
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 (the installed redis-server, our arguments)
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if self.client().ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_connect_timeout=1)


@pytest.fixture
def own_redis(tmp_path, settings):
    """The cache, the broker and the throttles all on the test's own Redis (up at first)."""
    server = OwnRedis(tmp_path)
    server.start()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": server.url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    conf = current_app.conf
    saved = conf.broker_url, conf.task_always_eager
    conf.broker_url, conf.task_always_eager = server.url, False
    yield server
    conf.broker_url, conf.task_always_eager = saved
    server.stop()


def test_api_schema_and_docs_answer_while_redis_is_down(client, partner_user, own_redis, caplog):
    # given a signed-in partner user, throttled through Redis while it is up
    client.force_login(partner_user)
    assert client.get("/api/v1/deals/").status_code == 200
    assert own_redis.client().keys("*throttle*")
    # when Redis stops
    own_redis.stop()
    # then the API, its schema and its docs still answer, and the log says throttling is off
    with caplog.at_level(logging.WARNING, logger="core.api.throttling"):
        for path in ("/api/v1/deals/", "/api/v1/jobs/", "/api/schema/", "/api/docs/"):
            assert client.get(path).status_code == 200, path
    assert "API throttling skipped" in caplog.text


def test_sign_in_and_pages_work_while_redis_is_down(client, manager, own_redis):
    own_redis.stop()
    wrong = client.post(reverse("accounts:login"), {"username": manager.email, "password": "x"})
    assert wrong.status_code == 200
    response = client.post(
        reverse("accounts:login"), {"username": manager.email, "password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == reverse("core:dashboard")
    assert client.get(reverse("core:dashboard")).status_code == 200
    assert client.get(reverse("deals:list")).status_code == 200


SALES_LINES = (
    "partner_tax_id,order_number,invoice_number,line,invoice_date,product_code,quantity,"
    "net_amount,currency,kind,deal_reference\n"
    "T-OUTBOX,SO-1,INV-1,1,2026-07-15,SKU-A,10,1000.50,CNY,sale,\n"
)


def _queue_every_action(client) -> None:
    """Each action that queues work, as finance does it from the pages; each answers a page."""
    actions = [
        (
            reverse("core:import_upload", args=["sales_lines"]),
            {"file": SimpleUploadedFile("lines.csv", SALES_LINES.encode(), "text/csv")},
        ),
        (reverse("rebates:accrual_run"), {"period": "2026Q3"}),
        (reverse("settlement:statement_export_period"), {"period": "2026Q3"}),
        (reverse("settlement:statement_build"), {"period": "2026Q3"}),
        (reverse("settlement:reconciliation_run_start"), {}),
    ]
    for url, data in actions:
        started = time.monotonic()
        response = client.post(url, data, follow=True)
        assert response.status_code == 200, url
        assert QUEUED in response.text, url
        assert time.monotonic() - started < 10, url  # no hanging on the dead broker


def test_queued_work_waits_in_the_outbox_and_is_sent_once_redis_is_back(
    client, finance_user, own_redis
):
    # given finance signed in, and Redis down
    PartnerFactory(tax_id="T-OUTBOX")
    client.force_login(finance_user)
    own_redis.stop()
    # when finance starts each kind of queued work
    _queue_every_action(client)
    # then the work is recorded with its jobs, none sent, and the job page says it waits
    pending = OutboxMessage.objects.filter(sent_at__isnull=True)
    assert pending.count() == 5
    assert all(m.attempts >= 1 and m.last_error for m in pending)
    jobs = JobRun.objects.all()
    assert jobs.count() == 4 and {j.status for j in jobs} == {JobStatus.QUEUED}
    assert QUEUED in client.get(reverse("core:job_detail", args=[jobs[0].pk])).text
    # when Redis is back, a dispatch that needs only PostgreSQL sends everything, once
    own_redis.start()
    call_command("dispatch_outbox")
    call_command("dispatch_outbox")
    # then nothing waits and the broker holds exactly the five tasks, on the batch queue
    assert not OutboxMessage.objects.filter(sent_at__isnull=True).exists()
    assert own_redis.client().llen(settings.PRM_BATCH_QUEUE) == 5
    assert own_redis.client().llen(settings.PRM_INTERACTIVE_QUEUE) == 0


@pytest.fixture
def worker_on(own_redis):
    """Start a real worker on the test's Redis and database; stopped at the end."""
    processes: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        db = settings.DATABASES["default"]
        env = dict(os.environ)
        env.update(
            DJANGO_SETTINGS_MODULE="prm.settings.test",
            DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{connection.settings_dict['NAME']}",
            REDIS_URL=own_redis.url,
            CELERY_BROKER_URL=own_redis.url,
            CELERY_RESULT_BACKEND=own_redis.url,
            CELERY_TASK_ALWAYS_EAGER="0",
            PRM_TEST_MEDIA_ROOT=str(settings.MEDIA_ROOT),
        )
        process = subprocess.Popen(  # noqa: S603 (celery of this virtualenv)
            [sys.executable, "-m", "celery", "-A", "prm", "worker", "--pool=solo",
             "--loglevel=WARNING", "--without-heartbeat", "--without-mingle", "--without-gossip",
             "-Q", f"{settings.PRM_INTERACTIVE_QUEUE},{settings.PRM_BATCH_QUEUE}"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        processes.append(process)
        return process

    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=30)


@pytest.mark.celery_worker
def test_work_queued_while_redis_was_down_runs_in_a_worker_once_it_is_back(
    client, finance_user, own_redis, worker_on
):
    # given work queued while Redis was down
    PartnerFactory(tax_id="T-OUTBOX")
    client.force_login(finance_user)
    own_redis.stop()
    _queue_every_action(client)
    # when Redis is back, the dispatcher sends it and a worker starts
    own_redis.start()
    call_command("dispatch_outbox")
    worker_on()
    # then every job reaches its end
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if all(job.is_finished for job in JobRun.objects.all()):
            break
        time.sleep(0.5)
    outcome = {job.kind: job.status for job in JobRun.objects.all()}
    assert set(outcome.values()) == {JobStatus.SUCCEEDED}, outcome
    assert len(outcome) == 4
