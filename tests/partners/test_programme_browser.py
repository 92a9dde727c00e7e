"""The channel manager confirms a tier proposal in a real browser (htmx), and the pages render."""

import pytest

from accounts.choices import Role
from partners import services
from partners.choices import ScorecardKind
from partners.models import Partner, TierEvaluation
from tests.browser.harness import screenshot, sign_in
from tests.factories import PartnerFactory, PartnerUserFactory, staff, tier

from .programme import Q3, answers, certify, revenue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_confirms_a_tier_proposal(page):
    # given a pending upgrade of the manager's partner
    manager = staff(role=Role.CHANNEL_MANAGER)
    partner = PartnerFactory(
        tier=tier("registered"), channel_manager=manager, legal_name="Huadong Networks"
    )
    revenue(partner, "1000000")
    certify(partner, total=2)
    answers(partner, "2026Q3", [10, 9, 7])
    services.tier_evaluation_run(quarter=Q3)
    proposal = TierEvaluation.objects.get(partner=partner)
    sign_in(page, manager)
    # when
    page.goto("/partners/tiers/proposals/")
    screenshot(page, "partners-tier-proposals")
    page.click(f"#proposal-{proposal.pk} button:has-text('Confirm')")
    page.wait_for_selector(f"#proposal-{proposal.pk} >> text=Confirmed")
    # then
    assert Partner.objects.get(pk=partner.pk).tier.code == "silver"
    page.goto(f"/partners/{partner.pk}/")
    page.wait_for_selector("#tier-history")
    screenshot(page, "partners-detail-tier-history")
    assert not [e for e in page.console_errors if "Content Security Policy" in e]


def test_scorecard_nps_and_dashboard_pages_render(page):
    manager = staff(role=Role.CHANNEL_MANAGER)
    partner = PartnerFactory(tier=tier("silver"), channel_manager=manager)
    answers(partner, "2026Q3", [10, 9, 3, 8])
    scorecard = services.scorecard_evaluate(
        partner=partner, actor=manager, kind=ScorecardKind.ON_DEMAND, reason="Complaint"
    )
    sign_in(page, manager)
    page.goto(f"/partners/scorecards/{scorecard.pk}/")
    screenshot(page, "partners-scorecard")
    page.goto(f"/partners/{partner.pk}/nps/")
    screenshot(page, "partners-nps")
    page.goto("/")
    screenshot(page, "partners-manager-dashboard")
    admin = PartnerUserFactory(partner=partner, role=Role.PARTNER_ADMIN)
    page.context.clear_cookies()
    sign_in(page, admin)
    screenshot(page, "partners-admin-dashboard")
    assert page.locator("text=To reach Gold").count() == 1


def test_administrator_creates_a_weight_set_and_the_scorecard_names_it(page):
    # given an administrator and a distributor in Shanghai
    admin = staff(role=Role.ADMIN)
    partner = PartnerFactory(partner_type="distributor", regions=["CN-SH"], channel_manager=admin)
    sign_in(page, admin)
    # when the administrator creates "Distributor · East China" on the settings page
    page.goto("/partners/scorecards/weight-sets/new/")
    page.fill("#id_name", "Distributor · East China")
    page.check("input[name=partner_types][value=distributor]")
    page.check("input[name=regions][value=CN-SH]")
    page.check("input[name=regions][value=CN-JS]")
    page.fill("#id_weight_revenue", "50")
    page.fill("#id_weight_marketing", "10")
    page.fill("#id_weight_satisfaction", "10")
    page.fill("#id_weight_compliance", "20")
    page.fill("#id_weight_team", "10")
    screenshot(page, "partners-weight-set-form")
    page.click("button:has-text('Save')")
    page.wait_for_selector("text=Weight sets by partner type and region")
    screenshot(page, "partners-scorecard-weights")
    # then the partner's next scorecard is scored with it and says so
    scorecard = services.scorecard_evaluate(
        partner=partner, actor=admin, kind=ScorecardKind.ON_DEMAND, reason="Review"
    )
    page.goto(f"/partners/scorecards/{scorecard.pk}/")
    screenshot(page, "partners-scorecard-weight-set")
    assert page.locator("#weights-used").inner_text() == "weights: Distributor · East China"
