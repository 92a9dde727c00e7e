"""API for agreements (read), credit limit applications and business reports: anonymous,
other company (404), permitted; bad input answers 400 with field messages and changes nothing."""

import datetime
from decimal import Decimal

import pytest

from accounts.choices import Role
from partners.models import BusinessReport, CreditApplication

from ..factories import PartnerFactory, PartnerUserFactory
from .factories import agreement_in

pytestmark = pytest.mark.django_db
NOON = "T04:00:00Z"


@pytest.fixture
def own(partner):
    return agreement_in("active", partner=partner)


@pytest.fixture
def foreign(other_partner):
    return agreement_in("active", partner=other_partner)


def test_agreements_anonymous_refused(api_client, own):
    assert api_client.get("/api/v1/partners/agreements/").status_code in (401, 403)


def test_agreements_list_scoped_to_own_company(api_client, partner_user, own, foreign):
    api_client.force_authenticate(partner_user)
    response = api_client.get("/api/v1/partners/agreements/")
    assert [row["id"] for row in response.json()["results"]] == [own.pk]
    assert response.json()["results"][0]["document_url"].endswith(f"/{own.pk}/document/")


def test_another_companys_agreement_is_404(api_client, partner_user, foreign):
    api_client.force_authenticate(partner_user)
    assert api_client.get(f"/api/v1/partners/agreements/{foreign.pk}/").status_code == 404


def test_partner_sales_sees_no_agreement(api_client, partner, own):
    api_client.force_authenticate(PartnerUserFactory(partner=partner, role=Role.PARTNER_SALES))
    assert api_client.get("/api/v1/partners/agreements/").json()["results"] == []
    assert api_client.get(f"/api/v1/partners/agreements/{own.pk}/").status_code == 404


def test_staff_read_every_agreement_and_filter(api_client, manager, own, foreign):
    api_client.force_authenticate(manager)
    response = api_client.get("/api/v1/partners/agreements/", {"partner": foreign.partner_id})
    assert [row["id"] for row in response.json()["results"]] == [foreign.pk]


def test_agreements_are_read_only(api_client, manager, own):
    api_client.force_authenticate(manager)
    assert api_client.post("/api/v1/partners/agreements/", {}).status_code == 405
    response = api_client.patch(f"/api/v1/partners/agreements/{own.pk}/", {"title": "x"})
    assert response.status_code == 405


def test_agreements_list_query_count_is_fixed(api_client, manager, django_assert_max_num_queries):
    for _ in range(20):
        agreement_in("active", partner=PartnerFactory())
    api_client.force_authenticate(manager)
    with django_assert_max_num_queries(8):
        response = api_client.get("/api/v1/partners/agreements/")
    assert response.json()["count"] == 20


# --- credit -----------------------------------------------------------------------------------


@pytest.fixture
def partner_finance(partner):
    return PartnerUserFactory(partner=partner, role=Role.PARTNER_FINANCE)


