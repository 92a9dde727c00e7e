"""The import pipeline through the FX-rate importer: every row validated, all or nothing."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from core.models import FxRate, ImportBatch, ImportStatus

pytestmark = pytest.mark.django_db


def csv_file(text: str, name: str = "rates.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def test_valid_csv_is_imported(client, finance_user, committed):
    client.force_login(finance_user)
    upload = csv_file("date,from,to,rate\n2026-09-30,USD,CNY,7.1234\n2026-09-30,EUR,CNY,7.9\n")
    with committed():
        response = client.post(reverse("core:import_upload", args=["fx_rates"]), {"file": upload})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert batch.status == ImportStatus.IMPORTED
    assert batch.imported_count == 2
    assert FxRate.objects.count() == 2
    assert batch.job.status == "succeeded"


def test_one_bad_row_rejects_the_whole_file_with_a_report(client, finance_user, committed):
    client.force_login(finance_user)
    upload = csv_file(
        "date,from,to,rate\n2026-09-30,USD,CNY,7.1\n2026-13-01,XXX,CNY,abc\n2026-09-30,EUR,EUR,1\n"
    )
    with committed():
        client.post(reverse("core:import_upload", args=["fx_rates"]), {"file": upload})
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.REJECTED
    assert FxRate.objects.count() == 0
    columns = {(e["row"], e["column"]) for e in batch.errors}
    assert (3, "date") in columns and (4, "to") in columns
    page = client.get(reverse("core:import_detail", args=[batch.pk])).content.decode()
    assert "nothing was imported" in page
    report = client.get(reverse("core:import_error_report", args=[batch.pk]))
    assert "is not a date" in report.content.decode("utf-8-sig")


def test_xlsx_is_read_like_csv(client, finance_user, committed):
    wb = Workbook()
    ws = wb.active
    ws.append(["date", "from", "to", "rate"])
    ws.append(["2026-09-30", "JPY", "CNY", 0.048])
    buffer = io.BytesIO()
    wb.save(buffer)
    client.force_login(finance_user)
    upload = SimpleUploadedFile("rates.xlsx", buffer.getvalue())
    with committed():
        client.post(reverse("core:import_upload", args=["fx_rates"]), {"file": upload})
    assert ImportBatch.objects.get().status == ImportStatus.IMPORTED
    assert str(FxRate.objects.get().rate).startswith("0.048")


def test_missing_column_is_reported(client, finance_user, committed):
    client.force_login(finance_user)
    with committed():
        client.post(
            reverse("core:import_upload", args=["fx_rates"]),
            {"file": csv_file("date,from,rate\n2026-01-01,USD,7\n")},
        )
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.REJECTED
    assert "Missing column" in batch.errors[0]["message"]


def test_published_rate_is_never_overwritten(client, finance_user, committed):
    FxRate.objects.create(
        base_currency="USD", quote_currency="CNY", rate_date="2026-09-30", rate="7.1"
    )
    client.force_login(finance_user)
    with committed():
        client.post(
            reverse("core:import_upload", args=["fx_rates"]),
            {"file": csv_file("date,from,to,rate\n2026-09-30,USD,CNY,7.3\n")},
        )
    assert ImportBatch.objects.get().status == ImportStatus.REJECTED
    assert str(FxRate.objects.get().rate) == "7.1000000000"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("rates.exe", b"MZ...", "not accepted"),
        ("rates.xlsx", b"not a zip file", "does not match"),
        ("rates.csv", b"", "empty"),
    ],
)
def test_bad_uploads_get_a_field_error_and_store_nothing(
    client, finance_user, name, content, message, committed
):
    client.force_login(finance_user)
    with committed():
        response = client.post(
            reverse("core:import_upload", args=["fx_rates"]),
            {"file": SimpleUploadedFile(name, content)},
        )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert ImportBatch.objects.count() == 0


def test_partner_users_cannot_import(client, partner_user):
    client.force_login(partner_user)
    assert client.get(reverse("core:import_upload", args=["fx_rates"])).status_code == 404
    # Partners import only their own inventory reports (DESIGN §11): the list offers nothing else.
    page = client.get(reverse("core:import_list")).content.decode()
    assert reverse("core:import_upload", args=["sell_through"]) in page
    assert reverse("core:import_upload", args=["fx_rates"]) not in page


def test_api_upload_and_field_errors(api_client, finance_user, partner_user, committed):
    api_client.force_authenticate(finance_user)
    bad = api_client.post("/api/v1/imports/", {"kind": "fx_rates"}, format="multipart")
    assert bad.status_code == 400 and "file" in bad.json()
    with committed():
        ok = api_client.post(
            "/api/v1/imports/",
            {"kind": "fx_rates", "file": csv_file("date,from,to,rate\n2026-09-30,USD,CNY,7.2\n")},
            format="multipart",
        )
    assert ok.status_code == 201
    assert api_client.get(f"/api/v1/imports/{ok.json()['id']}/").json()["status"] == "imported"
    api_client.force_authenticate(partner_user)
    assert api_client.get(f"/api/v1/imports/{ok.json()['id']}/").status_code == 403


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["100,000 data rows", "32,767 characters per cell", "200 MB once decompressed"]),
        ("zh-hans", ["100,000 个数据行", "32,767 个字符", "解压后不超过 200 MB"]),
    ],
)
def test_the_upload_page_states_the_limits_in_the_users_language(client, language, words):
    # given a finance user who reads the portal in one of its languages
    from accounts.choices import Role
    from tests.factories import UserFactory

    user = UserFactory(role=Role.FINANCE, language=language)
    client.force_login(user)
    # when
    page = client.get(reverse("core:import_upload", args=["fx_rates"])).content.decode()
    # then
    for word in words:
        assert word in page
