"""A settings change in a real browser: an administrator lowers the countersign threshold from
the Settings entry of the sidebar and finds the change, before → after, in the audit log. At 1366
and 390 px."""

from decimal import Decimal

import pytest

from accounts.choices import Role
from settlement.models import SettlementPolicy

from ..factories import staff
from .harness import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"1366": {"width": 1366, "height": 900}, "390": {"width": 390, "height": 844}}


@pytest.fixture
def sized_page(browser, live_server, request):
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-US",
        viewport=WIDTHS[request.param],
        reduced_motion="reduce",
    )
    page = context.new_page()
    page.width_name = request.param
    yield page
    context.close()


@pytest.mark.parametrize("sized_page", ["1366", "390"], indirect=True)
def test_a_settings_change_shows_in_the_audit_log(sized_page):
    page = sized_page
    width = int(page.width_name)
    # given an administrator on the Settings page
    sign_in(page, staff(Role.ADMIN))
    page.goto("/settings/")
    page.click("text=Settlement settings")
    page.wait_for_load_state()
    # when a negative threshold is refused next to its field, then a good one is saved
    page.fill("#id_policy-countersign_threshold", "-5")
    page.click("#save-policy")
    page.wait_for_load_state()
    assert page.locator(
        "#field-countersign_threshold .errorlist, #field-countersign_threshold .error"
    ).count()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"settings-refused-{page.width_name}")
    page.fill("#id_policy-countersign_threshold", "500000")
    page.click("#save-policy")
    page.wait_for_load_state()
    assert "Settings saved" in page.content()
    assert SettlementPolicy.current().countersign_threshold == Decimal("500000")
    # then the audit log shows the change, before and after
    page.goto("/audit/")
    body = page.locator("main").inner_text()
    assert "1000000" in body.replace(",", "") and "500000" in body.replace(",", "")
    screenshot(page, f"settings-audit-{page.width_name}")