def test_partner_finance_applies_and_finance_approves(api_client, partner_finance, finance_user):
    api_client.force_authenticate(partner_finance)
    response = api_client.post(
        "/api/v1/partners/credit/",
        {"kind": "special", "amount": "80000", "project_name": "Metro", "justification": "Tender"},
        format="json",
    )
    assert response.status_code == 201
    pk = response.json()["id"]
    api_client.force_authenticate(finance_user)
    response = api_client.post(f"/api/v1/partners/credit/{pk}/approve/", {}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "approved"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"amount": "-5"}, "amount"),
        ({"amount": "x"}, "amount"),
        ({"kind": "gold"}, "kind"),
        ({"kind": "special"}, "project_name"),
        ({"justification": ""}, "justification"),
    ],
)
def test_credit_bad_input_is_a_field_error(api_client, partner_finance, data, field):
    payload = {"kind": "normal", "amount": "1000", "justification": "x"}
    payload.update(data)
    api_client.force_authenticate(partner_finance)
    response = api_client.post("/api/v1/partners/credit/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not CreditApplication.objects.exists()


def test_credit_of_another_company_is_404(api_client, partner_finance, other_partner):
    foreign = CreditApplication.objects.create(
        partner=other_partner,
        kind="normal",
        amount=Decimal("1"),
        currency="CNY",
        justification="x",
        requested_by=PartnerUserFactory(partner=other_partner, role=Role.PARTNER_FINANCE),
    )
    api_client.force_authenticate(partner_finance)
    assert api_client.get(f"/api/v1/partners/credit/{foreign.pk}/").status_code == 404
    assert api_client.post(f"/api/v1/partners/credit/{foreign.pk}/approve/").status_code == 404


def test_partner_users_cannot_approve_their_own(api_client, partner_finance, partner):
    own = CreditApplication.objects.create(
        partner=partner,
        kind="normal",
        amount=Decimal("1"),
        currency="CNY",
        justification="x",
        requested_by=partner_finance,
    )
    api_client.force_authenticate(partner_finance)
    assert api_client.post(f"/api/v1/partners/credit/{own.pk}/approve/").status_code == 403
    own.refresh_from_db()
    assert own.status == "submitted"


def test_credit_exposure_endpoint(api_client, partner_finance, partner):
    api_client.force_authenticate(partner_finance)
    response = api_client.get("/api/v1/partners/credit/exposure/")
    assert response.status_code == 200
    assert response.json()["exposure"] == "0.00"
    assert response.json()["limit"] == str(partner.credit_limit)


def test_credit_exposure_refused_to_staff_and_sales(api_client, manager, partner):
    for user in (manager, PartnerUserFactory(partner=partner, role=Role.PARTNER_SALES)):
        api_client.force_authenticate(user)
        assert api_client.get("/api/v1/partners/credit/exposure/").status_code == 403


# --- business reports -------------------------------------------------------------------------


def test_partner_submits_a_report_and_sees_only_its_own(
    api_client, partner_user, other_partner_user, time_machine
):
    time_machine.move_to("2026-06-03" + NOON)
    api_client.force_authenticate(other_partner_user)
    foreign = api_client.post(
        "/api/v1/partners/reports/", {"month": "2026-05-01", "pipeline": "x"}, format="json"
    ).json()["id"]
    api_client.force_authenticate(partner_user)
    response = api_client.post(
        "/api/v1/partners/reports/", {"month": "2026-05-01", "pipeline": "y"}, format="json"
    )
    assert response.status_code == 201
    ids = [row["id"] for row in api_client.get("/api/v1/partners/reports/").json()["results"]]
    assert ids == [response.json()["id"]]
    assert api_client.get(f"/api/v1/partners/reports/{foreign}/").status_code == 404


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"month": "May"}, "month"),
        ({"pipeline": ""}, "pipeline"),
        ({"month": "2026-09-01"}, "month"),
    ],
)
def test_report_bad_input_is_a_field_error(api_client, partner_user, data, field, time_machine):
    time_machine.move_to("2026-06-03" + NOON)
    payload = {"month": "2026-05-01", "pipeline": "x"}
    payload.update(data)
    api_client.force_authenticate(partner_user)
    response = api_client.post("/api/v1/partners/reports/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not BusinessReport.objects.exists()


def test_manager_reviews_a_report_through_the_api(api_client, manager, partner, partner_user):
    partner.channel_manager = manager
    partner.save()
    report = BusinessReport.objects.create(
        partner=partner,
        month=datetime.date(2026, 5, 1),
        pipeline="x",
        submitted_by=partner_user,
        submitted_at=datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC),
    )
    api_client.force_authenticate(manager)
    bad = api_client.post(
        f"/api/v1/partners/reports/{report.pk}/review/", {"decision": "return"}, format="json"
    )
    assert bad.status_code == 400
    assert "comment" in bad.json()
    ok = api_client.post(
        f"/api/v1/partners/reports/{report.pk}/review/", {"decision": "accept"}, format="json"
    )
    assert ok.json()["status"] == "reviewed"
