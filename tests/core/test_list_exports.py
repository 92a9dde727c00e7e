"""Exports of every list (DESIGN §8.1): exactly what is filtered, CSV and XLSX, formula-safe;
above a few hundred rows a job with progress and a download kept to its owner; the same export
through the API; customer data masked and its partner reads audited (DESIGN §2.7, §9)."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

import core.export_jobs
import core.exports
from accounts.choices import Role
from core.exports import exports_for
from core.models import AuditEvent, JobRun, JobStatus
from partners.choices import PartnerStatus
from tests.conftest import login
from tests.deals.factories import DealFactory
from tests.factories import PartnerFactory, PartnerUserFactory, staff

pytestmark = pytest.mark.django_db

HOSTILE = '=HYPERLINK("http://evil","x")'
CONTACT = {
    "customer_contact_name": "张三丰",
    "customer_contact_phone": "13812345678",
    "customer_contact_email": "john@example.com",
    "customer_address": "上海市浦东新区世纪大道100号",
}


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"))))


def xlsx_rows(content: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))


def export_url(key: str, **params) -> str:
    return reverse("core:export", args=[key]) + (
        "?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else ""
    )


@pytest.fixture
def small_sync(monkeypatch):
    """Two rows are the most an export writes while the user waits; chunks of two rows."""
    monkeypatch.setattr(core.export_jobs, "EXPORT_SYNC_MAX_ROWS", 2)
    monkeypatch.setattr(core.exports, "EXPORT_CHUNK_ROWS", 2)


@pytest.fixture
def company():
    partner = PartnerFactory()
    registrant = PartnerUserFactory(partner=partner, role=Role.PARTNER_SALES)
    return {
        "partner": partner,
        "registrant": registrant,
        "colleague": PartnerUserFactory(partner=partner, role=Role.PARTNER_SALES),
        "admin": PartnerUserFactory(partner=partner, role=Role.PARTNER_ADMIN),
    }


# --- exactly what is filtered -------------------------------------------------------------------
def test_partner_export_holds_exactly_the_filtered_partners(client):
    # given active and frozen partners
    active = PartnerFactory(legal_name="Active One")
    frozen = PartnerFactory(legal_name="Frozen One", status=PartnerStatus.FROZEN)
    # when a manager exports the directory filtered to frozen partners
    response = login(client, staff(Role.CHANNEL_MANAGER)).get(
        export_url("partners", format="csv", status="frozen")
    )
    # then the file holds the frozen partner and nothing else, under a header
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = csv_rows(response)
    assert rows[0][:3] == ["ID", "Name", "Tax ID"]
    assert [row[1] for row in rows[1:]] == [frozen.legal_name]
    assert active.legal_name not in response.getvalue().decode()


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_deal_export_follows_the_page_filters(client, company, export_format):
    # given two deals with different projects
    DealFactory(
        partner=company["partner"], registered_by=company["registrant"], project_name="Alpha"
    )
    DealFactory(
        partner=company["partner"], registered_by=company["registrant"], project_name="Beta"
    )
    # when the registrant exports the list searched for "alph"
    response = login(client, company["registrant"]).get(
        export_url("deals", format=export_format, q="alph")
    )
    # then only the matching deal is in the file
    assert response.status_code == 200
    if export_format == "csv":
        projects = [row[1] for row in csv_rows(response)[1:]]
    else:
        assert response["Content-Type"] == core.exports.XLSX_CONTENT_TYPE
        projects = [row[1] for row in xlsx_rows(response.content)[1:]]
    assert projects == ["Alpha"]


def test_list_page_export_param_answers_through_the_registry(client, company):
    DealFactory(partner=company["partner"], registered_by=company["registrant"])
    response = login(client, company["registrant"]).get(reverse("deals:list") + "?export=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == core.exports.XLSX_CONTENT_TYPE


def test_every_list_page_offers_the_export_buttons_with_its_filters(client):
    response = login(client, staff(Role.CHANNEL_MANAGER)).get(
        reverse("partners:partner_list"), {"status": "frozen", "page": "2"}
    )
    html = response.content.decode()
    assert reverse("core:export", args=["partners"]) + "?format=csv&amp;status=frozen" in html
    assert "page=2" not in html.split("format=xlsx")[1].split('"')[0]


# --- formula-safe cells -------------------------------------------------------------------------
@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_hostile_text_is_neutralised_in_both_formats(client, export_format):
    # given a partner whose legal name is a spreadsheet formula
    PartnerFactory(legal_name=HOSTILE)
    # when staff export the directory
    response = login(client, staff(Role.CHANNEL_MANAGER)).get(
        export_url("partners", format=export_format)
    )
    # then the name is quoted text, never a formula
    if export_format == "csv":
        names = [row[1] for row in csv_rows(response)[1:]]
    else:
        sheet = load_workbook(io.BytesIO(response.content)).active
        cell = sheet.cell(row=2, column=2)
        assert cell.data_type == "s"
        names = [cell.value]
    assert names == ["'" + HOSTILE]


# --- masking and audit --------------------------------------------------------------------------
def test_api_export_masks_customer_data_for_a_colleague_and_audits_it(api_client, company):
    # given a deal with a customer contact, registered by someone else of the company
    deal = DealFactory(partner=company["partner"], registered_by=company["registrant"], **CONTACT)
    api_client.force_authenticate(company["colleague"])
    # when the colleague exports the deals through the API
    response = api_client.get("/api/v1/exports/deals/", {"format": "csv"})
    # then the contact is masked and the read is logged once, as an API export
    text = response.getvalue().decode("utf-8-sig")
    assert response.status_code == 200
    assert "138****5678" in text and "13812345678" not in text and "john@" not in text
    event = AuditEvent.objects.get(action="deal.exported")
    assert event.actor == company["colleague"]
    assert event.changes["ids"] == [deal.pk]
    assert event.changes["door"] == "api" and event.changes["format"] == "csv"


def test_partner_admin_sees_the_contact_in_full(client, company):
    DealFactory(partner=company["partner"], registered_by=company["registrant"], **CONTACT)
    response = login(client, company["admin"]).get(export_url("deals", format="csv"))
    assert "13812345678" in response.getvalue().decode("utf-8-sig")


# --- large exports run as a job -----------------------------------------------------------------
def test_a_large_export_runs_as_a_job_with_progress_and_a_download(
    client, company, small_sync, committed
):
    # given five deals, more than the two an export writes while the user waits
    deals = [
        DealFactory(partner=company["partner"], registered_by=company["registrant"], **CONTACT)
        for _ in range(5)
    ]
    other = PartnerFactory()
    DealFactory(partner=other, project_name="Not theirs")
    login(client, company["colleague"])
    # when the colleague asks for the export (the queued task runs after the commit)
    with committed():
        response = client.get(export_url("deals", format="csv"))
    # then they are sent to the job's page, the job wrote every row in chunks and succeeded
    job = JobRun.objects.get(kind="export")
    assert response.status_code == 302
    assert response["Location"] == reverse("core:job_detail", args=[job.pk])
    assert job.status == JobStatus.SUCCEEDED and job.started_by == company["colleague"]
    assert (job.total, job.done, job.result["rows"]) == (5, 5, 5)
    # each chunk of two is masked and its read logged: three audit rows, every deal once
    events = AuditEvent.objects.filter(action="deal.exported").order_by("pk")
    assert [e.changes["count"] for e in events] == [2, 2, 1]
    assert sorted(pk for e in events for pk in e.changes["ids"]) == sorted(d.pk for d in deals)
    # the job page offers the download, which holds the masked rows only
    page = client.get(reverse("core:job_detail", args=[job.pk]))
    assert reverse("core:job_download", args=[job.pk]) in page.content.decode()
    download = client.get(reverse("core:job_download", args=[job.pk]))
    text = b"".join(download.streaming_content).decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(text)))) == 6
    assert "138****5678" in text and "13812345678" not in text and "Not theirs" not in text


def test_the_api_answers_a_large_export_with_202_and_the_job(api_client, company, small_sync):
    for _ in range(3):
        PartnerFactory()
    manager = staff(Role.CHANNEL_MANAGER)
    api_client.force_authenticate(manager)
    # when the export is asked for through the API (and the job runs)
    response = api_client.get("/api/v1/exports/partners/?format=xlsx")
    job = JobRun.objects.get(kind="export")
    # then 202 with the job, its URL in Location; the job's file downloads from the API
    assert response.status_code == 202
    assert response.json()["id"] == job.pk
    assert response["Location"].endswith(f"/api/v1/jobs/{job.pk}/")
    # the task is queued on commit; here it runs as the worker would
    core.export_jobs.export_job_run(
        job_id=job.pk, key="partners", export_format="xlsx", params={}, door="api"
    )
    download = api_client.get(f"/api/v1/jobs/{job.pk}/download/")
    assert download.status_code == 200
    rows = xlsx_rows(b"".join(download.streaming_content))
    assert len(rows) == 1 + JobRun.objects.get(pk=job.pk).total == 5  # the company and three


def test_a_job_writing_xlsx_records_its_progress_chunk_by_chunk(small_sync, monkeypatch):
    # given a queued export job of four partners
    for _ in range(4):
        PartnerFactory()
    job = JobRun.objects.create(
        kind="export", label="Partners", started_by=staff(Role.CHANNEL_MANAGER)
    )
    seen = []
    record = core.export_jobs.job_progress
    monkeypatch.setattr(
        core.export_jobs,
        "job_progress",
        lambda job, **kwargs: (seen.append(kwargs["done"]), record(job, **kwargs)),
    )
    # when the worker runs it
    core.export_jobs.export_job_run(
        job_id=job.pk, key="partners", export_format="xlsx", params={}, door="page"
    )
    # then progress grew a chunk at a time and the workbook is stored with the job
    job.refresh_from_db()
    assert seen == [2, 4]
    assert job.status == JobStatus.SUCCEEDED and (job.total, job.done) == (4, 4)
    assert job.result_file.name.endswith(".xlsx")
    with job.result_file.open("rb") as stored:
        assert len(xlsx_rows(stored.read())) == 5


def test_another_company_cannot_download_the_job(
    client, api_client, company, small_sync, committed
):
    # given a finished export job of the registrant
    for _ in range(3):
        DealFactory(partner=company["partner"], registered_by=company["registrant"])
    with committed():
        login(client, company["registrant"]).get(export_url("deals"))
    job = JobRun.objects.get(kind="export")
    assert job.result_file
    outsider = PartnerUserFactory(role=Role.PARTNER_ADMIN)
    # when a user of another company, or a colleague, asks for it
    for user in (outsider, company["colleague"]):
        # then it does not exist for them, on the page or through the API
        assert (
            login(client, user).get(reverse("core:job_download", args=[job.pk])).status_code == 404
        )
        assert login(client, user).get(reverse("core:job_detail", args=[job.pk])).status_code == 404
        api_client.force_authenticate(user)
        assert api_client.get(f"/api/v1/jobs/{job.pk}/download/").status_code == 404
    # while an administrator may
    api_client.force_authenticate(staff(Role.ADMIN))
    assert api_client.get(f"/api/v1/jobs/{job.pk}/download/").status_code == 200


# --- refusals -----------------------------------------------------------------------------------
def test_bad_filters_are_refused_with_a_field_message(api_client, client, company):
    api_client.force_authenticate(company["registrant"])
    response = api_client.get("/api/v1/exports/deals/", {"status": "nonsense"})
    assert response.status_code == 400 and "status" in response.json()
    response = api_client.get("/api/v1/exports/deals/", {"format": "pdf"})
    assert response.status_code == 400 and "format" in response.json()
    page = login(client, company["registrant"]).get(export_url("leads", show="everything"))
    assert page.status_code == 400 and "show" in page.content.decode()
    assert (
        not JobRun.objects.exists()
        and not AuditEvent.objects.filter(action__endswith="exported").exists()
    )


def test_roles_without_the_list_are_refused_its_export(api_client, company):
    api_client.force_authenticate(company["registrant"])
    assert api_client.get("/api/v1/exports/statements/").status_code == 403
    assert api_client.get("/api/v1/exports/partners/").status_code == 403
    assert api_client.get("/api/v1/exports/nothing-here/").status_code == 404


def test_each_role_is_offered_the_exports_of_its_lists(company):
    keys = {export.key for export in exports_for(company["registrant"])}
    assert {"deals", "leads", "mdf-requests", "certifications"} <= keys
    assert not keys & {"statements", "accruals", "partners", "audit", "anomalies", "agreements"}
    assert {"statements", "accruals", "anomalies"} <= {
        e.key for e in exports_for(staff(Role.FINANCE))
    }
    assert "audit" in {e.key for e in exports_for(staff(Role.ADMIN))}


def test_a_job_writes_the_file_in_its_owners_language(company, small_sync, committed, client):
    # given a Chinese-speaking partner admin and three deals of the company
    company["admin"].language = "zh-hans"
    company["admin"].save(update_fields=["language"])
    for _ in range(3):
        DealFactory(partner=company["partner"], registered_by=company["registrant"])
    # when the admin's export runs as a job
    with committed():
        login(client, company["admin"]).get(export_url("deals", format="csv"))
    job = JobRun.objects.get(kind="export")
    # then the file's header is in Chinese
    with job.result_file.open("rb") as stored:
        header = next(csv.reader(io.StringIO(stored.read().decode("utf-8-sig"))))
    assert header[0] == "编号" and job.status == JobStatus.SUCCEEDED


def test_asking_again_while_the_job_waits_gives_the_same_job(client, company, small_sync):
    for _ in range(3):
        DealFactory(partner=company["partner"], registered_by=company["registrant"])
    login(client, company["admin"])
    # when the same export is asked for twice before the worker took it, and once more filtered
    first = client.get(export_url("deals", format="csv"))
    second = client.get(export_url("deals", format="csv"))
    client.get(export_url("deals", format="xlsx"))
    # then the two identical requests share one job; another format is another job
    assert first["Location"] == second["Location"]
    assert JobRun.objects.filter(kind="export").count() == 2


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_export_choice_shows_what_the_display_method_shows(language):
    partner = PartnerFactory(status=PartnerStatus.FROZEN)
    with translation.override(language):
        assert core.exports.export_choice(partner, "status") == partner.get_status_display()
        assert core.exports.export_choice(partner.tier, "code") == str(partner.tier)
