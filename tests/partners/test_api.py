import pytest

from accounts.choices import Role
from accounts.models import User
from partners.choices import ApplicationStatus, PartnerType

from ..factories import PartnerFactory, PartnerUserFactory
from .factories import PartnerApplicationFactory

pytestmark = pytest.mark.django_db


def test_profile_anonymous_refused(api_client, partner):
    assert api_client.get(f"/api/v1/partners/{partner.pk}/").status_code in (401, 403)


def test_profile_other_company_is_404(api_client, partner_user, other_partner):
    api_client.force_authenticate(partner_user)
    assert api_client.get(f"/api/v1/partners/{other_partner.pk}/").status_code == 404


def test_profile_list_scoped_to_company_and_dealers(api_client, other_partner):
    distributor = PartnerFactory(partner_type=PartnerType.DISTRIBUTOR)
    dealer = PartnerFactory(parent=distributor)
    api_client.force_authenticate(PartnerUserFactory(partner=distributor))
    ids = {row["id"] for row in api_client.get("/api/v1/partners/").json()["results"]}
    assert ids == {distributor.pk, dealer.pk}


def test_my_users_lists_only_own_company(api_client, partner, partner_user, other_partner_user):
    colleague = PartnerUserFactory(partner=partner, role=Role.PARTNER_SALES)
    api_client.force_authenticate(partner_user)
    response = api_client.get("/api/v1/partners/my-users/")
    assert response.status_code == 200
    emails = {row["email"] for row in response.json()["results"]}
    assert emails == {partner_user.email, colleague.email}


def test_my_users_refused_to_partner_sales_and_staff(api_client, partner, manager):
    api_client.force_authenticate(PartnerUserFactory(partner=partner, role=Role.PARTNER_SALES))
    assert api_client.get("/api/v1/partners/my-users/").status_code == 403
    api_client.force_authenticate(manager)
    assert api_client.get("/api/v1/partners/my-users/").status_code == 403


def test_my_users_invite_and_role_and_deactivate(api_client, partner, partner_user):
    api_client.force_authenticate(partner_user)
    response = api_client.post(
        "/api/v1/partners/my-users/",
        {"email": "api@new.example", "full_name": "Api", "role": Role.PARTNER_SALES},
        format="json",
    )
    assert response.status_code == 201
    pk = response.json()["id"]
    response = api_client.post(
        f"/api/v1/partners/my-users/{pk}/role/", {"role": Role.PARTNER_FINANCE}, format="json"
    )
    assert response.json()["role"] == Role.PARTNER_FINANCE
    assert (
        api_client.post(f"/api/v1/partners/my-users/{pk}/deactivate/").json()["is_active"] is False
    )


def test_my_users_bad_role_is_400(api_client, partner_user):
    api_client.force_authenticate(partner_user)
    response = api_client.post(
        "/api/v1/partners/my-users/",
        {"email": "api@new.example", "full_name": "Api", "role": Role.ADMIN},
        format="json",
    )
    assert response.status_code == 400
    assert "role" in response.json()
    assert not User.objects.filter(email="api@new.example").exists()


def test_my_users_other_company_user_is_404(api_client, partner_user, other_partner_user):
    api_client.force_authenticate(partner_user)
    response = api_client.post(f"/api/v1/partners/my-users/{other_partner_user.pk}/deactivate/")
    assert response.status_code == 404


def test_applications_api_refused_to_partner_users(api_client, partner_user):
    application = PartnerApplicationFactory()
    api_client.force_authenticate(partner_user)
    assert api_client.get("/api/v1/partners/applications/").status_code == 403
    assert api_client.get(f"/api/v1/partners/applications/{application.pk}/").status_code == 403


def test_applications_api_transitions(api_client, manager):
    application = PartnerApplicationFactory()
    api_client.force_authenticate(manager)
    base = f"/api/v1/partners/applications/{application.pk}"
    assert (
        api_client.post(f"{base}/advance/", {"note": "ok"}, format="json").json()["status"]
        == "screening"
    )
    api_client.post(f"{base}/advance/")
    response = api_client.post(
        f"{base}/assess/",
        {"qualification": 150, "business": 1, "resources": 1, "willingness": 1},
        format="json",
    )
    assert response.status_code == 400
    response = api_client.post(
        f"{base}/assess/",
        {"qualification": 50, "business": 60, "resources": 70, "willingness": 80},
        format="json",
    )
    assert response.json()["score_willingness"] == 80
    response = api_client.post(f"{base}/reject/", {"reason": "No fit"}, format="json")
    body = response.json()
    assert body["status"] == ApplicationStatus.REJECTED
    assert [t["to_status"] for t in body["transitions"]] == ["screening", "assessment", "rejected"]
    # closed: further moves are a clear 400, not a 500
    assert api_client.post(f"{base}/advance/").status_code == 400


def test_applications_api_list_query_count(api_client, manager, django_assert_max_num_queries):
    for _ in range(15):
        PartnerApplicationFactory()
    api_client.force_authenticate(manager)
    with django_assert_max_num_queries(8):
        response = api_client.get("/api/v1/partners/applications/")
    assert response.json()["count"] == 15
