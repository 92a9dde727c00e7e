"""The partners demo data: idempotent, ~50 partners over every tier, type and region, a
distributor hierarchy, agreements in every state, applications at every pipeline step."""

import pytest

from accounts import demo as accounts_demo
from accounts.models import User
from core.periods import Quarter
from partners import demo
from partners.choices import AgreementStatus, ApplicationStatus, ExitStatus, PartnerType, TierCode
from partners.models import SCORE_FIELDS, Agreement, Partner, PartnerApplication, PartnerExit
from partners.rules import is_valid_credit_code
from tests.factories import tier

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(time_machine):
    time_machine.move_to("2026-11-23T04:00:00Z")
    tier("silver")
    accounts_demo.seed()
    demo.seed()
    demo.seed()


def test_seed_is_idempotent_and_covers_tiers_types_and_regions(seeded):
    assert 45 <= Partner.objects.count() <= 60
    assert set(Partner.objects.values_list("tier__code", flat=True)) == set(TierCode.values)
    assert set(Partner.objects.values_list("partner_type", flat=True)) == set(PartnerType.values)
    regions = {r for rs in Partner.objects.values_list("regions", flat=True) for r in rs}
    assert len(regions) >= 20
    assert {"DE", "US", "JP", "SG", "HK"} <= regions


def test_demo_keeps_the_four_companies_and_their_logins(seeded):
    for domain in ("huadong", "zhilian", "northwind", "yunqi"):
        for role in ("admin", "sales", "finance"):
            assert User.objects.get(email=f"{role}@{domain}.demo").check_password(
                accounts_demo.DEMO_PASSWORD
            )


def test_every_chinese_tax_id_passes_the_check_digit(seeded):
    for tax_id in Partner.objects.filter(country="CN").values_list("tax_id", flat=True):
        assert is_valid_credit_code(tax_id), tax_id
    for tax_id in PartnerApplication.objects.values_list("tax_id", flat=True):
        assert is_valid_credit_code(tax_id), tax_id


def test_distributors_have_dealers_two_levels_deep(seeded):
    dealers = Partner.objects.filter(parent__isnull=False)
    assert dealers.count() >= 20
    assert not dealers.exclude(parent__partner_type=PartnerType.DISTRIBUTOR).exists()
    assert not dealers.filter(parent__parent__isnull=False).exists()


def test_agreements_in_every_state_and_some_expiring(seeded):
    assert set(Agreement.objects.values_list("status", flat=True)) == set(AgreementStatus.values)
    assert Agreement.objects.filter(version=2).exists()
    from partners.selectors import agreements_expiring_for

    admin = User.objects.get(email="admin@prm.demo")
    assert agreements_expiring_for(user=admin).exists()


def test_applications_at_every_pipeline_step(seeded):
    statuses = set(PartnerApplication.objects.values_list("status", flat=True))
    assert statuses >= set(ApplicationStatus.values) - {ApplicationStatus.ACTIVE}


# --- NPS, tier evaluations and history, scorecards (DESIGN §2.3, §2.4) -------------------------


def test_nps_answers_for_the_last_two_quarters_for_most_partners(seeded):
    from partners.models import NpsResponse

    surveyed = NpsResponse.objects.values("partner").distinct().count()
    assert surveyed >= 0.75 * Partner.objects.count()
    assert set(NpsResponse.objects.values_list("quarter", flat=True)) == {"2026Q2", "2026Q3"}
    assert NpsResponse.objects.count() == 16 * surveyed


def test_pending_upgrade_and_downgrade_proposals_for_both_demo_managers(seeded):
    from partners.choices import ProposalStatus, TierOutcome
    from partners.models import TierEvaluation
    from partners.selectors import tier_proposal_list_for

    for email in ("manager@prm.demo", "manager2@prm.demo"):
        manager = User.objects.get(email=email)
        pending = tier_proposal_list_for(user=manager).filter(status=ProposalStatus.PENDING)
        assert 1 <= pending.count() <= 10, email
        assert {p.outcome for p in pending} & {TierOutcome.UPGRADE, TierOutcome.DOWNGRADE}
    pending = TierEvaluation.objects.filter(status=ProposalStatus.PENDING)
    assert {p.outcome for p in pending} == {TierOutcome.UPGRADE, TierOutcome.DOWNGRADE}
    assert set(pending.values_list("quarter", flat=True)) == {"2026Q3"}


