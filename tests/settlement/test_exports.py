import csv
import io
import zipfile

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from core.models import JobRun
from settlement.pdf import statement_pdf_render
from tests.factories import PartnerFactory

from .factories import approved_statement, built_statement, published_statement

pytestmark = pytest.mark.django_db


def _text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_pdf_contains_the_chinese_partner_name_totals_and_code():
    partner = PartnerFactory(legal_name="华东智联科技有限公司")
    statement = approved_statement(partner, "12345.67")
    text = _text(statement_pdf_render(statement=statement))
    assert "华东智联科技有限公司" in text
    assert "12,345.67" in text or "12345.67" in text
    assert statement.verification_code in text
    assert statement.number in text


def test_partner_downloads_its_own_pdf_csv_and_xlsx(client, partner, partner_user):
    statement = published_statement(partner, "250.00")
    client.force_login(partner_user)
    pdf = client.get(reverse("settlement:statement_pdf", args=[statement.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    assert "250.00" in _text(pdf.content)
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(reverse("settlement:statement_csv", args=[statement.pk])).content.decode(
                    "utf-8-sig"
                )
            )
        )
    )
    assert rows[1][0] == statement.number
    assert rows[1][6] == "250.0000"
    xlsx = client.get(reverse("settlement:statement_xlsx", args=[statement.pk]))
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.cell(row=2, column=1).value == statement.number


@pytest.mark.parametrize("name", ["statement_pdf", "statement_csv", "statement_xlsx"])
def test_other_partner_gets_404_on_every_download(client, partner, other_partner_user, name):
    statement = published_statement(partner)
    client.force_login(other_partner_user)
    assert client.get(reverse(f"settlement:{name}", args=[statement.pk])).status_code == 404


@pytest.mark.parametrize("name", ["statement_pdf", "statement_csv"])
def test_partner_gets_404_for_its_unpublished_statement(client, partner, partner_user, name):
    statement = built_statement(partner)
    client.force_login(partner_user)
    assert client.get(reverse(f"settlement:{name}", args=[statement.pk])).status_code == 404


def test_csv_neutralises_formulas(client, finance_user, partner):
    from settlement import services

    from .factories import queue_entry

    queue_entry(partner, "1.00", description='=HYPERLINK("x")')
    statement = services.statement_build(partner=partner, period="2026Q3")
    client.force_login(finance_user)
    body = client.get(reverse("settlement:statement_csv", args=[statement.pk])).content.decode(
        "utf-8-sig"
    )
    assert "'=HYPERLINK" in body


def test_batch_zip_has_one_pdf_per_statement_and_reports_progress(client, finance_user, committed):
    statements = [approved_statement(PartnerFactory()) for _ in range(3)]
    client.force_login(finance_user)
    with committed():  # the export is queued (outbox) and runs in-process once committed
        response = client.post(reverse("settlement:statement_export_period"), {"period": "2026Q3"})
    job = JobRun.objects.get(kind="settlement.statement_export")
    assert response["Location"] == reverse("core:job_detail", args=[job.pk])
    assert job.status == "succeeded"
    assert job.done == job.total == 3
    with zipfile.ZipFile(job.result_file.open("rb")) as archive:
        assert sorted(archive.namelist()) == sorted(f"{s.number}.pdf" for s in statements)


def test_batch_export_is_for_finance_only(client, partner_user):
    client.force_login(partner_user)
    response = client.post(reverse("settlement:statement_export_period"), {"period": "2026Q3"})
    assert response.status_code == 403
    assert not JobRun.objects.exists()


def test_public_verification_shows_only_the_basics(client, partner):
    statement = approved_statement(partner, "777.00")
    response = client.get(
        reverse("settlement:statement_verify", args=[statement.verification_code])
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert statement.number in page and partner.legal_name in page and "777.00" in page
    assert partner.tax_id not in page
    assert statement.lines.get().description not in page


def test_verification_of_unknown_or_draft_code_finds_nothing(client, partner):
    draft = built_statement(partner)
    assert (
        client.get(
            reverse("settlement:statement_verify", args=[draft.verification_code])
        ).status_code
        == 404
    )
    page = client.get(reverse("settlement:statement_verify_form"), {"code": "NOPE"})
    assert page.status_code == 200
    assert "No approved statement" in page.content.decode()
