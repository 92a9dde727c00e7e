"""API of tier proposals, scorecards and NPS answers: scoped, explicit actions, field errors."""

from __future__ import annotations

import pytest

from partners import services
from partners.choices import ProposalStatus, ScorecardKind
from partners.models import NpsResponse, Partner, TierEvaluation

from ..factories import PartnerFactory, PartnerUserFactory, staff, tier
from .programme import Q3, certify, revenue

pytestmark = pytest.mark.django_db


def _proposal(manager) -> TierEvaluation:
    partner = PartnerFactory(tier=tier("registered"), channel_manager=manager)
    revenue(partner, "1000000")
    certify(partner, total=2)
    services.tier_evaluation_run(quarter=Q3)
    return TierEvaluation.objects.get(partner=partner)


# --- tier proposals ------------------------------------------------------------------------------


def test_proposals_list_their_figures(api_client, manager, django_assert_max_num_queries):
    for _ in range(4):
        _proposal(manager)
    PartnerFactory(tier=tier("silver"), channel_manager=manager)  # evaluated later, no proposal
    services.tier_evaluation_run(quarter=Q3)
    api_client.force_authenticate(manager)
    with django_assert_max_num_queries(8):
        response = api_client.get("/api/v1/partners/tier-proposals/?status=pending")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert len(rows) == 4
    assert rows[0]["proposed_tier"] == "silver"
    assert rows[0]["revenue"] == "1000000.00"
    assert rows[0]["certified_staff"] == 2


def test_confirm_through_the_api(api_client, manager):
    proposal = _proposal(manager)
    api_client.force_authenticate(manager)
    response = api_client.post(
        f"/api/v1/partners/tier-proposals/{proposal.pk}/confirm/", {"note": "ok"}
    )
    assert response.status_code == 200
    assert response.json()["status"] == ProposalStatus.CONFIRMED
    assert Partner.objects.get(pk=proposal.partner_id).tier.code == "silver"


def test_confirming_twice_is_a_400(api_client, manager):
    proposal = _proposal(manager)
    api_client.force_authenticate(manager)
    url = f"/api/v1/partners/tier-proposals/{proposal.pk}/confirm/"
    api_client.post(url)
    response = api_client.post(url)
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_reject_needs_a_reason(api_client, manager):
    proposal = _proposal(manager)
    api_client.force_authenticate(manager)
    url = f"/api/v1/partners/tier-proposals/{proposal.pk}/reject/"
    response = api_client.post(url, {"reason": ""})
    assert response.status_code == 400
    assert "reason" in response.json()
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PENDING
    assert api_client.post(url, {"reason": "Wait a quarter"}).status_code == 200


def test_another_managers_proposal_is_404(api_client, manager):
    proposal = _proposal(manager)
    api_client.force_authenticate(staff())
    assert api_client.get(f"/api/v1/partners/tier-proposals/{proposal.pk}/").status_code == 404
    url = f"/api/v1/partners/tier-proposals/{proposal.pk}/confirm/"
    assert api_client.post(url).status_code == 404


def test_proposals_are_refused_to_partner_users(api_client, manager):
    proposal = _proposal(manager)
    api_client.force_authenticate(PartnerUserFactory(partner=proposal.partner))
    assert api_client.get("/api/v1/partners/tier-proposals/").status_code == 403
    url = f"/api/v1/partners/tier-proposals/{proposal.pk}/confirm/"
    assert api_client.post(url).status_code == 403


def test_proposals_anonymous_refused(api_client):
    assert api_client.get("/api/v1/partners/tier-proposals/").status_code in (401, 403)


# --- scorecards ----------------------------------------------------------------------------------


def test_scorecards_are_scoped_to_the_company(api_client, manager, partner, other_partner):
    own = services.scorecard_evaluate(
        partner=partner, actor=manager, kind=ScorecardKind.ON_DEMAND, reason="x"
    )
    other = services.scorecard_evaluate(
        partner=other_partner, actor=manager, kind=ScorecardKind.ON_DEMAND, reason="y"
    )
    api_client.force_authenticate(PartnerUserFactory(partner=partner))
    ids = [row["id"] for row in api_client.get("/api/v1/partners/scorecards/").json()["results"]]
    assert ids == [own.pk]
    assert api_client.get(f"/api/v1/partners/scorecards/{other.pk}/").status_code == 404
    detail = api_client.get(f"/api/v1/partners/scorecards/{own.pk}/").json()
    assert detail["weights"]["weight_revenue"] == 40


# --- NPS answers ---------------------------------------------------------------------------------


def test_record_an_nps_answer(api_client, manager, partner):
    api_client.force_authenticate(manager)
    response = api_client.post(
        "/api/v1/partners/nps-responses/",
        {"partner": partner.pk, "quarter": "2026q3", "score": 9},
    )
    assert response.status_code == 201
    assert response.json()["quarter"] == "2026Q3"
    assert NpsResponse.objects.get().recorded_by == manager


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"quarter": "2026Q3", "score": 11}, "score"),
        ({"quarter": "2026Q3", "score": "ten"}, "score"),
        ({"quarter": "Q3", "score": 5}, "quarter"),
        ({"quarter": "2026Q3", "score": 5, "partner": 0}, "partner"),
    ],
)
def test_bad_nps_answers_get_field_errors(api_client, manager, partner, payload, field):
    api_client.force_authenticate(manager)
    response = api_client.post("/api/v1/partners/nps-responses/", {"partner": partner.pk} | payload)
    assert response.status_code == 400
    assert field in response.json()
    assert not NpsResponse.objects.exists()


def test_nps_answers_are_refused_to_partner_users(api_client, partner_user, partner):
    api_client.force_authenticate(partner_user)
    assert api_client.get("/api/v1/partners/nps-responses/").status_code == 403
    response = api_client.post(
        "/api/v1/partners/nps-responses/", {"partner": partner.pk, "quarter": "2026Q3", "score": 10}
    )
    assert response.status_code == 403
    assert not NpsResponse.objects.exists()
