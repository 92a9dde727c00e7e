"""Credit rating pages and API (DESIGN §2.6): who sees the ratings, who rates and who decides."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.choices import Role
from core.periods import Quarter
from partners import services
from partners.choices import LimitProposalStatus
from partners.models import CreditLimitProposal, CreditRating

from ..conftest import login
from ..factories import PartnerFactory, PartnerUserFactory, staff
from .test_credit_rating import END, days, order

pytestmark = pytest.mark.django_db
Q3 = Quarter(2026, 3)


@pytest.fixture
def rated(finance_user):
    partner = PartnerFactory(
        legal_name="Rated Co", classification="A", credit_limit=Decimal("1000.00")
    )
    order(partner, "1500", on=END - days(31))
    services.credit_rating_run(quarter=Q3, partner_ids=[partner.pk])
    return partner


def test_staff_see_the_rating_on_the_partner_page_and_partner_users_do_not(client, rated):
    login(client, staff(Role.CHANNEL_MANAGER))
    body = client.get(reverse("partners:partner_detail", args=[rated.pk])).content.decode()
    assert 'id="credit-rating"' in body and "Rate now" not in body
    login(client, staff(Role.FINANCE))
    body = client.get(reverse("partners:partner_detail", args=[rated.pk])).content.decode()
    assert 'id="credit-rating"' in body and "Rate now" in body
    login(client, PartnerUserFactory(partner=rated, role=Role.PARTNER_FINANCE))
    body = client.get(reverse("partners:my_company")).content.decode()
    assert 'id="credit-rating"' not in body


def test_history_page_shows_the_figures(client, rated, django_assert_max_num_queries):
    login(client, staff(Role.FINANCE))
    with django_assert_max_num_queries(30):
        response = client.get(reverse("partners:credit_rating_history", args=[rated.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "1,500.00" in body and "2026Q3" in body
    assert "Overdue exposure above the credit limit" in body  # its proposal


def test_history_page_refuses_partner_users_and_hides_other_companies(client, rated):
    url = reverse("partners:credit_rating_history", args=[rated.pk])
    login(client, PartnerUserFactory(partner=rated, role=Role.PARTNER_FINANCE))
    assert client.get(url).status_code == 403
    login(client, staff(Role.LEGAL))
    assert client.get(url).status_code == 200
    assert client.get(reverse("partners:credit_rating_history", args=[99999999])).status_code == 404


def test_rate_now_is_finance_only(client, rated):
    url = reverse("partners:credit_rating_rate", args=[rated.pk])
    login(client, staff(Role.CHANNEL_MANAGER))
    assert client.post(url).status_code == 403
    login(client, staff(Role.FINANCE))
    response = client.post(url)
    assert response.status_code == 302
    assert CreditRating.objects.filter(partner=rated, kind="on_demand").count() == 1


def test_finance_decides_a_proposal_from_the_list(client, rated, finance_user):
    proposal = CreditLimitProposal.objects.get(partner=rated)
    login(client, finance_user)
    assert "Rated Co" in client.get(reverse("partners:credit_proposal_list")).content.decode()
    decide = reverse("partners:credit_proposal_decide", args=[proposal.pk])
    # a rejection without a reason: the field says why, nothing changes
    response = client.post(decide, {"decision": "reject", "note": ""})
    assert response.status_code == 400
    assert "Give a reason for the rejection." in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == LimitProposalStatus.PENDING
    # approved: the limit drops
    response = client.post(decide, {"decision": "approve", "note": "Overdue since August"})
    assert response.status_code == 302
    rated.refresh_from_db()
    assert rated.credit_limit == proposal.proposed_limit


def test_proposals_are_finance_only(client, rated):
    proposal = CreditLimitProposal.objects.get(partner=rated)
    login(client, staff(Role.CHANNEL_MANAGER))
    assert client.get(reverse("partners:credit_proposal_list")).status_code == 403
    decide = reverse("partners:credit_proposal_decide", args=[proposal.pk])
    assert client.post(decide, {"decision": "approve"}).status_code == 403
    login(client, PartnerUserFactory(partner=rated, role=Role.PARTNER_FINANCE))
    assert client.post(decide, {"decision": "approve"}).status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == LimitProposalStatus.PENDING


def test_api_ratings_rate_and_decide(api_client, rated, finance_user):
    api_client.force_authenticate(staff(Role.CHANNEL_MANAGER))
    rows = api_client.get("/api/v1/partners/credit-ratings/", {"partner": rated.pk}).json()
    assert [r["grade"] for r in rows["results"]] == [CreditRating.objects.get().grade]
    assert rows["results"][0]["figures"]["penalties"]["overdue"] == 45
    assert (
        api_client.post("/api/v1/partners/credit-ratings/rate/", {"partner": rated.pk}).status_code
        == 403
    )
    api_client.force_authenticate(finance_user)
    response = api_client.post("/api/v1/partners/credit-ratings/rate/", {"partner": rated.pk})
    assert response.status_code == 201 and response.json()["kind"] == "on_demand"
    assert (
        api_client.post("/api/v1/partners/credit-ratings/rate/", {"partner": "x"}).status_code
        == 400
    )
    proposal = CreditLimitProposal.objects.get(partner=rated)
    url = f"/api/v1/partners/credit-proposals/{proposal.pk}/reject/"
    response = api_client.post(url, {"note": ""})
    assert response.status_code == 400 and "note" in response.json()
    response = api_client.post(url, {"note": "Paid since"})
    assert response.status_code == 200 and response.json()["status"] == "rejected"


def test_api_is_closed_to_partner_users(api_client, rated):
    api_client.force_authenticate(PartnerUserFactory(partner=rated, role=Role.PARTNER_FINANCE))
    assert api_client.get("/api/v1/partners/credit-ratings/").status_code == 403
    assert api_client.get("/api/v1/partners/credit-proposals/").status_code == 403
