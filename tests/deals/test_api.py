"""API /api/v1/deals/: scoped reads, draft creation, explicit transitions."""

import pytest

from accounts.choices import Role
from deals.choices import DealStatus
from deals.models import Deal
from tests.factories import staff

from .factories import DealFactory, ProductFactory

pytestmark = pytest.mark.django_db


def payload(product):
    return {
        "customer_name": "Acme Inc.",
        "customer_region": "CN-SH",
        "project_name": "API project",
        "currency": "CNY",
        "expected_close_date": "2027-01-31",
        "lines": [{"product": product.sku, "quantity": 2, "unit_price": "900.00"}],
    }


def test_anonymous_is_refused(api_client):
    assert api_client.get("/api/v1/deals/").status_code in (401, 403)


def test_partner_creates_and_submits(api_client, partner_user):
    api_client.force_authenticate(partner_user)
    response = api_client.post("/api/v1/deals/", payload(ProductFactory()), format="json")
    assert response.status_code == 201, response.data
    pk = response.data["id"]
    response = api_client.post(f"/api/v1/deals/{pk}/submit/")
    assert response.status_code == 200
    assert response.data["status"] == DealStatus.SUBMITTED


def test_bad_payload_is_400_with_field_errors(api_client, partner_user):
    api_client.force_authenticate(partner_user)
    bad = payload(ProductFactory()) | {"customer_region": "ZZ", "lines": []}
    response = api_client.post("/api/v1/deals/", bad, format="json")
    assert response.status_code == 400
    assert "customer_region" in response.data and "lines" in response.data
    assert not Deal.objects.exists()


def test_other_company_is_404(api_client, partner_user, other_partner):
    theirs = DealFactory(partner=other_partner)
    api_client.force_authenticate(partner_user)
    assert api_client.get(f"/api/v1/deals/{theirs.pk}/").status_code == 404
    assert api_client.post(f"/api/v1/deals/{theirs.pk}/submit/").status_code == 404
    assert api_client.get("/api/v1/deals/").data["count"] == 0


def test_conflict_shows_only_a_flag(api_client, partner_user, other_partner):
    product = ProductFactory()
    first = DealFactory(partner=other_partner, customer_name="Acme Inc.", lines=[(product, 1, 900)])
    api_client.force_authenticate(first.registered_by)
    api_client.post(f"/api/v1/deals/{first.pk}/submit/")
    later = DealFactory(
        partner=partner_user.partner, customer_name="ACME Corp", lines=[(product, 1, 900)]
    )
    api_client.force_authenticate(partner_user)
    data = api_client.post(f"/api/v1/deals/{later.pk}/submit/").data
    assert data["status"] == DealStatus.IN_CONFLICT
    assert data["has_conflict"] is True
    assert "conflict_with" not in data
    # Nothing of the earlier registration leaks: not its id, its partner, nor its customer name.
    assert first.pk not in [v for k, v in data.items() if k != "id"]
    assert other_partner.pk not in data.values()
    assert other_partner.legal_name not in str(data)
    assert "Acme Inc." not in str(data)


def test_partner_cannot_approve(api_client, partner_user):
    deal = DealFactory(partner=partner_user.partner)
    api_client.force_authenticate(partner_user)
    api_client.post(f"/api/v1/deals/{deal.pk}/submit/")
    assert api_client.post(f"/api/v1/deals/{deal.pk}/approve/").status_code == 404
    deal.refresh_from_db()
    assert deal.status == DealStatus.SUBMITTED


def test_director_approves_and_reject_needs_reason(api_client):
    deal = DealFactory()
    api_client.force_authenticate(deal.registered_by)
    api_client.post(f"/api/v1/deals/{deal.pk}/submit/")
    api_client.force_authenticate(staff(Role.CHANNEL_DIRECTOR))
    assert api_client.post(f"/api/v1/deals/{deal.pk}/reject/", {"reason": ""}).status_code == 400
    response = api_client.post(f"/api/v1/deals/{deal.pk}/approve/")
    assert response.status_code == 200
    assert response.data["status"] == DealStatus.APPROVED


def test_update_refused_after_submit(api_client, partner_user):
    deal = DealFactory(partner=partner_user.partner)
    api_client.force_authenticate(partner_user)
    api_client.post(f"/api/v1/deals/{deal.pk}/submit/")
    response = api_client.patch(f"/api/v1/deals/{deal.pk}/", {"notes": "x"}, format="json")
    assert response.status_code == 400
