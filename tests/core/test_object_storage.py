"""Files in S3-compatible object storage (DESIGN §10): a real S3 server (moto's, over HTTP), web
processes (gunicorn) and a Celery worker that share nothing but the bucket, the database and the
broker; and the local folder when no bucket is configured."""

from __future__ import annotations

import datetime
import io
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import uuid
import zipfile
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import boto3
import pytest
import requests
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader
from rest_framework.authtoken.models import Token

from accounts.choices import Role
from core.models import FxRate, ImportBatch, ImportStatus, JobRun, JobStatus
from funds.models import ApprovalRule, FundRequestAttachment
from partners.models import ComplianceViolation
from prm.settings.base import s3_storage
from rebates.models import SalesLine
from settlement.models import Dispute, DisputeEvidence
from tests.factories import PartnerFactory, PartnerUserFactory, UserFactory
from tests.funds.factories import PDF, allocation
from tests.partners.factories import PartnerApplicationFactory
from tests.settlement.factories import PERIOD, approved_statement, published_statement
from tests.training.factories import ModuleFactory

BIN = Path(sys.executable).parent
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "prm-test-key",
    "AWS_SECRET_ACCESS_KEY": "prm-test-secret",
    "AWS_S3_REGION_NAME": "us-east-1",
}
QUEUE = f"pytest-storage-{os.getpid()}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, seconds: float = 60, what: str = "") -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def answers(url: str) -> bool:
    """Whether a server answers at `url` (its first request may load the whole application)."""
    try:
        requests.get(url, timeout=30)
    except requests.RequestException:
        return False
    return True


@pytest.fixture(scope="session")
def s3_endpoint():
    """moto's S3 server in a process of its own, on a free port: the real S3 protocol."""
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 (moto of this virtualenv)
        [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: answers(url), what="the S3 server")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture
def bucket(s3_endpoint):
    """A new private bucket, made this process's default storage for the test; `env` configures
    another process for it exactly as a deployment would."""
    name = f"prm-{uuid.uuid4().hex[:16]}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name=CREDENTIALS["AWS_S3_REGION_NAME"],
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )
    client.create_bucket(Bucket=name)
    storage = s3_storage(
        name,
        endpoint_url=s3_endpoint,
        access_key=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        secret_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        region_name=CREDENTIALS["AWS_S3_REGION_NAME"],
    )
    with override_settings(STORAGES={**settings.STORAGES, "default": storage}):
        yield SimpleNamespace(
            name=name,
            endpoint=s3_endpoint,
            client=client,
            env={
                "AWS_STORAGE_BUCKET_NAME": name,
                "AWS_S3_ENDPOINT_URL": s3_endpoint,
                **CREDENTIALS,
            },
            keys=lambda: sorted(
                item["Key"] for item in client.list_objects_v2(Bucket=name).get("Contents", [])
            ),
        )


def process_env(bucket, media_root: Path) -> dict[str, str]:
    """A web process or worker of the test: the test database, the bucket, tasks through the
    broker on this test's queue, and a local media folder that must stay empty."""
    db = settings.DATABASES["default"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        DJANGO_SETTINGS_MODULE="prm.settings.test",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{connection.settings_dict['NAME']}",
        CELERY_TASK_ALWAYS_EAGER="0",
        PRM_TEST_TASK_QUEUE=QUEUE,
        PRM_TEST_MEDIA_ROOT=str(media_root),
        **bucket.env,
    )
    return env


class Processes:
    def __init__(self, tmp_path: Path, bucket):
        self.tmp_path = tmp_path
        self.bucket = bucket
        self.started: list[subprocess.Popen] = []
        self.media_roots: list[Path] = []

    def _start(self, name: str, command: list[str]) -> subprocess.Popen:
        media_root = self.tmp_path / f"{name}-media"
        self.media_roots.append(media_root)
        log = (self.tmp_path / f"{name}.log").open("w")
        process = subprocess.Popen(  # noqa: S603 (programs of this virtualenv)
            command,
            cwd=settings.BASE_DIR,
            env=process_env(self.bucket, media_root),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.started.append(process)
        return process

    def web(self, name: str) -> str:
        """A gunicorn web process on a free port; returns its base URL once it answers."""
        port = free_port()
        self._start(
            name,
            [
                str(BIN / "gunicorn"),
                "prm.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--timeout",
                "120",
            ],
        )
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: answers(f"{url}/accounts/login/"), seconds=90, what=f"{name} to start")
        return url

    def worker(self, name: str) -> None:
        self._start(
            name,
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
                QUEUE,
                "--without-heartbeat",
                "--without-mingle",
                "--without-gossip",
            ],
        )

    def nothing_written_locally(self) -> bool:
        return not any(path.exists() and any(path.rglob("*")) for path in self.media_roots)

    def stop(self) -> None:
        for process in self.started:
            process.terminate()
        for process in self.started:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def processes(tmp_path, bucket):
    running = Processes(tmp_path, bucket)
    yield running
    running.stop()


