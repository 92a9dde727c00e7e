"""An import's outcome, counts and job end are written with its rows (issue item 4): a task that
dies after the commit, or runs again, reports the recorded outcome and never imports twice."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from core.import_batches import import_batch_create
from core.imports import import_batch_run
from core.jobs import job_create
from core.models import FxRate, ImportBatch, ImportStatus, JobRun, JobStatus
from core.tasks import import_batch_run_task
from rebates.models import SalesLine
from tests.factories import PartnerFactory

ORDERS = "partner_tax_id,order_number,order_date,amount,currency\nT1,SO-1,2026-07-15,10,CNY\n"
RATES = "date,from,to,rate\n2026-09-30,USD,CNY,7.1\n2026-09-30,EUR,CNY,7.9\n"


def upload(user, kind: str, text: str, committed) -> ImportBatch:
    with committed():
        batch = import_batch_create(
            kind=kind, upload=SimpleUploadedFile("f.csv", text.encode()), user=user
        )
    batch.refresh_from_db()
    return batch


@pytest.mark.django_db
def test_a_redelivered_task_finishes_the_job_from_the_record_without_importing(
    finance_user, committed
):
    # given a batch whose rows and outcome committed, and a job left running as if the worker
    # had died before it was ended
    batch = upload(finance_user, "fx_rates", RATES, committed)
    assert (batch.status, batch.imported_count, batch.row_count) == ("imported", 2, 2)
    JobRun.objects.filter(pk=batch.job_id).update(status=JobStatus.RUNNING, message="")
    # when the task is delivered again
    status = import_batch_run_task.apply(args=[batch.pk]).get()
    # then the job ends with the recorded counts and nothing is imported twice
    job = JobRun.objects.get(pk=batch.job_id)
    assert status == "imported"
    assert job.status == JobStatus.SUCCEEDED
    assert job.result == {"imported": 2, "rows": 2, "skipped": 0}
    assert job.message == "2 rows imported."
    batch.refresh_from_db()
    assert (batch.imported_count, FxRate.objects.count()) == (2, 2)


@pytest.mark.django_db
def test_a_rejected_batch_run_again_reports_its_errors_again(finance_user, committed):
    # given a rejected batch whose job was left running
    batch = upload(finance_user, "fx_rates", "date,from,to,rate\n2026-09-30,USD,CNY,x\n", committed)
    JobRun.objects.filter(pk=batch.job_id).update(status=JobStatus.RUNNING)
    # when
    import_batch_run(batch.pk)
    # then the job fails again with the batch's one error as its reason
    job = JobRun.objects.get(pk=batch.job_id)
    batch.refresh_from_db()
    assert (job.status, job.message) == (JobStatus.FAILED, batch.errors[0]["message"])
    assert batch.status == ImportStatus.REJECTED


@pytest.mark.django_db
def test_the_job_ends_in_the_transaction_that_stores_the_rows(finance_user, committed):
    # given a batch
    batch = upload(finance_user, "fx_rates", RATES, committed)
    # then the batch and the job were finished together with the rows: same outcome, counts
    job = JobRun.objects.get(pk=batch.job_id)
    assert job.status == JobStatus.SUCCEEDED and job.result["imported"] == 2
    assert batch.finished_at is not None and job.finished_at is not None


@pytest.mark.django_db
def test_a_staged_import_reports_the_lines_it_skipped(finance_user, committed):
    # given sales lines imported once
    PartnerFactory(tax_id="T1")
    text = (
        "partner_tax_id,order_number,invoice_number,line,invoice_date,product_code,quantity,"
        "net_amount,currency,kind\nT1,SO-1,INV-1,1,2026-07-15,SKU-A,1,10,CNY,sale\n"
    )
    upload(finance_user, "sales_lines", text, committed)
    # when the same file comes again
    again = upload(finance_user, "sales_lines", text, committed)
    # then nothing is added, and the job says why "0 rows imported"
    assert (again.status, again.imported_count, SalesLine.objects.count()) == ("imported", 0, 1)
    assert "1 rows were already imported" in again.job.message


def test_an_unexpected_failure_ends_the_batch_rejected_with_a_report(
    finance_user, committed, monkeypatch, db
):
    # given an importer that fails in a way nobody foresaw
    from core.imports import importer_for

    def boom(rows, batch):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(importer_for("fx_rates"), "save", boom)
    # when
    batch = upload(finance_user, "fx_rates", RATES, committed)
    # then the batch does not stay "validating"
    assert batch.status == ImportStatus.REJECTED
    assert "disk on fire" in batch.errors[0]["message"]
    assert batch.job.status == JobStatus.FAILED
    assert FxRate.objects.count() == 0


# --- a real worker killed with SIGKILL in the middle of an import ---------------------------
STALL_SECONDS = 3


def _start_worker() -> subprocess.Popen:
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="prm.settings.test",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{connection.settings_dict['NAME']}",
        CELERY_TASK_ALWAYS_EAGER="0",
        # A killed run counts as dead once silent this long (core.jobs), not after a minute.
        PRM_JOB_HEARTBEAT_SECONDS="0.5",
        PRM_JOB_STALL_SECONDS=str(STALL_SECONDS),
    )
    return subprocess.Popen(
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
            "pytest-import-kill",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _share_file(batch: ImportBatch, worker: subprocess.Popen) -> None:
    """The test settings give each process a media root of its own: hand the worker the file."""
    target = Path(settings.MEDIA_ROOT).parent / str(worker.pid) / batch.file.name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(batch.file.path, target)


def _wait(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_import_leaves_nothing_and_the_rerun_imports_once(finance_user):
    from prm.celery import app

    # given a large sales-lines batch queued for a real worker
    PartnerFactory(tax_id="T1")
    lines = 200_000
    text = "partner_tax_id,order_number,invoice_number,line,invoice_date,product_code,quantity," + (
        "net_amount,currency,kind\n"
    )
    text += "".join(f"T1,SO-{i},INV-{i},1,2026-07-15,SKU-A,1,10,CNY,sale\n" for i in range(lines))
    job = job_create(kind="import.sales_lines", label="kill test", user=finance_user)
    batch = ImportBatch.objects.create(
        kind="sales_lines",
        file=SimpleUploadedFile("big.csv", text.encode()),
        original_name="big.csv",
        uploaded_by=finance_user,
        job=job,
    )
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    worker = _start_worker()
    try:
        _share_file(batch, worker)
        import_batch_run_task.apply_async(args=[batch.pk], queue="pytest-import-kill")
        # when the worker is killed while it validates
        assert _wait(
            lambda: ImportBatch.objects.get(pk=batch.pk).status != ImportStatus.PENDING, 240
        )
        time.sleep(0.3)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=20)
        # then either nothing committed, or everything with its outcome and job end
        batch.refresh_from_db()
        job.refresh_from_db()
        if batch.status == ImportStatus.IMPORTED:
            assert (SalesLine.objects.count(), job.status) == (lines, JobStatus.SUCCEEDED)
        else:
            assert (batch.status, SalesLine.objects.count()) == (ImportStatus.VALIDATING, 0)
        # when the task is delivered again (twice), to a new worker, once the dead run is silent
        time.sleep(STALL_SECONDS + 0.5)
        worker = _start_worker()
        _share_file(batch, worker)
        for _ in range(2):
            import_batch_run_task.apply_async(args=[batch.pk], queue="pytest-import-kill")
        assert _wait(lambda: JobRun.objects.get(pk=job.pk).status == JobStatus.SUCCEEDED, 120)
        time.sleep(1)
    finally:
        app.conf.task_always_eager = eager
        if worker.poll() is None:
            worker.terminate()
            worker.wait(timeout=20)
    # then the lines are there once, with the batch's true counts
    batch.refresh_from_db()
    assert (batch.status, batch.imported_count, batch.row_count) == ("imported", lines, lines)
    assert SalesLine.objects.count() == lines
    assert JobRun.objects.get(pk=job.pk).result["imported"] == lines


@pytest.mark.django_db
def test_a_batch_whose_worker_was_lost_ends_rejected_by_the_sweep(finance_user):
    # given a batch left validating three hours ago (its worker died, no redelivery came) and a
    # fresh one still waiting for its worker
    from datetime import timedelta

    from django.utils import timezone

    from core.tasks import import_batch_abandoned_reject_task

    def batch(status: str, age: timedelta) -> ImportBatch:
        job = job_create(kind="import.fx_rates", label="x", user=finance_user)
        created = ImportBatch.objects.create(
            kind="fx_rates",
            file=SimpleUploadedFile("f.csv", RATES.encode()),
            original_name="f.csv",
            uploaded_by=finance_user,
            job=job,
            status=status,
        )
        ImportBatch.objects.filter(pk=created.pk).update(created_at=timezone.now() - age)
        return created

    lost = batch(ImportStatus.VALIDATING, timedelta(hours=3))
    waiting = batch(ImportStatus.PENDING, timedelta(minutes=5))
    # when the sweep runs
    assert import_batch_abandoned_reject_task.apply().get() == 1
    # then
    lost.refresh_from_db()
    assert lost.status == ImportStatus.REJECTED and "stopped" in lost.errors[0]["message"]
    assert lost.job.status == JobStatus.FAILED
    assert ImportBatch.objects.get(pk=waiting.pk).status == ImportStatus.PENDING


@pytest.mark.django_db
def test_the_import_page_says_how_many_rows_were_already_there(client, finance_user, committed):
    # given a file imported twice
    from django.urls import reverse

    PartnerFactory(tax_id="T1")
    upload(finance_user, "settlement_orders", ORDERS, committed)
    again = upload(finance_user, "settlement_orders", ORDERS, committed)
    # when
    client.force_login(finance_user)
    page = client.get(reverse("core:import_detail", args=[again.pk])).content.decode()
    # then "0 rows imported" is explained
    assert "1 rows were already imported (same numbers) and were skipped." in page
