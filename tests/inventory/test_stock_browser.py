"""The staff channel-inventory view in a real browser (DESIGN §11, §8.1, §8.2): grouping and a
region filter, the trend chart drawn without any script, in English and Chinese, on a desktop and
a phone."""

import pytest

from accounts.choices import Role
from tests.browser.harness import PHONE, assert_fits_the_phone, screenshot, sign_in
from tests.factories import UserFactory

from .stock_world import build_stock_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _page(browser, live_server, viewport):
    context = browser.new_context(base_url=live_server.url, viewport=viewport)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.console_errors = errors
    return context, page


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_staff_see_channel_inventory_by_group_with_the_trend(browser, live_server, language):
    # given figures refreshed for three partners, and a manager reading in `language`
    build_stock_world()
    manager = UserFactory(role=Role.CHANNEL_MANAGER, language=language)
    for name, viewport in (("1366", {"width": 1366, "height": 900}), ("390", PHONE)):
        context, page = _page(browser, live_server, viewport)
        sign_in(page, manager)
        # when they open the overview grouped by partner
        page.goto("/inventory/?sort=name")
        # then each partner's days of inventory shows, with the trend drawn as SVG
        table = page.locator("#stock-table")
        assert "Home Inventory Ltd" in table.inner_text()
        assert "56.8" in table.inner_text()
        assert page.locator("#stock-trend svg rect.bar").count() == 12
        heading = "渠道库存" if language == "zh-hans" else "Channel inventory"
        assert heading in page.locator("h1").inner_text()
        if viewport is PHONE:
            assert_fits_the_phone(page)
        screenshot(page, f"inventory-stock-{language}-{name}")
        # and grouped by region, filtered by a region's name, one row remains
        region = "北京" if language == "zh-hans" else "Beijing"
        page.goto(f"/inventory/?group=region&region={region}")
        rows = page.locator("#stock-table tbody tr")
        assert rows.count() == 1 and "400.0" in rows.inner_text()
        screenshot(page, f"inventory-stock-region-{language}-{name}")
        # the strict CSP refused nothing (no inline script or style on these pages)
        assert not [e for e in page.console_errors if "Content Security Policy" in e]
        context.close()
