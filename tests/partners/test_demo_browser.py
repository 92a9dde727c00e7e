"""The demo data on screen: the channel manager's and the partner admin's dashboards and the
partner page render the demo's tiers, classes, proposals, agreements and credit."""

import pytest
from django.core.management import call_command

from accounts.demo import DEMO_PASSWORD
from accounts.models import User
from tests.browser.harness import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(time_machine):
    time_machine.move_to("2026-11-23T04:00:00Z", tick=True)
    # Transactional tests elsewhere flush the data the migrations ship: put it back.
    from funds.defaults import ensure_default_matrix
    from funds.models import ApprovalRule
    from partners.defaults import ensure_default_tiers
    from partners.models import Tier

    ensure_default_tiers(Tier)
    ensure_default_matrix(ApprovalRule)
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def _no_csp_errors(page):
    assert not [e for e in page.console_errors if "Content Security Policy" in e]


def test_demo_dashboards_and_partner_page(page, demo):
    from partners.models import TierEvaluation

    manager = User.objects.get(email="manager2@prm.demo")
    sign_in(page, manager, DEMO_PASSWORD)
    page.wait_for_selector("text=Partners by tier and class")
    screenshot(page, "demo-manager-dashboard")
    assert page.locator("text=Pending tier proposals").count()
    _no_csp_errors(page)

    partner = (
        TierEvaluation.objects.filter(status="pending", partner__channel_manager=manager)
        .select_related("partner")
        .first()
        .partner
    )
    page.goto(f"/partners/{partner.pk}/")
    page.wait_for_selector("#relationship")
    screenshot(page, "demo-partner-page")
    _no_csp_errors(page)

    page.context.clear_cookies()
    admin = User.objects.get(email="admin@northwind.demo")
    sign_in(page, admin, DEMO_PASSWORD)
    screenshot(page, "demo-partner-admin-dashboard")
    page.wait_for_selector("text=Your tier")
    page.goto("/partners/my-company/")
    page.wait_for_selector("#relationship")
    screenshot(page, "demo-my-company")
    _no_csp_errors(page)