def session_of(user) -> dict[str, str]:
    """Cookies signing `user` in on any web process (sessions are in the database), with a CSRF
    secret the caller repeats in the X-CSRFToken header."""
    client = Client()
    client.force_login(user)
    csrf = secrets.token_hex(16)
    return {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value} | {
        settings.CSRF_COOKIE_NAME: csrf
    }


def _fund_request_payload() -> dict[str, str]:
    start = timezone.localdate() + datetime.timedelta(days=3)
    return {
        "title": "Live stream",
        "activity_type": "live_stream",
        "start_date": start.isoformat(),
        "end_date": start.isoformat(),
        "total_budget": "2000.00",
        "requested_amount": "1000.00",
        "expected_leads": "10",
    }


@pytest.mark.django_db(transaction=True)
def test_a_file_uploaded_through_one_web_process_is_downloaded_through_another(bucket, processes):
    # Given two web processes that share only the bucket and the database
    partner = PartnerFactory()
    allocation(partner, "5000.00")
    ApprovalRule.objects.get_or_create(
        max_amount_cny=None, defaults={"approver_roles": [Role.CHANNEL_DIRECTOR]}
    )
    owner = PartnerUserFactory(partner=partner, role=Role.PARTNER_ADMIN)
    outsider = PartnerUserFactory(partner=PartnerFactory(), role=Role.PARTNER_ADMIN)
    first, second = processes.web("web-a"), processes.web("web-b")
    evidence = b"%PDF-1.4 evidence of the live stream " + uuid.uuid4().bytes
    # When a partner uploads a proof through the first (the API, with its token)
    response = requests.post(
        f"{first}/api/v1/mdf/requests/",
        data=_fund_request_payload(),
        files={"attachments": ("proof.pdf", evidence, "application/pdf")},
        headers={"Authorization": f"Token {Token.objects.create(user=owner).key}"},
        timeout=60,
    )
    assert response.status_code == 201, response.text
    attachment = FundRequestAttachment.objects.get(fund_request_id=response.json()["id"])
    # Then the file is an object of the bucket, and no process wrote it to its disk
    assert bucket.keys() == [attachment.file.name]
    assert processes.nothing_written_locally()
    # And the second process streams it to the partner (no redirect to the bucket)
    url = second + reverse("funds:attachment", args=["request", attachment.pk])
    download = requests.get(url, cookies=session_of(owner), allow_redirects=False, timeout=60)
    assert download.status_code == 200
    assert download.content == evidence
    assert download.headers["Content-Disposition"].startswith("attachment")
    # And another company's user gets a 404 from it
    assert requests.get(url, cookies=session_of(outsider), timeout=60).status_code == 404


