import datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from accounts.choices import Role
from funds.choices import RequestStatus
from funds.models import Claim, FundRequest
from tests.factories import staff

from .factories import allocation, pdf, submit

pytestmark = pytest.mark.django_db


def _payload(amount="1000.00", budget="2000.00"):
    start = timezone.localdate() + datetime.timedelta(days=3)
    return {
        "title": "Live stream",
        "activity_type": "live_stream",
        "start_date": start.isoformat(),
        "end_date": start.isoformat(),
        "total_budget": budget,
        "requested_amount": amount,
        "expected_leads": 10,
    }


def test_anonymous_gets_401_or_403(api_client):
    assert api_client.get("/api/v1/mdf/balance/").status_code in (401, 403)
    assert api_client.get("/api/v1/mdf/requests/").status_code in (401, 403)


def test_balance_for_partner_user(api_client, partner, partner_user):
    allocation(partner, "300.00")
    api_client.force_authenticate(partner_user)
    data = api_client.get("/api/v1/mdf/balance/").json()
    assert data["balance"] == "300.00"
    assert data["partner"] == partner.pk


def test_balance_of_another_company_is_404(api_client, partner_user, other_partner, admin_user):
    api_client.force_authenticate(partner_user)
    # a partner user always gets their own company, whatever they pass
    assert (
        api_client.get(f"/api/v1/mdf/balance/?partner={other_partner.pk}").json()["partner"]
        == partner_user.partner_id
    )
    api_client.force_authenticate(admin_user)
    assert api_client.get(f"/api/v1/mdf/balance/?partner={other_partner.pk}").status_code == 200
    assert api_client.get("/api/v1/mdf/balance/?partner=999999").status_code == 404


def test_ledger_is_scoped(api_client, partner, partner_user, other_partner):
    allocation(partner, "1.00")
    other = allocation(other_partner, "2.00")
    api_client.force_authenticate(partner_user)
    results = api_client.get("/api/v1/mdf/ledger/").json()["results"]
    assert [r["amount"] for r in results] == ["1.00"]
    assert api_client.get(f"/api/v1/mdf/ledger/{other.pk}/").status_code == 404


def test_create_request(api_client, partner, partner_user):
    allocation(partner, "5000.00")
    api_client.force_authenticate(partner_user)
    response = api_client.post("/api/v1/mdf/requests/", _payload(), format="json")
    assert response.status_code == 201
    assert response.json()["status"] == RequestStatus.SUBMITTED


def test_create_request_above_half_is_400_field_error(api_client, partner, partner_user):
    allocation(partner, "5000.00")
    api_client.force_authenticate(partner_user)
    response = api_client.post("/api/v1/mdf/requests/", _payload("1000.01"), format="json")
    assert response.status_code == 400
    assert "requested_amount" in response.json()
    assert not FundRequest.objects.exists()


def test_create_request_garbage_is_400(api_client, partner_user):
    api_client.force_authenticate(partner_user)
    response = api_client.post(
        "/api/v1/mdf/requests/", {"title": "", "total_budget": "x"}, format="json"
    )
    assert response.status_code == 400


def test_staff_cannot_create_request(api_client, manager):
    api_client.force_authenticate(manager)
    assert api_client.post("/api/v1/mdf/requests/", _payload(), format="json").status_code == 403


def test_request_detail_other_company_404(api_client, partner, partner_user, other_partner_user):
    allocation(partner, "5000.00")
    request = submit(partner, partner_user, "100.00")
    api_client.force_authenticate(other_partner_user)
    assert api_client.get(f"/api/v1/mdf/requests/{request.pk}/").status_code == 404
    api_client.force_authenticate(partner_user)
    assert api_client.get(f"/api/v1/mdf/requests/{request.pk}/").status_code == 200


def test_approve_and_reject_endpoints(api_client, partner, partner_user):
    allocation(partner, "50000.00")
    first = submit(partner, partner_user, "100.00")
    second = submit(partner, partner_user, "100.00")
    api_client.force_authenticate(partner_user)
    assert api_client.post(f"/api/v1/mdf/requests/{first.pk}/approve/").status_code == 403
    api_client.force_authenticate(staff(Role.CHANNEL_DIRECTOR))
    response = api_client.post(f"/api/v1/mdf/requests/{first.pk}/approve/", {"note": "ok"})
    assert response.json()["status"] == RequestStatus.APPROVED
    assert api_client.post(f"/api/v1/mdf/requests/{second.pk}/reject/", {}).status_code == 400
    response = api_client.post(f"/api/v1/mdf/requests/{second.pk}/reject/", {"note": "no"})
    assert response.json()["status"] == RequestStatus.REJECTED


def test_approve_by_wrong_role_is_403(api_client, partner, partner_user):
    allocation(partner, "500000.00")
    request = submit(partner, partner_user, "100000.01")
    api_client.force_authenticate(staff(Role.CHANNEL_MANAGER))
    assert api_client.post(f"/api/v1/mdf/requests/{request.pk}/approve/").status_code in (403, 404)
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED


def test_claim_and_validate_endpoints(api_client, partner, partner_user, finance_user):
    allocation(partner, "50000.00")
    request = submit(partner, partner_user, "1000.00", budget=Decimal("4000.00"))
    api_client.force_authenticate(staff(Role.CHANNEL_DIRECTOR))
    api_client.post(f"/api/v1/mdf/requests/{request.pk}/approve/")
    with time_machine.travel(request.end_date, tick=False):
        api_client.force_authenticate(partner_user)
        bad = api_client.post(
            f"/api/v1/mdf/requests/{request.pk}/claim/", {"actual_spend": "x"}, format="multipart"
        )
        assert bad.status_code == 400
        response = api_client.post(
            f"/api/v1/mdf/requests/{request.pk}/claim/",
            {"actual_spend": "2000.00", "leads_generated": 4, "attachments": [pdf()]},
            format="multipart",
        )
        assert response.status_code == 201
        claim_id = response.json()["id"]
        assert api_client.post(f"/api/v1/mdf/claims/{claim_id}/validate/").status_code == 403
        api_client.force_authenticate(finance_user)
        response = api_client.post(f"/api/v1/mdf/claims/{claim_id}/validate/")
    assert response.status_code == 200
    assert response.json()["reimbursement_amount"] == "500.00"
    assert Claim.objects.get().status == "validated"


def test_claims_scoped(api_client, partner, partner_user, other_partner_user):
    allocation(partner, "50000.00")
    request = submit(partner, partner_user, "1000.00")
    api_client.force_authenticate(staff(Role.CHANNEL_DIRECTOR))
    api_client.post(f"/api/v1/mdf/requests/{request.pk}/approve/")
    with time_machine.travel(request.end_date, tick=False):
        api_client.force_authenticate(partner_user)
        claim_id = api_client.post(
            f"/api/v1/mdf/requests/{request.pk}/claim/",
            {"actual_spend": "2000.00", "attachments": [pdf()]},
            format="multipart",
        ).json()["id"]
    api_client.force_authenticate(other_partner_user)
    assert api_client.get(f"/api/v1/mdf/claims/{claim_id}/").status_code == 404
    assert api_client.get("/api/v1/mdf/claims/").json()["results"] == []
    assert (
        api_client.post(
            f"/api/v1/mdf/requests/{request.pk}/claim/", {"actual_spend": "1"}, format="multipart"
        ).status_code
        == 404
    )
