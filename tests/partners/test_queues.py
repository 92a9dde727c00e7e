"""Bulk decisions on the partners approval queues (DESIGN §2.1, §2.3, §8.1): applications and tier
proposals, each row through its own service and audit row, failures reported per row."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.choices import Role
from core.models import AuditEvent
from partners import services
from partners.choices import ApplicationStatus, ProposalStatus
from partners.models import Partner, TierEvaluation
from tests.conftest import login

from ..factories import PartnerFactory, PartnerUserFactory, staff, tier
from .factories import PartnerApplicationFactory
from .programme import Q3, certify, revenue

pytestmark = pytest.mark.django_db


def _upgrade_proposal(manager) -> TierEvaluation:
    partner = PartnerFactory(tier=tier("registered"), channel_manager=manager)
    revenue(partner, "1000000")
    certify(partner, total=2)
    services.tier_evaluation_run(quarter=Q3)
    return TierEvaluation.objects.get(partner=partner)


# --- applications --------------------------------------------------------------------------------


def test_bulk_advance_moves_each_application_and_reports_the_one_without_scores(client, manager):
    # given two fresh applications and one in assessment without its site-visit scores
    fresh = PartnerApplicationFactory.create_batch(2)
    stuck = PartnerApplicationFactory(status=ApplicationStatus.ASSESSMENT)

    # when the manager advances the three at once
    response = login(client, manager).post(
        reverse("partners:application_bulk"),
        {"ids": [a.pk for a in [*fresh, stuck]], "decision": "advance", "reason": "Looks good"},
    )

    # then the fresh ones are screening, each audited, and the stuck one says why not
    for application in fresh:
        application.refresh_from_db()
        assert application.status == ApplicationStatus.SCREENING
    assert AuditEvent.objects.filter(action="application.screening").count() == 2
    stuck.refresh_from_db()
    assert stuck.status == ApplicationStatus.ASSESSMENT
    assert f'data-bulk-outcome="{stuck.pk}" data-ok="0"' in response.text
    assert "Record the site-visit scores before leaving assessment." in response.text


def test_bulk_reject_applications_needs_a_reason(client, manager):
    applications = PartnerApplicationFactory.create_batch(2)
    login(client, manager)
    url = reverse("partners:application_bulk")

    refused = client.post(url, {"ids": [a.pk for a in applications], "decision": "reject"})
    assert refused.status_code == 400 and 'id="error-reason"' in refused.text

    client.post(
        url, {"ids": [a.pk for a in applications], "decision": "reject", "reason": "Out of scope"}
    )
    for application in applications:
        application.refresh_from_db()
        assert application.status == ApplicationStatus.REJECTED
        assert application.rejection_reason == "Out of scope"
    assert AuditEvent.objects.filter(action="application.rejected").count() == 2


def test_partner_user_cannot_bulk_decide_applications(client):
    application = PartnerApplicationFactory()
    user = PartnerUserFactory(role=Role.PARTNER_ADMIN)

    response = login(client, user).post(
        reverse("partners:application_bulk"), {"ids": [application.pk], "decision": "advance"}
    )

    assert response.status_code in (403, 404)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


def test_application_list_searches_and_offers_selection(client, manager):
    wanted = PartnerApplicationFactory(legal_name="Bright Networks Co., Ltd.")
    PartnerApplicationFactory(legal_name="Other Prospect Ltd")

    response = login(client, manager).get(reverse("partners:application_list"), {"q": "bright"})

    assert "Bright Networks" in response.text and "Other Prospect" not in response.text
    assert f'name="ids" value="{wanted.pk}"' in response.text


# --- tier proposals ------------------------------------------------------------------------------


def test_bulk_confirm_applies_each_proposal_and_reports_the_blocked_upgrade(client, manager):
    # given two upgrade proposals, one of whose partners has since opened a violation
    ok, blocked = _upgrade_proposal(manager), _upgrade_proposal(manager)
    services.compliance_violation_create(
        partner=blocked.partner, kind="data_leak", description="Leak", actor=manager
    )

    # when the manager confirms both at once
    response = login(client, manager).post(
        reverse("partners:tier_proposal_bulk"), {"ids": [ok.pk, blocked.pk], "decision": "confirm"}
    )

    # then one tier changed, with its audit row, and the other is refused with its reason
    assert Partner.objects.get(pk=ok.partner_id).tier.code == "silver"
    assert Partner.objects.get(pk=blocked.partner_id).tier.code == "registered"
    assert AuditEvent.objects.filter(action="partner.tier_changed").count() == 1
    assert f'data-bulk-outcome="{blocked.pk}" data-ok="0"' in response.text
    assert f'data-bulk-outcome="{ok.pk}" data-ok="1"' in response.text


def test_bulk_proposal_of_another_managers_partner_is_not_found(client, manager):
    theirs = _upgrade_proposal(staff(Role.CHANNEL_MANAGER))

    response = login(client, manager).post(
        reverse("partners:tier_proposal_bulk"),
        {"ids": [theirs.pk], "decision": "reject", "reason": "No"},
    )

    assert "Not found." in response.text
    theirs.refresh_from_db()
    assert theirs.status == ProposalStatus.PENDING


def test_proposal_queue_query_count_does_not_grow(client, manager, django_assert_max_num_queries):
    for _ in range(5):
        _upgrade_proposal(manager)
    login(client, manager)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("partners:tier_proposals"))
    assert response.text.count('name="ids"') == 5


# --- the same bulk decisions through the API ------------------------------------------------------


def test_api_bulk_advance_applications_reports_each_row(api_client, manager):
    fresh = PartnerApplicationFactory()
    stuck = PartnerApplicationFactory(status=ApplicationStatus.ASSESSMENT)
    api_client.force_authenticate(manager)
    response = api_client.post(
        "/api/v1/partners/applications/bulk-decision/",
        {"ids": [fresh.pk, stuck.pk, 99999999], "decision": "advance", "reason": "Looks good"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="bulk-applications-1",
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["succeeded"], data["failed"]) == (1, 2)
    outcome = {r["id"]: r for r in data["results"]}
    assert outcome[fresh.pk]["ok"] is True
    assert outcome[stuck.pk]["message"] == "Record the site-visit scores before leaving assessment."
    assert outcome[99999999]["message"] == "Not found."
    fresh.refresh_from_db()
    assert fresh.status == ApplicationStatus.SCREENING


def test_api_bulk_reject_applications_needs_a_reason(api_client, manager):
    application = PartnerApplicationFactory()
    api_client.force_authenticate(manager)
    response = api_client.post(
        "/api/v1/partners/applications/bulk-decision/",
        {"ids": [application.pk], "decision": "reject"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="bulk-applications-2",
    )
    assert response.status_code == 400 and "reason" in response.json()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


def test_api_bulk_tier_proposals_other_managers_are_not_found(api_client, manager):
    mine = _upgrade_proposal(manager)
    theirs = _upgrade_proposal(staff(Role.CHANNEL_MANAGER))
    api_client.force_authenticate(manager)
    response = api_client.post(
        "/api/v1/partners/tier-proposals/bulk-decision/",
        {"ids": [mine.pk, theirs.pk], "decision": "confirm"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="bulk-proposals-1",
    )
    data = response.json()
    assert [r["ok"] for r in data["results"]] == [True, False]
    assert Partner.objects.get(pk=mine.partner_id).tier.code == "silver"
    theirs.refresh_from_db()
    assert theirs.status == ProposalStatus.PENDING
