"""The global search box in a real browser (DESIGN §8.1): "/" focuses it, typing fills the list,
the arrow keys and Enter open a result, Escape closes the list; in English and in Chinese, and on
a phone 390 px wide."""

import re

import pytest

from accounts.choices import Role
from deals.rules import normalize_customer_name
from tests.deals.factories import DealFactory

from ..factories import PartnerUserFactory
from .harness import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BOX = "#global-search-q"
LIST = "#global-search-results"


def deal(name: str, **kwargs):
    return DealFactory(
        customer_name=name, customer_fingerprint=normalize_customer_name(name), **kwargs
    )


def test_typing_in_the_header_box_and_opening_a_result_with_the_keyboard(page):
    # given a partner user with a registration of Contoso, and another company's of the same
    seller = PartnerUserFactory(role=Role.PARTNER_SALES)
    own = deal("Contoso Tradings Ltd.", partner=seller.partner, project_name="Warehouse Wi-Fi")
    deal("Contoso Tradings Ltd.", project_name="Someone else's project")
    sign_in(page, seller)

    # when "/" focuses the box and the user types a near spelling
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "global-search-q"
    page.keyboard.type("Contoso Trading")
    page.wait_for_selector(f"{LIST} [role=option]")

    # then the list opens with the own registration only
    assert page.get_attribute(BOX, "aria-expanded") == "true"
    assert page.locator(f"{LIST} [aria-selected=true]").count() == 0
    listing = page.text_content(LIST)
    assert "Deal registrations" in listing and "Warehouse Wi-Fi" in listing
    assert "Someone else" not in listing
    screenshot(page, "search-dropdown-en")

    # Escape closes it, ArrowDown opens it again on the first result, Enter opens that result
    page.keyboard.press("Escape")
    assert page.is_hidden(LIST)
    page.keyboard.press("ArrowUp")
    assert page.get_attribute(BOX, "aria-activedescendant") == "search-option-all"
    page.keyboard.press("ArrowDown")
    assert page.get_attribute(BOX, "aria-activedescendant") == "search-option-deals-1"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/deals/{own.pk}/$"))
    assert not [e for e in page.console_errors if "Content Security Policy" in e]


def test_chinese_search_in_chinese_and_the_full_results_page(page):
    seller = PartnerUserFactory(role=Role.PARTNER_ADMIN, language="zh-hans")
    own = deal("华为技术有限公司", partner=seller.partner, project_name="园区网络")
    sign_in(page, seller)

    page.click(BOX)
    page.keyboard.type("华为技术")
    page.wait_for_selector(f"{LIST} [role=option]")
    listing = page.text_content(LIST)
    assert "商机报备" in listing and "华为技术有限公司" in listing
    screenshot(page, "search-dropdown-zh-hans")

    # Enter without a chosen result opens the full results page
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q="))
    assert page.locator("h1").first.inner_text() == "搜索"
    page.click(f"a[href='/deals/{own.pk}/']")
    page.wait_for_url(re.compile(rf"/deals/{own.pk}/$"))


def test_the_box_works_on_a_phone(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, locale="en-US", viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    try:
        seller = PartnerUserFactory(role=Role.PARTNER_SALES)
        deal("Northwind Traders Ltd.", partner=seller.partner)
        sign_in(page, seller)
        page.click(BOX)
        page.keyboard.type("northwind")
        page.wait_for_selector(f"{LIST} [role=option]")
        box = page.locator(LIST).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "search-dropdown-390")
    finally:
        context.close()