def test_evaluations_follow_the_tier_rules_including_the_grace_quarter(seeded):
    from partners.models import Tier, TierEvaluation
    from partners.rules import qualified_tier, tier_decision
    from partners.selectors import partner_nps_latest

    tiers = list(Tier.objects.all())
    evaluations = TierEvaluation.objects.select_related(
        "current_tier", "qualified_tier", "proposed_tier"
    ).filter(quarter__in=["2026Q2", "2026Q3"])
    assert evaluations.filter(quarter="2026Q3").count() == Partner.objects.count()
    earlier = {(e.partner_id, e.quarter): e.qualified_tier.rank for e in evaluations}
    for e in evaluations:
        nps = partner_nps_latest(partner_ids=[e.partner_id], up_to=Quarter.parse(e.quarter))
        assert e.nps == nps.get(e.partner_id)
        qualified = qualified_tier(
            tiers,
            revenue=e.revenue,
            certified=e.certified_staff,
            senior=e.senior_certified_staff,
            nps=e.nps,
        )
        assert qualified == e.qualified_tier
        previous = earlier.get((e.partner_id, str(Quarter.parse(e.quarter).previous())))
        if e.quarter == "2026Q2":
            previous = (
                TierEvaluation.objects.filter(partner_id=e.partner_id, quarter="2026Q1")
                .values_list("qualified_tier__rank", flat=True)
                .first()
            )
        outcome, rank = tier_decision(
            current_rank=e.current_tier.rank,
            qualified_rank=qualified.rank,
            previous_qualified_rank=previous,
            open_violations=e.open_violations,
        )
        assert e.outcome == outcome
        assert (e.proposed_tier.rank if e.proposed_tier else None) == rank
    assert evaluations.filter(outcome="grace").exists()


def test_tier_history_rows_justified_by_confirmed_upgrades(seeded):
    from partners.models import TierChange

    changes = TierChange.objects.select_related("evaluation", "from_tier", "to_tier")
    assert changes.count() >= 3
    for change in changes:
        assert change.to_tier.rank == change.from_tier.rank + 1
        assert change.partner.tier_id == change.to_tier_id
        assert change.evaluation.status == "confirmed"
        assert change.figures["quarter"] == "2026Q1"


def test_yearly_scorecards_give_every_active_partner_its_class(seeded):
    from partners.choices import PartnerStatus
    from partners.models import Scorecard
    from partners.rules import classification_for, weighted_total
    from partners.selectors import scorecard_weights_current

    default = scorecard_weights_current().as_dict()
    active = Partner.objects.filter(status=PartnerStatus.ACTIVE)
    scorecards = Scorecard.objects.filter(kind="yearly", year=2025)
    assert scorecards.count() == active.count()
    for scorecard in scorecards.select_related("partner", "weight_set"):
        scores = {name: getattr(scorecard, name) for name in SCORE_FIELDS}
        weights = scorecard.weight_set.as_dict() if scorecard.weight_set else default
        assert scorecard.weights == weights
        assert scorecard.total == weighted_total(scores, weights)
        assert scorecard.classification == classification_for(scorecard.total)
        assert scorecard.partner.classification == scorecard.classification
    assert set(scorecards.values_list("classification", flat=True)) == {"A", "B", "C"}


def test_the_class_widget_counts_the_scorecard_classes(seeded, client):
    manager = User.objects.get(email="manager@prm.demo")
    client.force_login(manager)
    response = client.get("/")
    widget = next(
        c for c in response.context["widgets"] if c["template"].endswith("by_tier_class.html")
    )
    mine = Partner.objects.filter(channel_manager=manager)
    assert widget["total"] == mine.count()
    for klass in "ABC":
        column = "ABC".index(klass)
        assert (
            sum(row["cells"][column] for row in widget["rows"])
            == mine.filter(classification=klass).count()
        )


def test_seeding_twice_adds_no_programme_rows(seeded):
    from partners.models import NpsResponse, Scorecard, TierChange, TierEvaluation

    counts = [m.objects.count() for m in (NpsResponse, Scorecard, TierChange, TierEvaluation)]
    demo.seed()
    assert counts == [
        m.objects.count() for m in (NpsResponse, Scorecard, TierChange, TierEvaluation)
    ]


def test_one_partner_is_in_exit_with_its_checklist_started(seeded):
    # given the seeded demo (twice), then one network partner is leaving, once
    (partner_exit,) = PartnerExit.objects.unrestricted("test").all()
    assert partner_exit.status == ExitStatus.OPEN and partner_exit.kind == "non_renewal"
    assert partner_exit.items.get(step="materials").is_done
    assert partner_exit.items.filter(done_at__isnull=True).count() == 6
    # and its admin reads the checklist
    admin = User.objects.get(email=demo.LEAVING_ADMIN)
    assert admin.partner == partner_exit.partner


def test_demo_has_weight_sets_and_scorecards_that_used_them(seeded):
    from partners.models import Scorecard, ScorecardWeightSet

    assert set(ScorecardWeightSet.objects.values_list("name", flat=True)) == {
        "Distributor · East China",
        "ISV",
    }
    used = set(Scorecard.objects.values_list("weight_set_name", flat=True))
    assert {"", "ISV"} <= used


def test_nps_warnings_of_both_quarters_in_every_colour(seeded):
    from partners.models import NpsWarning

    latest = str(Quarter.parse("2026Q4").previous())
    levels = set(NpsWarning.objects.filter(quarter=latest).values_list("level", flat=True))
    assert levels == {"red", "yellow", "blue"}
    assert NpsWarning.objects.filter(quarter=str(Quarter.parse(latest).previous())).exists()
    assert NpsWarning.objects.values("partner", "quarter").distinct().count() == (
        NpsWarning.objects.count()
    )