@pytest.mark.django_db(transaction=True)
@pytest.mark.celery_worker
def test_statement_pdfs_rendered_by_a_worker_are_served_by_a_web_process(bucket, processes):
    # Given approved statements, two web processes and a worker on another "machine"
    statements = [approved_statement(PartnerFactory(), "1234.50") for _ in range(3)]
    finance = UserFactory(role=Role.FINANCE)
    outsider = PartnerUserFactory(partner=statements[0].partner, role=Role.PARTNER_ADMIN)
    from prm.celery import app

    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(QUEUE)
    first, second = processes.web("web-a"), processes.web("web-b")
    processes.worker("worker")
    # When finance asks the first web process for the period's zip of PDFs
    cookies = session_of(finance)
    response = requests.post(
        first + reverse("settlement:statement_export_period"),
        data={"period": PERIOD},
        cookies=cookies,
        headers={"X-CSRFToken": cookies[settings.CSRF_COOKIE_NAME]},
        allow_redirects=False,
        timeout=60,
    )
    assert response.status_code == 302, response.text
    job = JobRun.objects.get(kind="settlement.statement_export")
    # Then the worker renders them into the bucket (chunks, then the zip)
    wait_for(
        lambda: JobRun.objects.get(pk=job.pk).status in (JobStatus.SUCCEEDED, JobStatus.FAILED),
        seconds=180,
        what="the export job",
    )
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert bucket.keys() == [job.result_file.name]  # the parts are gone, the zip stays
    assert processes.nothing_written_locally()
    # And the second web process serves the zip to its owner
    url = second + reverse("core:job_download", args=[job.pk])
    download = requests.get(url, cookies=cookies, allow_redirects=False, timeout=60)
    assert download.status_code == 200
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        assert sorted(archive.namelist()) == sorted(f"{s.number}.pdf" for s in statements)
        first_pdf = archive.read(f"{statements[0].number}.pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(first_pdf)).pages)
    assert statements[0].number in text
    # And to nobody else: a partner user of one of the companies gets a 404
    assert requests.get(url, cookies=session_of(outsider), timeout=60).status_code == 404


@pytest.mark.django_db
def test_the_bucket_is_private_and_no_page_links_to_it(bucket, client):
    # Given a module file uploaded through the portal into the bucket
    module = ModuleFactory(attachment=SimpleUploadedFile("guide.pdf", PDF))
    key = module.attachment.name
    assert bucket.keys() == [key]
    # Then the object carries no grant beyond its owner's, and an unsigned GET is refused
    grants = bucket.client.get_object_acl(Bucket=bucket.name, Key=key)["Grants"]
    assert [g["Permission"] for g in grants] == ["FULL_CONTROL"]
    assert all(g["Grantee"]["Type"] == "CanonicalUser" for g in grants)
    assert requests.get(f"{bucket.endpoint}/{bucket.name}/{key}", timeout=10).status_code == 403
    # (the server does serve a public object to anyone: the refusal is the object's privacy)
    bucket.client.put_object(Bucket=bucket.name, Key="public.pdf", Body=PDF, ACL="public-read")
    assert (
        requests.get(f"{bucket.endpoint}/{bucket.name}/public.pdf", timeout=10).status_code == 200
    )
    # And the module page links to the portal's scoped view, never to the bucket
    client.force_login(PartnerUserFactory())
    page = client.get(reverse("training:module_detail", args=[module.course_id, module.pk]))
    assert bucket.endpoint not in page.content.decode()
    link = reverse("training:module_attachment", args=[module.course_id, module.pk])
    assert link in page.content.decode()
    download = client.get(link)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    # And so does the API: the module's file is the portal's download, not a bucket URL
    course = client.get(f"/api/v1/training/courses/{module.course_id}/").json()
    assert course["modules"][0]["attachment"] == f"http://testserver{link}"


@pytest.mark.django_db
def test_imports_read_the_uploaded_file_from_the_bucket(bucket, client, committed):
    # Given finance uploads an FX-rate CSV and a sales-line XLSX (read through a staging table)
    from openpyxl import Workbook

    PartnerFactory(tax_id="T-S3")
    client.force_login(UserFactory(role=Role.FINANCE))
    workbook = Workbook()
    workbook.active.append(
        [
            "partner_tax_id",
            "order_number",
            "invoice_number",
            "line",
            "invoice_date",
            "product_code",
            "quantity",
            "net_amount",
            "currency",
            "kind",
            "deal_reference",
        ]
    )
    workbook.active.append(
        ["T-S3", "SO-1", "INV-1", 1, "2026-07-15", "SKU-A", 10, 1000.5, "CNY", "sale", ""]
    )
    sheet = io.BytesIO()
    workbook.save(sheet)
    with committed():
        client.post(
            reverse("core:import_upload", args=["fx_rates"]),
            {
                "file": SimpleUploadedFile(
                    "rates.csv", b"date,from,to,rate\n2026-09-30,USD,CNY,7.1\n"
                )
            },
        )
        client.post(
            reverse("core:import_upload", args=["sales_lines"]),
            {"file": SimpleUploadedFile("lines.xlsx", sheet.getvalue())},
        )
    # Then both files are objects of the bucket only, and both imports read them from there
    batches = list(ImportBatch.objects.order_by("pk"))
    assert bucket.keys() == sorted(b.file.name for b in batches)
    assert not Path(settings.MEDIA_ROOT).exists()
    assert [b.status for b in batches] == [ImportStatus.IMPORTED] * 2, [b.errors for b in batches]
    assert FxRate.objects.get().rate == Decimal("7.1")
    assert SalesLine.objects.get().net_amount == Decimal("1000.5")


@pytest.mark.django_db
def test_without_a_bucket_files_stay_in_the_local_folder(client):
    # Given no S3 settings (the embedded default and the plain test run)
    from django.core.files.storage import FileSystemStorage, storages

    assert isinstance(storages["default"], FileSystemStorage)
    module = ModuleFactory(attachment=SimpleUploadedFile("guide.pdf", PDF))
    # Then the file is written to MEDIA_ROOT and served from there by the scoped view
    assert (Path(settings.MEDIA_ROOT) / module.attachment.name).read_bytes() == PDF
    client.force_login(PartnerUserFactory())
    download = client.get(reverse("training:module_attachment", args=[module.course_id, module.pk]))
    assert b"".join(download.streaming_content) == PDF


def _default_storage_of(settings_module: str, **variables: str) -> dict:
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": settings_module,
        "SECRET_KEY": "k" * 64 + "-production-secret-with-enough-entropy",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/prm",
        "ALLOWED_HOSTS": "prm.example.com",
        **variables,
    }
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        "from django.core.files.storage import storages; "
        "print(json.dumps({'settings': settings.STORAGES['default'], "
        "'class': type(storages['default']).__name__}))"
    )
    result = subprocess.run(  # noqa: S603 (this interpreter, code written here)
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        cwd=settings.BASE_DIR,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_bucket_is_chosen_by_the_environment():
    # Without a bucket name: the local folder
    local = _default_storage_of("prm.settings.production")
    assert local["class"] == "FileSystemStorage"
    # With one: the private S3 bucket, its endpoint and keys from the environment
    remote = _default_storage_of(
        "prm.settings.production",
        AWS_STORAGE_BUCKET_NAME="prm-files",
        AWS_S3_ENDPOINT_URL="http://minio:9000",
        AWS_ACCESS_KEY_ID="key",
        AWS_SECRET_ACCESS_KEY="secret",
        AWS_S3_REGION_NAME="us-east-1",
    )
    assert remote["class"] == "S3Storage"
    options = remote["settings"]["OPTIONS"]
    assert options["bucket_name"] == "prm-files"
    assert options["endpoint_url"] == "http://minio:9000"
    assert options["addressing_style"] == "path"
    assert (options["access_key"], options["secret_key"]) == ("key", "secret")
    assert options["default_acl"] is None
    assert options["querystring_auth"] is True
    assert options["file_overwrite"] is False


@pytest.mark.django_db
def test_evidence_and_licences_come_from_the_bucket_through_scoped_views(bucket, client):
    # Given dispute evidence, a violation's evidence and an application's business licence,
    # uploaded into the bucket
    partner = PartnerFactory()
    statement = published_statement(partner)
    finance = PartnerUserFactory(partner=partner, role=Role.PARTNER_FINANCE)
    dispute = Dispute.objects.create(statement=statement, reason="Wrong", raised_by=finance)
    evidence = DisputeEvidence.objects.create(
        dispute=dispute, file=SimpleUploadedFile("evidence.pdf", PDF + b"dispute")
    )
    violation = ComplianceViolation.objects.create(
        partner=partner,
        kind="other",
        description="Late report",
        evidence=SimpleUploadedFile("violation.pdf", PDF + b"violation"),
    )
    application = PartnerApplicationFactory(
        business_licence=SimpleUploadedFile("licence.pdf", PDF + b"licence")
    )
    assert len(bucket.keys()) == 3
    assert not Path(settings.MEDIA_ROOT).exists()
    downloads = [
        (finance, reverse("settlement:dispute_evidence", args=[evidence.pk]), b"dispute"),
        (
            UserFactory(role=Role.CHANNEL_MANAGER),
            reverse("partners:violation_evidence", args=[violation.pk]),
            b"violation",
        ),
        (
            UserFactory(role=Role.CHANNEL_MANAGER),
            reverse("partners:application_licence", args=[application.pk]),
            b"licence",
        ),
    ]
    # Then each is streamed from the bucket by its page's view
    for user, url, content in downloads:
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"".join(response.streaming_content) == PDF + content
    # And another company's users get a 404 for the evidence of this one
    client.force_login(PartnerUserFactory(partner=PartnerFactory(), role=Role.PARTNER_FINANCE))
    assert client.get(downloads[0][1]).status_code == 404
    assert client.get(downloads[1][1]).status_code == 404
