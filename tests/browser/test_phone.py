"""Every page works on a phone (DESIGN §8.2): at 390 px the navigation is a drawer opened by a Menu
button that is always on screen, nothing is wider than the screen (wide tables scroll inside their
card) and buttons never wrap a Chinese word one character per line — in English and in Chinese."""

import re

import pytest
from playwright.sync_api import expect

from accounts.choices import Role
from deals import services
from deals.choices import DealStatus
from deals.models import Deal
from settlement import services as settlement_services
from tests.deals.factories import DealFactory, ProductFactory
from tests.settlement.factories import built_statement

from ..factories import PartnerFactory, PartnerUserFactory, UserFactory
from .harness import assert_fits_the_phone, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGUAGES = ["en", "zh-hans"]
MENU = "[data-menu-toggle]"
DRAWER = "#site-nav"


def focus_is_in_drawer(page) -> bool:
    return page.evaluate("document.activeElement.closest('#site-nav') !== null")


def one_line(page, selector: str) -> None:
    """The button's text is on one line: its height is that of one line of text plus padding."""
    height = page.locator(selector).first.evaluate(
        "el => el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight)"
    )
    assert height < 2, f"{selector} wraps ({height:.1f} lines)"


def open_drawer(page) -> None:
    page.click(MENU)
    expect(page.locator(f"{DRAWER} nav a").first).to_be_focused()
    assert page.get_attribute(MENU, "aria-expanded") == "true"
    box = page.locator(DRAWER).bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390


@pytest.mark.parametrize("language", LANGUAGES)
def test_partner_registers_a_deal_from_the_drawer(phone_page, language):
    page = phone_page
    product = ProductFactory(name="Campus switch 48p")
    seller = PartnerUserFactory(
        role=Role.PARTNER_SALES,
        language=language,
        partner__regions=["CN-SH"],
        partner__legal_name="上海华东数字科技有限公司",
        full_name="Zhang Wei",
    )

    # when the partner signs in on a phone
    sign_in(page, seller)
    # then the drawer is closed, the Menu button is on screen and on one line
    assert not page.locator(DRAWER).is_visible()
    assert_fits_the_phone(page)
    one_line(page, MENU)
    screenshot(page, f"phone-dashboard-partner-{language}")

    # when the Menu button is pressed the drawer opens and takes the focus
    open_drawer(page)
    assert focus_is_in_drawer(page)
    # and the account, language and sign-out live in it
    assert page.locator("#drawer-logout").is_visible()
    one_line(page, "#drawer-logout")
    screenshot(page, f"phone-drawer-open-{language}")
    # Tab stays in the drawer: back from its first link to its last button, and round again
    page.keyboard.press("Shift+Tab")
    expect(page.locator("#drawer-logout")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator(f"{DRAWER} nav a").first).to_be_focused()
    # Escape closes it and gives the focus back to the Menu button
    page.keyboard.press("Escape")
    expect(page.locator(DRAWER)).to_be_hidden()
    assert page.get_attribute(MENU, "aria-expanded") == "false"
    expect(page.locator(MENU)).to_be_focused()
    # and so does a tap on the shaded page beside it
    open_drawer(page)
    page.mouse.click(370, 600)
    expect(page.locator(DRAWER)).to_be_hidden()
    assert page.get_attribute(MENU, "aria-expanded") == "false"

    # when the partner goes to the deals through the drawer and registers one
    open_drawer(page)
    page.click(f"{DRAWER} a[href='/deals/']")
    page.wait_for_url(re.compile(r"/deals/$"))
    assert_fits_the_phone(page)
    page.click("a[href='/deals/new/']")
    page.wait_for_url(re.compile(r"/deals/new/$"))
    assert_fits_the_phone(page)
    page.fill("input[name=customer_name]", "上海远航物流股份有限公司")
    page.select_option("select[name=customer_region]", "CN-SH")
    page.fill("input[name=industry]", "logistics")
    page.fill("input[name=project_name]", "DC core refresh")
    page.fill("input[name=expected_close_date]", "2027-03-31")
    page.select_option("select[name=lines-0-product]", str(product.pk))
    page.fill("input[name=lines-0-quantity]", "10")
    page.fill("input[name=lines-0-unit_price]", "950")
    screenshot(page, f"phone-deal-form-{language}")
    page.click("form.card button[type=submit]")
    page.wait_for_url(re.compile(r"/deals/\d+/$"))
    assert_fits_the_phone(page)
    page.click("form[action$='/submit/'] button")
    page.wait_for_load_state()

    # then the registration is submitted and its page still fits the phone
    deal = Deal.objects.get(project_name="DC core refresh")
    assert deal.partner_id == seller.partner_id
    assert deal.status == DealStatus.SUBMITTED
    assert_fits_the_phone(page)
    screenshot(page, f"phone-deal-submitted-{language}")
    assert not [e for e in page.console_errors if "Content Security Policy" in e]


