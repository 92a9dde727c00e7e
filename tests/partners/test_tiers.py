"""Tier evaluation, proposals and their confirmation (DESIGN §2.3)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.choices import Role
from core.models import AuditEvent, FxRate, Notification
from core.periods import Quarter
from partners import services
from partners.choices import ProposalStatus, TierOutcome, ViolationStatus
from partners.models import Partner, TierChange, TierEvaluation
from partners.rules import qualified_tier, tier_decision
from partners.selectors import tier_proposal_list_for
from partners.tasks import tier_evaluation_run_task

from ..factories import PartnerFactory, PartnerUserFactory, staff, tier
from .programme import Q3, answers, certify, revenue

pytestmark = pytest.mark.django_db

R, S, G, D = 0, 1, 2, 3


# --- the rules ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("revenue_amount", "certified", "senior", "nps", "expected"),
    [
        (0, 0, 0, None, "registered"),
        (999_999, 5, 1, 50, "registered"),
        (1_000_000, 2, 0, None, "silver"),  # no survey counts as NPS 0, which Silver accepts
        (1_000_000, 1, 0, 10, "registered"),
        (5_000_000, 5, 1, 20, "gold"),
        (5_000_000, 5, 0, 20, "silver"),  # Gold needs one senior
        (5_000_000, 5, 1, 19, "silver"),
        (5_000_000, 5, 1, -1, "registered"),  # below Silver's NPS 0
        (20_000_000, 10, 3, 40, "diamond"),
        (20_000_000, 10, 2, 40, "gold"),
        (20_000_000, 9, 3, 40, "gold"),
        (19_999_999, 10, 3, 40, "gold"),
    ],
)
def test_qualified_tier_follows_the_design_table(revenue_amount, certified, senior, nps, expected):
    # given the four default tiers
    tiers = [tier(code) for code in ("registered", "silver", "gold", "diamond")]
    # when
    result = qualified_tier(
        tiers, revenue=Decimal(revenue_amount), certified=certified, senior=senior, nps=nps
    )
    # then
    assert result.code == expected


@pytest.mark.parametrize(
    ("current", "qualified", "previous", "violations", "outcome", "proposed"),
    [
        (S, S, None, 0, TierOutcome.UNCHANGED, None),
        (S, G, None, 0, TierOutcome.UPGRADE, G),
        (S, D, S, 0, TierOutcome.UPGRADE, D),
        (S, G, None, 1, TierOutcome.BLOCKED, None),
        # one quarter of grace: the first missed quarter proposes nothing
        (G, S, None, 0, TierOutcome.GRACE, None),
        (G, S, G, 0, TierOutcome.GRACE, None),
        (G, S, D, 0, TierOutcome.GRACE, None),
        # missed two quarters in a row: downgrade to the better of the two
        (G, S, S, 0, TierOutcome.DOWNGRADE, S),
        (G, R, S, 0, TierOutcome.DOWNGRADE, S),
        (G, S, R, 0, TierOutcome.DOWNGRADE, S),
        (D, R, R, 0, TierOutcome.DOWNGRADE, R),
        (D, G, S, 1, TierOutcome.DOWNGRADE, G),  # a violation does not stop a downgrade
    ],
)
def test_tier_decision_with_the_grace_quarter(
    current, qualified, previous, violations, outcome, proposed
):
    assert tier_decision(
        current_rank=current,
        qualified_rank=qualified,
        previous_qualified_rank=previous,
        open_violations=violations,
    ) == (outcome, proposed)


# --- the quarterly evaluation ------------------------------------------------------------------


def test_evaluation_proposes_an_upgrade_with_its_figures(manager):
    # given a Silver partner that meets Gold over the trailing four quarters
    partner = PartnerFactory(tier=tier("silver"), channel_manager=manager)
    revenue(partner, "3000000", day="2025-11-30")  # 2025Q4 counts
    revenue(partner, "2500000")
    revenue(partner, "400000", kind="return")
    revenue(partner, "9000000", day="2025-09-30")  # 2025Q3 is outside the four quarters
    certify(partner, total=5, senior=1)
    answers(partner, "2026Q3", [10, 9, 9, 8, 3])  # (3 - 1) / 5 = 40
    # when
    summary = services.tier_evaluation_run(quarter=Q3)
    # then
    evaluation = TierEvaluation.objects.get(partner=partner, quarter="2026Q3")
    assert summary["upgrade"] == 1
    assert evaluation.outcome == TierOutcome.UPGRADE
    assert evaluation.status == ProposalStatus.PENDING
    assert evaluation.proposed_tier.code == "gold"
    assert evaluation.revenue == Decimal("5100000.00")
    assert (evaluation.certified_staff, evaluation.senior_certified_staff) == (5, 1)
    assert evaluation.nps == 40
    partner.refresh_from_db()
    assert partner.tier.code == "silver"  # nothing applies before the manager confirms
    assert Notification.objects.filter(recipient=manager, kind="partner.tier_proposals").exists()
    assert AuditEvent.objects.filter(action="tier.upgrade_proposed", partner=partner).exists()


def test_revenue_in_another_currency_is_converted_at_the_quarter_end_rate():
    # given a USD line and a USD→CNY rate before the quarter's end
    partner = PartnerFactory(tier=tier("registered"))
    FxRate.objects.create(
        base_currency="USD", quote_currency="CNY", rate_date="2026-09-30", rate=Decimal("7.1")
    )
    revenue(partner, "200000", currency="USD")
    certify(partner, total=2)
    # when
    services.tier_evaluation_run(quarter=Q3)
    # then
    evaluation = TierEvaluation.objects.get(partner=partner)
    assert evaluation.revenue == Decimal("1420000.00")
    assert evaluation.proposed_tier.code == "silver"


def test_empty_sources_count_as_zero():
    # given a Silver partner with no sales, certifications or survey answers
    partner = PartnerFactory(tier=tier("silver"))
    # when
    services.tier_evaluation_run(quarter=Q3)
    # then the first missed quarter is the grace quarter
    evaluation = TierEvaluation.objects.get(partner=partner)
    assert (evaluation.revenue, evaluation.certified_staff, evaluation.nps) == (0, 0, None)
    assert evaluation.qualified_tier.code == "registered"
    assert evaluation.outcome == TierOutcome.GRACE
    assert evaluation.status == ProposalStatus.NONE


def test_downgrade_is_proposed_only_after_two_missed_quarters(manager):
    # given a Gold partner that meets only Silver in Q2 and Q3
    partner = PartnerFactory(tier=tier("gold"), channel_manager=manager)
    revenue(partner, "1500000", day="2026-05-10")
    certify(partner, total=2)
    # when Q2 is evaluated
    services.tier_evaluation_run(quarter=Quarter.parse("2026Q2"))
    # then Q2 is the grace quarter
    assert TierEvaluation.objects.get(quarter="2026Q2").outcome == TierOutcome.GRACE
    # when Q3 is evaluated
    services.tier_evaluation_run(quarter=Q3)
    # then a downgrade to Silver is proposed
    evaluation = TierEvaluation.objects.get(quarter="2026Q3")
    assert evaluation.outcome == TierOutcome.DOWNGRADE
    assert evaluation.proposed_tier.code == "silver"
    assert list(tier_proposal_list_for(user=manager)) == [evaluation]


def test_a_quarter_back_above_the_requirement_resets_the_grace():
    # given a Gold partner that missed Q2 but met Gold again in Q3
    partner = PartnerFactory(tier=tier("gold"))
    certify(partner, total=5, senior=1)
    services.tier_evaluation_run(quarter=Quarter.parse("2026Q2"))
    revenue(partner, "5000000")
    answers(partner, "2026Q3", [10, 10, 10, 10, 10])
    services.tier_evaluation_run(quarter=Q3)
    # when Q4 misses Gold again (its customers turn detractors)
    answers(partner, "2026Q4", [0, 2, 9])
    services.tier_evaluation_run(quarter=Quarter.parse("2026Q4"))
    # then Q4 is a new grace quarter, not a downgrade
    outcomes = dict(TierEvaluation.objects.values_list("quarter", "outcome"))
    assert outcomes == {
        "2026Q2": TierOutcome.GRACE,
        "2026Q3": TierOutcome.UNCHANGED,
        "2026Q4": TierOutcome.GRACE,
    }


def test_open_violation_blocks_the_upgrade():
    # given a partner that qualifies for Silver with an open violation
    partner = PartnerFactory(tier=tier("registered"))
    revenue(partner, "1000000")
    certify(partner, total=2)
    services.compliance_violation_create(
        partner=partner, kind="other", description="Late report", actor=None
    )
    # when
    services.tier_evaluation_run(quarter=Q3)
    # then
    evaluation = TierEvaluation.objects.get(partner=partner)
    assert evaluation.outcome == TierOutcome.BLOCKED
    assert evaluation.proposed_tier is None
    assert evaluation.open_violations == 1


def test_rerunning_the_evaluation_changes_nothing(manager):
    # given an evaluated quarter
    partner = PartnerFactory(tier=tier("registered"), channel_manager=manager)
    revenue(partner, "1000000")
    certify(partner, total=2)
    services.tier_evaluation_run(quarter=Q3)
    rows = list(TierEvaluation.objects.values())
    notifications = Notification.objects.count()
    # when it runs again (task and command)
    tier_evaluation_run_task("2026Q3")
    call_command("evaluate_tiers", "--quarter", "2026Q3")
    # then
    assert list(TierEvaluation.objects.values()) == rows
    assert Notification.objects.count() == notifications


def test_a_new_proposal_supersedes_the_old_pending_one():
    # given a pending upgrade from Q2 that nobody decided
    partner = PartnerFactory(tier=tier("registered"))
    revenue(partner, "1000000", day="2026-05-01")
    certify(partner, total=2)
    services.tier_evaluation_run(quarter=Quarter.parse("2026Q2"))
    # when Q3 proposes again
    services.tier_evaluation_run(quarter=Q3)
    # then
    statuses = dict(TierEvaluation.objects.values_list("quarter", "status"))
    assert statuses == {"2026Q2": ProposalStatus.SUPERSEDED, "2026Q3": ProposalStatus.PENDING}


def test_terminated_partners_are_not_evaluated():
    PartnerFactory(status="terminated")
    assert services.tier_evaluation_run(quarter=Q3)["evaluated"] == 0


def test_command_refuses_a_bad_quarter():
    with pytest.raises(CommandError):
        call_command("evaluate_tiers", "--quarter", "2026Q5")


# --- confirmation and rejection ----------------------------------------------------------------


def _upgrade_proposal(manager) -> TierEvaluation:
    partner = PartnerFactory(tier=tier("registered"), channel_manager=manager)
    revenue(partner, "1000000")
    certify(partner, total=2)
    services.tier_evaluation_run(quarter=Q3)
    return TierEvaluation.objects.get(partner=partner)


def test_confirming_applies_the_tier_and_keeps_the_history(manager):
    # given
    proposal = _upgrade_proposal(manager)
    admin = PartnerUserFactory(partner=proposal.partner, role=Role.PARTNER_ADMIN)
    # when
    change = services.tier_proposal_confirm(evaluation=proposal, actor=manager, note="Well done")
    # then
    proposal.refresh_from_db()
    partner = Partner.objects.get(pk=proposal.partner_id)
    assert partner.tier.code == "silver"
    assert proposal.status == ProposalStatus.CONFIRMED
    assert proposal.decided_by == manager
    assert (change.from_tier.code, change.to_tier.code) == ("registered", "silver")
    assert change.figures["revenue"] == "1000000.00"
    assert change.figures["certified_staff"] == 2
    assert AuditEvent.objects.filter(action="partner.tier_changed", object_id=str(partner.pk))
    assert Notification.objects.filter(recipient=admin, kind="partner.tier_changed").exists()


def test_confirming_twice_is_refused(manager):
    proposal = _upgrade_proposal(manager)
    services.tier_proposal_confirm(evaluation=proposal, actor=manager)
    with pytest.raises(ValidationError):
        services.tier_proposal_confirm(evaluation=proposal, actor=manager)
    assert TierChange.objects.count() == 1


def test_confirming_is_refused_to_a_manager_of_other_partners(manager):
    proposal = _upgrade_proposal(manager)
    with pytest.raises(PermissionDenied):
        services.tier_proposal_confirm(evaluation=proposal, actor=staff())
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PENDING


def test_confirming_an_upgrade_is_refused_while_a_violation_is_open(manager):
    # given a violation opened after the evaluation
    proposal = _upgrade_proposal(manager)
    services.compliance_violation_create(
        partner=proposal.partner, kind="data_leak", description="Leak", actor=manager
    )
    # when / then
    with pytest.raises(ValidationError):
        services.tier_proposal_confirm(evaluation=proposal, actor=manager)
    assert Partner.objects.get(pk=proposal.partner_id).tier.code == "registered"


def test_confirming_is_refused_when_the_tier_moved_since(manager, admin_user):
    # given the partner's tier changed by another confirmed proposal
    proposal = _upgrade_proposal(manager)
    Partner.objects.filter(pk=proposal.partner_id).update(tier=tier("gold"))
    with pytest.raises(ValidationError):
        services.tier_proposal_confirm(evaluation=proposal, actor=admin_user)


def test_rejecting_keeps_the_tier_and_needs_a_reason(manager):
    proposal = _upgrade_proposal(manager)
    with pytest.raises(ValidationError) as exc:
        services.tier_proposal_reject(evaluation=proposal, actor=manager, reason="  ")
    assert "reason" in exc.value.error_dict
    services.tier_proposal_reject(evaluation=proposal, actor=manager, reason="One-off deal")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.REJECTED
    assert proposal.decision_note == "One-off deal"
    assert Partner.objects.get(pk=proposal.partner_id).tier.code == "registered"
    assert AuditEvent.objects.filter(action="tier.proposal_rejected").exists()


def test_closing_the_violation_lets_the_next_quarter_propose_the_upgrade():
    partner = PartnerFactory(tier=tier("registered"))
    revenue(partner, "1000000")
    certify(partner, total=2)
    violation = services.compliance_violation_create(
        partner=partner, kind="other", description="x", actor=None
    )
    services.tier_evaluation_run(quarter=Q3)
    services.compliance_violation_set_status(
        violation=violation, status=ViolationStatus.CLOSED, actor=staff(role=Role.ADMIN)
    )
    services.tier_evaluation_run(quarter=Quarter.parse("2026Q4"))
    assert TierEvaluation.objects.get(quarter="2026Q4").outcome == TierOutcome.UPGRADE


# --- pages -------------------------------------------------------------------------------------


def test_proposals_page_lists_the_figures(client, manager, django_assert_max_num_queries):
    # given several proposals of the manager's partners
    for _ in range(3):
        _upgrade_proposal(manager)
    client.force_login(manager)
    # when
    with django_assert_max_num_queries(12):
        response = client.get(reverse("partners:tier_proposals"))
    # then
    assert response.status_code == 200
    assert response.content.decode().count("1,000,000.00") == 3


def test_proposals_page_query_count_does_not_grow(client, manager, django_assert_max_num_queries):
    for _ in range(12):
        _upgrade_proposal(manager)
    client.force_login(manager)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("partners:tier_proposals")).status_code == 200


def test_proposals_page_is_refused_to_partner_users(client, partner_user):
    client.force_login(partner_user)
    assert client.get(reverse("partners:tier_proposals")).status_code == 403


def test_confirm_with_htmx_swaps_the_row(client, manager):
    proposal = _upgrade_proposal(manager)
    client.force_login(manager)
    response = client.post(
        reverse("partners:tier_proposal_confirm", args=[proposal.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert f'id="proposal-{proposal.pk}"' in response.content.decode()
    assert Partner.objects.get(pk=proposal.partner_id).tier.code == "silver"


def test_reject_without_reason_shows_the_error_and_changes_nothing(client, manager):
    proposal = _upgrade_proposal(manager)
    client.force_login(manager)
    response = client.post(
        reverse("partners:tier_proposal_reject", args=[proposal.pk]),
        {"reason": ""},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PENDING


def test_reject_without_htmx_redirects(client, manager):
    proposal = _upgrade_proposal(manager)
    client.force_login(manager)
    response = client.post(
        reverse("partners:tier_proposal_reject", args=[proposal.pk]), {"reason": "Too early"}
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.REJECTED


def test_another_managers_proposal_is_404(client, manager):
    proposal = _upgrade_proposal(manager)
    client.force_login(staff())
    url = reverse("partners:tier_proposal_confirm", args=[proposal.pk])
    assert client.post(url).status_code == 404
    assert Partner.objects.get(pk=proposal.partner_id).tier.code == "registered"


def test_partner_page_shows_the_tier_history(client, manager):
    proposal = _upgrade_proposal(manager)
    services.tier_proposal_confirm(evaluation=proposal, actor=manager)
    user = PartnerUserFactory(partner=proposal.partner)
    client.force_login(user)
    response = client.get(reverse("partners:my_company"))
    assert response.status_code == 200
    assert 'id="tier-history"' in response.content.decode()
    assert "1,000,000.00" in response.content.decode()


def test_partner_page_of_another_company_is_404(client, other_partner_user, manager):
    proposal = _upgrade_proposal(manager)
    client.force_login(other_partner_user)
    url = reverse("partners:partner_detail", args=[proposal.partner_id])
    assert client.get(url).status_code == 404


def test_beat_runs_the_evaluation_on_the_first_day_of_each_quarter(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["partners.tier-evaluation"]
    assert entry["task"] == "partners.tasks.tier_evaluation_run_task"
    schedule = entry["schedule"]
    assert schedule.day_of_month == {1}
    assert schedule.month_of_year == {1, 4, 7, 10}
    assert "partners.scorecard-yearly" in settings.CELERY_BEAT_SCHEDULE


def test_task_without_quarter_evaluates_the_quarter_just_ended(time_machine):
    time_machine.move_to(dt.datetime(2026, 10, 1, 2, tzinfo=dt.UTC))
    PartnerFactory()
    summary = tier_evaluation_run_task()
    assert summary["evaluated"] == 1
    assert TierEvaluation.objects.get().quarter == "2026Q3"


def test_command_prints_the_summary(capsys):
    PartnerFactory(tier=tier("silver"))
    call_command("evaluate_tiers", "--quarter", "2026Q3")
    assert "2026Q3: 1 evaluated, 0 already done" in capsys.readouterr().out
