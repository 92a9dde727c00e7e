"""The portal shell in a real browser: sign in, switch language, be refused, sign out."""

import pytest

from accounts.choices import Role

from ..factories import PartnerUserFactory, UserFactory
from .harness import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_shows_dashboard_without_csp_violations(page):
    user = UserFactory(role=Role.CHANNEL_MANAGER, full_name="Wang Lei")
    sign_in(page, user)
    assert page.locator("h1").first.inner_text() == "Dashboard"
    assert "Welcome, Wang" in page.content()
    shot = screenshot(page, "dashboard-channel-manager")
    assert shot.stat().st_size > 10_000
    assert not [e for e in page.console_errors if "Content Security Policy" in e]


def test_wrong_password_keeps_user_on_sign_in_with_message(page):
    user = UserFactory()
    sign_in_page = page
    sign_in_page.goto("/accounts/login/")
    sign_in_page.fill("input[name=username]", user.email)
    sign_in_page.fill("input[name=password]", "not-the-password")
    sign_in_page.click("#sign-in")
    assert "not correct" in sign_in_page.content()


def test_language_switch_to_chinese_and_back(page):
    user = UserFactory(role=Role.FINANCE)
    sign_in(page, user)
    page.click("button[data-lang=zh-hans]")
    page.wait_for_load_state()
    assert page.locator("h1").first.inner_text() == "仪表板"
    screenshot(page, "dashboard-zh-hans")
    page.click("button[data-lang=en]")
    page.wait_for_load_state()
    assert page.locator("h1").first.inner_text() == "Dashboard"


def test_partner_user_is_denied_a_staff_page(page):
    user = PartnerUserFactory(role=Role.PARTNER_SALES)
    sign_in(page, user)
    response = page.goto("/jobs/")
    assert response.status == 403
    assert page.locator("#error-title").inner_text() == "Access denied"


def test_sign_out_returns_to_sign_in(page):
    user = UserFactory()
    sign_in(page, user)
    page.click("#logout")
    page.wait_for_url("**/accounts/login/")
    page.goto("/")
    assert "/accounts/login/" in page.url
