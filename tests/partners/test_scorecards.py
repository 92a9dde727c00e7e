"""Scorecard weights, evaluation, class and history (DESIGN §2.4)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.choices import Role
from core.models import AuditEvent
from partners import services
from partners.choices import ScorecardKind
from partners.models import Scorecard, ScorecardWeights
from partners.rules import classification_for, weighted_total
from partners.selectors import scorecard_weights_current
from partners.tasks import scorecard_evaluate_yearly_task

from ..factories import PartnerFactory, PartnerUserFactory, staff, tier
from .programme import answers, certify, revenue

pytestmark = pytest.mark.django_db

WEIGHTS = {
    "weight_revenue": 40,
    "weight_marketing": 15,
    "weight_satisfaction": 20,
    "weight_compliance": 15,
    "weight_team": 10,
    "weight_inventory": 0,  # optional (DESIGN §2.4): left out unless chosen
}


# --- weights -------------------------------------------------------------------------------------


def test_default_weights_are_the_designs():
    assert scorecard_weights_current().as_dict() == WEIGHTS


def test_weights_that_do_not_add_up_to_100_are_refused_per_field(admin_user):
    with pytest.raises(ValidationError) as exc:
        services.scorecard_weights_update(actor=admin_user, weight_revenue=50)
    assert set(exc.value.error_dict) == set(WEIGHTS)
    assert "110" in exc.value.error_dict["weight_revenue"][0].messages[0]
    assert not ScorecardWeights.objects.exists()


def test_database_refuses_weights_not_adding_up_to_100():
    with pytest.raises(IntegrityError), transaction.atomic():
        ScorecardWeights.objects.create(**(WEIGHTS | {"weight_team": 11}))


def test_new_weights_apply_and_the_old_ones_stay_as_history(admin_user):
    services.scorecard_weights_update(actor=admin_user, weight_revenue=30, weight_team=20)
    services.scorecard_weights_update(actor=admin_user, weight_revenue=35, weight_team=15)
    assert scorecard_weights_current().weight_revenue == 35
    assert ScorecardWeights.objects.count() == 2
    assert AuditEvent.objects.filter(action="scorecard.weights_changed").count() == 2


def test_weights_page_shows_field_errors_and_saves_nothing(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("partners:scorecard_weights"), WEIGHTS | {"weight_marketing": "x"}
    )
    assert response.status_code == 400
    assert 'id="error-weight_marketing"' in response.content.decode()
    response = client.post(reverse("partners:scorecard_weights"), WEIGHTS | {"weight_team": 5})
    assert response.status_code == 400
    assert 'id="error-weight_team"' in response.content.decode()
    assert not ScorecardWeights.objects.exists()


def test_weights_page_saves(client, admin_user):
    client.force_login(admin_user)
    data = WEIGHTS | {"weight_revenue": 30, "weight_compliance": 25}
    response = client.post(reverse("partners:scorecard_weights"), data)
    assert response.status_code == 302
    assert scorecard_weights_current().weight_compliance == 25


def test_weights_page_is_for_administrators(client, manager):
    client.force_login(manager)
    assert client.get(reverse("partners:scorecard_weights")).status_code == 403


# --- computation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scores", "total", "klass"),
    [
        ((100, 100, 100, 100, 100), "100.00", "A"),
        ((85, 85, 85, 85, 85), "85.00", "A"),
        ((90, 70, 80, 85, 80), "83.25", "B"),
        ((70, 70, 70, 70, 70), "70.00", "B"),
        ((70, 69, 70, 70, 69), "69.75", "C"),
        ((0, 0, 0, 0, 0), "0.00", "C"),
    ],
)
def test_weighted_total_and_class(scores, total, klass):
    names = ["score_revenue", "score_marketing", "score_satisfaction", "score_compliance"]
    result = weighted_total(dict(zip([*names, "score_team"], scores, strict=True)), WEIGHTS)
    assert result == Decimal(total)
    assert classification_for(result) == klass


@time_machine.travel(dt.datetime(2027, 1, 1, 3, tzinfo=dt.UTC))
def test_yearly_evaluation_scores_each_criterion_and_sets_the_class():
    # given a Silver partner over 2026: revenue at target, 2 certified, NPS 50, one violation
    partner = PartnerFactory(tier=tier("silver"))
    revenue(partner, "1000000", day="2026-03-10")
    certify(partner, total=2, issued=dt.date(2026, 1, 5))
    answers(partner, "2026Q4", [10, 10, 8, 7])  # (2 - 0) / 4 = 50
    with time_machine.travel(dt.datetime(2026, 6, 1, tzinfo=dt.UTC)):
        services.compliance_violation_create(
            partner=partner, kind="other", description="Late", actor=None
        )
    # when
    scorecard = services.scorecard_evaluate(
        partner=partner, actor=None, kind=ScorecardKind.YEARLY, year=2026
    )
    # then revenue 100, marketing neutral 50, NPS 75, compliance 75, team 100
    assert (
        scorecard.score_revenue,
        scorecard.score_marketing,
        scorecard.score_satisfaction,
        scorecard.score_compliance,
        scorecard.score_team,
    ) == (100, 50, 75, 75, 100)
    assert scorecard.total == Decimal("83.75")
    assert scorecard.classification == "B"
    assert scorecard.weights == WEIGHTS
    assert scorecard.figures["revenue"] == "1000000.00"
    partner.refresh_from_db()
    assert partner.classification == "B"
    assert AuditEvent.objects.filter(action="partner.classified", partner=partner).exists()


@time_machine.travel(dt.datetime(2027, 1, 1, 3, tzinfo=dt.UTC))
def test_yearly_job_is_idempotent():
    # given two partners and one terminated
    PartnerFactory()
    PartnerFactory()
    PartnerFactory(status="terminated")
    # when the job runs twice
    first = scorecard_evaluate_yearly_task()
    second = scorecard_evaluate_yearly_task(2026)
    # then
    assert first == {"evaluated": 2, "skipped": 0}
    assert second == {"evaluated": 0, "skipped": 2}
    assert Scorecard.objects.filter(year=2026, kind=ScorecardKind.YEARLY).count() == 2


def test_on_demand_evaluation_needs_a_reason_and_keeps_history(manager):
    partner = PartnerFactory(channel_manager=manager)
    with pytest.raises(ValidationError) as exc:
        services.scorecard_evaluate(
            partner=partner, actor=manager, kind=ScorecardKind.ON_DEMAND, reason=" "
        )
    assert "reason" in exc.value.error_dict
    for reason in ("Complaint", "Second complaint"):
        services.scorecard_evaluate(
            partner=partner, actor=manager, kind=ScorecardKind.ON_DEMAND, reason=reason
        )
    assert Scorecard.objects.filter(partner=partner).count() == 2


def test_scorecards_are_append_only(manager):
    partner = PartnerFactory(channel_manager=manager)
    scorecard = services.scorecard_evaluate(
        partner=partner, actor=manager, kind=ScorecardKind.ON_DEMAND, reason="x"
    )
    with pytest.raises(Exception, match="append-only|not allowed|refuse"), transaction.atomic():
        Scorecard.objects.filter(pk=scorecard.pk).update(total=Decimal("99"))


# --- pages ---------------------------------------------------------------------------------------


def test_evaluate_from_the_partner_page_shows_the_breakdown(client, manager):
    partner = PartnerFactory(channel_manager=manager)
    client.force_login(manager)
    response = client.post(
        reverse("partners:scorecard_evaluate", args=[partner.pk]), {"reason": "Incident"}
    )
    scorecard = Scorecard.objects.get(partner=partner)
    assert response.status_code == 302
    page = client.get(reverse("partners:scorecard_detail", args=[scorecard.pk]))
    assert page.status_code == 200
    assert "Breakdown per criterion" in page.content.decode()
    assert str(scorecard.total) in page.content.decode()


def test_evaluate_without_reason_is_a_field_error(client, manager):
    partner = PartnerFactory(channel_manager=manager)
    client.force_login(manager)
    response = client.post(reverse("partners:scorecard_evaluate", args=[partner.pk]), {})
    assert response.status_code == 400
    assert 'id="error-reason"' in response.content.decode()
    assert not Scorecard.objects.exists()


def test_evaluate_is_refused_to_a_manager_of_other_partners(client, manager):
    partner = PartnerFactory(channel_manager=manager)
    client.force_login(staff())
    url = reverse("partners:scorecard_evaluate", args=[partner.pk])
    assert client.post(url, {"reason": "x"}).status_code == 404
    assert not Scorecard.objects.exists()


def test_another_partners_scorecard_is_404(client, manager, other_partner_user):
    partner = PartnerFactory(channel_manager=manager)
    scorecard = services.scorecard_evaluate(
        partner=partner, actor=manager, kind=ScorecardKind.ON_DEMAND, reason="x"
    )
    client.force_login(other_partner_user)
    url = reverse("partners:scorecard_detail", args=[scorecard.pk])
    assert client.get(url).status_code == 404
    client.force_login(PartnerUserFactory(partner=partner))
    assert client.get(url).status_code == 200


def test_partner_page_query_count_with_scorecards_and_history(
    client, manager, django_assert_max_num_queries
):
    partner = PartnerFactory(channel_manager=manager)
    for index in range(6):
        services.scorecard_evaluate(
            partner=partner, actor=manager, kind=ScorecardKind.ON_DEMAND, reason=f"r{index}"
        )
    client.force_login(manager)
    with django_assert_max_num_queries(30):
        response = client.get(reverse("partners:partner_detail", args=[partner.pk]))
    assert response.status_code == 200
    assert response.content.decode().count("On demand") == 6


def test_marketing_score_uses_the_same_return_as_the_funds_app(partner, partner_user, manager):
    # given an approved MDF activity: 1,000 reimbursed, 8,000 of attributed revenue
    from funds import services as funds_services
    from funds.defaults import ensure_default_matrix
    from funds.models import ApprovalRule, MdfLedgerEntry
    from funds.selectors import partner_roi
    from partners.inputs import marketing_roi_by_partner

    from ..funds.factories import allocation, submit

    ensure_default_matrix(ApprovalRule)  # a transactional test may have flushed the migrated rows
    allocation(partner, "10000.00")
    request = submit(partner, partner_user, "2000.00")
    approved = funds_services.fund_request_approve(
        fund_request=request, actor=staff(Role.CHANNEL_DIRECTOR)
    )
    MdfLedgerEntry.objects.create(
        partner=partner,
        kind="reimbursement",
        amount=Decimal("-1000"),
        currency="CNY",
        quarter="2026Q4",
    )
    funds_services.activity_result_record(
        fund_request=approved, actor=partner_user, leads_count=7, deal_revenue=Decimal("8000")
    )
    # when
    scorecard = services.scorecard_evaluate(
        partner=partner, actor=manager, kind=ScorecardKind.ON_DEMAND, reason="Review"
    )
    # then funds used = 1,000 reimbursed + 2,000 still reserved; ROI 8,000 / 3,000 = 2.67 → 27
    # points, as the funds app computes the return
    assert marketing_roi_by_partner(partner_ids=[partner.pk]) == {
        partner.pk: partner_roi(partner=partner)["roi"]
    }
    assert scorecard.score_marketing == 27
    assert scorecard.figures["marketing_roi"] == "2.67"


@pytest.mark.parametrize("model", ["tierevaluation", "tierchange", "scorecard", "npsresponse"])
def test_admin_lists_the_history_read_only(client, manager, model):
    services.scorecard_evaluate(
        partner=PartnerFactory(channel_manager=manager),
        actor=manager,
        kind=ScorecardKind.ON_DEMAND,
        reason="x",
    )
    admin = staff(role=Role.ADMIN, is_superuser=True)
    client.force_login(admin)
    assert client.get(reverse(f"admin:partners_{model}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:partners_{model}_add")).status_code == 403