@pytest.mark.parametrize("language", LANGUAGES)
def test_manager_approves_a_deal_from_its_page_on_a_phone(phone_page, language):
    page = phone_page
    manager = UserFactory(role=Role.CHANNEL_MANAGER, language=language, full_name="Wang Fang")
    partner = PartnerFactory(
        channel_manager=manager, regions=["CN-SH"], legal_name="东方网络有限公司"
    )
    deal = DealFactory(partner=partner, customer_name="上海远航物流有限公司")
    deal = services.deal_submit(deal=deal, actor=deal.registered_by)

    # when the manager opens the registration on a phone and approves it
    sign_in(page, manager)
    assert_fits_the_phone(page)  # the dashboard, its funnel and its tables
    screenshot(page, f"phone-dashboard-manager-{language}")
    page.goto(f"/deals/{deal.pk}/")
    assert_fits_the_phone(page)
    one_line(page, "form[action$='/approve/decide/'] button")
    screenshot(page, f"phone-deal-detail-manager-{language}")
    page.click("form[action$='/approve/decide/'] button")
    page.wait_for_load_state()

    # then it is approved and the page still fits
    deal.refresh_from_db()
    assert deal.status == DealStatus.APPROVED
    assert_fits_the_phone(page)
    assert not [e for e in page.console_errors if "Content Security Policy" in e]


@pytest.mark.parametrize("language", LANGUAGES)
def test_finance_reads_statements_on_a_phone_and_a_laptop(phone_page, language):
    page = phone_page
    partner = PartnerFactory(legal_name="上海华东数字科技有限公司")
    statement = built_statement(partner, "86500.00")
    settlement_services.statement_submit(statement=statement, actor=UserFactory(role=Role.FINANCE))
    finance = UserFactory(role=Role.FINANCE, language=language, full_name="Fiona Finance")

    sign_in(page, finance)
    assert_fits_the_phone(page)
    screenshot(page, f"phone-dashboard-finance-{language}")
    for path, name in (
        ("/settlement/statements/", "statement-list"),
        (f"/settlement/statements/{statement.pk}/", "statement-detail"),
    ):
        # on a phone the page fits, and its wide table scrolls inside its card
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(path)
        assert_fits_the_phone(page)
        assert statement.number in page.content()
        wrap = page.locator(".table-wrap").first
        assert wrap.evaluate("el => getComputedStyle(el).overflowX") == "auto"
        box = wrap.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
        screenshot(page, f"phone-{name}-390-{language}")
        # on a laptop the sidebar is shown and the Menu button is not
        page.set_viewport_size({"width": 1366, "height": 900})
        page.reload()
        assert page.locator(DRAWER).is_visible()
        assert not page.locator(MENU).is_visible()
        assert not page.locator("#drawer-logout").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366
        screenshot(page, f"phone-{name}-1366-{language}")
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
