"""API authentication: tokens, session, and the freeze cutting tokens on the next call."""

import pytest
from rest_framework.authtoken.models import Token

from partners.choices import PartnerStatus

pytestmark = pytest.mark.django_db


def test_anonymous_api_call_is_refused(api_client):
    assert api_client.get("/api/v1/me/").status_code in (401, 403)


def test_token_authenticates_partner_user(api_client, partner_user):
    token = Token.objects.create(user=partner_user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = api_client.get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["partner"] == partner_user.partner_id


def test_frozen_company_token_stops_working(api_client, partner_user):
    token = Token.objects.create(user=partner_user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    partner_user.partner.status = PartnerStatus.FROZEN
    partner_user.partner.save()
    response = api_client.get("/api/v1/me/")
    assert response.status_code == 401
    assert "suspended" in response.json()["detail"]


def test_me_patch_validates_language(api_client, partner_user):
    api_client.force_authenticate(partner_user)
    response = api_client.patch("/api/v1/me/", {"language": "klingon"}, format="json")
    assert response.status_code == 400
    assert "language" in response.json()


def test_partner_api_returns_404_for_other_company(api_client, partner_user, other_partner):
    api_client.force_authenticate(partner_user)
    assert api_client.get(f"/api/v1/partners/{other_partner.pk}/").status_code == 404
    assert api_client.get(f"/api/v1/partners/{partner_user.partner_id}/").status_code == 200
    ids = [row["id"] for row in api_client.get("/api/v1/partners/").json()["results"]]
    assert ids == [partner_user.partner_id]


def test_openapi_schema_and_docs_are_served(client, manager):
    client.force_login(manager)
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/partners/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()
