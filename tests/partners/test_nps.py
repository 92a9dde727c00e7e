"""NPS survey answers: recorded, imported, computed (DESIGN §2.4), and used by rebates (§5.1)."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from openpyxl import Workbook

from core.models import ImportBatch, ImportStatus
from partners import services
from partners.models import NpsResponse
from partners.rules import nps_from_counts
from partners.selectors import partner_nps, partner_nps_latest
from rebates.calculation import partner_nps_sql

from ..factories import PartnerFactory, staff
from .programme import answers

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ([], None),
        ([10, 9, 8, 7], 50),
        ([0, 6, 7, 8], -50),
        ([9, 6], 0),
        ([10, 10, 10], 100),
        ([0, 1, 2], -100),
        ([10, 7, 8], 33),  # 33.33 rounds down
        ([10, 10, 7], 67),  # 66.67 rounds up
        ([10, 0, 0, 7, 7, 7, 7, 7], -13),  # -12.5 rounds away from zero
    ],
)
def test_nps_is_promoters_less_detractors_percent(scores, expected, partner):
    # given
    answers(partner, "2026Q3", scores)
    # when / then: the selector, the pure rule and the SQL relation agree
    assert partner_nps(partner=partner, quarter="2026Q3") == expected
    promoters = sum(s >= 9 for s in scores)
    detractors = sum(s <= 6 for s in scores)
    assert (
        nps_from_counts(promoters=promoters, detractors=detractors, responses=len(scores))
        == expected
    )
    with connection.cursor() as cursor:
        cursor.execute(partner_nps_sql())
        assert dict(cursor.fetchall()).get(partner.pk) == expected


def test_latest_surveyed_quarter_counts(partner):
    answers(partner, "2026Q2", [0, 0])
    answers(partner, "2026Q3", [10])
    assert partner_nps_latest(partner_ids=[partner.pk]) == {partner.pk: 100}
    from core.periods import Quarter

    assert partner_nps_latest(up_to=Quarter.parse("2026Q2")) == {partner.pk: -100}


def test_record_an_answer(partner, manager):
    response = services.nps_response_record(
        partner=partner, quarter="2026q3", score=9, actor=manager, respondent=" Acme "
    )
    assert (response.quarter, response.score, response.respondent) == ("2026Q3", 9, "Acme")


@pytest.mark.parametrize(
    ("quarter", "score", "field"),
    [("2026Q5", 5, "quarter"), ("2026Q3", 11, "score"), ("2026Q3", -1, "score")],
)
def test_bad_answers_are_refused_per_field(partner, manager, quarter, score, field):
    with pytest.raises(ValidationError) as exc:
        services.nps_response_record(partner=partner, quarter=quarter, score=score, actor=manager)
    assert field in exc.value.error_dict
    assert not NpsResponse.objects.exists()


def test_form_records_and_reports_field_errors(client, manager, partner):
    client.force_login(manager)
    url = reverse("partners:nps_record", args=[partner.pk])
    bad = client.post(url, {"quarter": "Q3", "score": "12"})
    assert bad.status_code == 400
    body = bad.content.decode()
    assert 'id="error-quarter"' in body and 'id="error-score"' in body
    assert not NpsResponse.objects.exists()
    assert client.post(url, {"quarter": "2026Q3", "score": "10"}).status_code == 302
    assert NpsResponse.objects.get().score == 10


def test_nps_page_is_404_to_partner_users(client, partner_user, partner):
    client.force_login(partner_user)
    assert client.get(reverse("partners:nps_record", args=[partner.pk])).status_code == 404


# --- import --------------------------------------------------------------------------------------

HEADER = "partner_tax_id,quarter,score,respondent,comment\n"


def _upload(client, user, content: bytes, committed, name="nps.csv"):
    client.force_login(user)
    with committed():
        client.post(
            reverse("core:import_upload", args=["nps_responses"]),
            {"file": SimpleUploadedFile(name, content)},
        )
    return ImportBatch.objects.latest("pk")


def test_import_stores_every_row(client, manager, committed):
    partner = PartnerFactory(tax_id="NPS-1")
    text = HEADER + "NPS-1,2026Q3,10,Acme,Great\nNPS-1,2026q3,3,,\n"
    batch = _upload(client, manager, text.encode(), committed)
    assert batch.status == ImportStatus.IMPORTED
    assert partner_nps(partner=partner, quarter="2026Q3") == 0
    assert set(NpsResponse.objects.values_list("source", "import_batch_id")) == {
        ("import", batch.pk)
    }


def test_import_reads_xlsx(client, manager, committed):
    partner = PartnerFactory(tax_id="NPS-2")
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["partner_tax_id", "quarter", "score"])
    sheet.append(["NPS-2", "2026Q3", 9])
    buffer = io.BytesIO()
    workbook.save(buffer)
    batch = _upload(client, manager, buffer.getvalue(), committed, name="nps.xlsx")
    assert batch.status == ImportStatus.IMPORTED
    assert partner_nps(partner=partner, quarter="2026Q3") == 100


def test_import_with_a_bad_row_imports_nothing(client, manager, committed):
    PartnerFactory(tax_id="NPS-3")
    text = (
        HEADER
        + "NPS-3,2026Q3,10,,\n"
        + "NPS-3,2026Q3,11,,\n"
        + "UNKNOWN,2026Q3,5,,\n"
        + "NPS-3,2026Q9,5,,\n"
    )
    batch = _upload(client, manager, text.encode(), committed)
    assert batch.status == ImportStatus.REJECTED
    assert {(e["row"], e["column"]) for e in batch.errors} == {
        (3, "score"),
        (4, "partner_tax_id"),
        (5, "quarter"),
    }
    assert not NpsResponse.objects.exists()


def test_import_is_refused_to_finance(client, finance_user):
    client.force_login(finance_user)
    response = client.post(
        reverse("core:import_upload", args=["nps_responses"]),
        {"file": SimpleUploadedFile("nps.csv", HEADER.encode())},
    )
    assert response.status_code in (403, 404)
    assert not ImportBatch.objects.exists()


def test_staff_member_without_the_partner_still_sees_only_what_scoping_allows(partner):
    # vendor staff see every partner's answers; the list is scoped through the selector
    from partners.selectors import nps_response_list_for

    answers(partner, "2026Q3", [9])
    assert nps_response_list_for(user=staff(), partner=partner).count() == 1


def test_nps_page_query_count_does_not_grow(
    client, manager, partner, django_assert_max_num_queries
):
    for quarter in ("2026Q1", "2026Q2", "2026Q3"):
        answers(partner, quarter, [10, 9, 7, 3] * 10)
    client.force_login(manager)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("partners:nps_record", args=[partner.pk]))
    assert response.status_code == 200
    assert response.content.decode().count("<td>2026Q") >= 3
