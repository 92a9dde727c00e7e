"""In a real browser: finance opens a product's price list from the settings area, is refused a
floor above the guide price next to the field, schedules a new floor and sees it in the history,
on a desktop (1366 px) and a phone (390 px); a channel director reads it in Chinese."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.choices import Role
from deals.choices import PriceLevel
from deals.models import PriceListEntry
from deals.services import PriceChange, price_list_entry_schedule
from tests.browser.harness import screenshot, sign_in
from tests.factories import UserFactory, tier

from .factories import ProductFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_finance_schedules_a_floor_price_and_a_director_reads_it_in_chinese(browser, live_server):
    # given a product with a gold agreement discount and a guide price scheduled next month
    finance = UserFactory(role=Role.FINANCE)
    director = UserFactory(role=Role.CHANNEL_DIRECTOR, language="zh-hans")
    product = ProductFactory(sku="SW-4800-48P", name="Campus switch 48 ports")
    gold = tier("gold")
    today = timezone.localdate()
    next_month = today + datetime.timedelta(days=30)
    for change in (
        PriceChange(
            level=PriceLevel.AGREEMENT,
            valid_from=today,
            tier_id=gold.pk,
            discount_percent=Decimal("12.5"),
        ),
        PriceChange(
            level=PriceLevel.GUIDE, valid_from=next_month, price=Decimal("1100"), currency="CNY"
        ),
    ):
        price_list_entry_schedule(actor=finance, product=product, change=change)
    context = browser.new_context(
        base_url=live_server.url, locale="en-US", viewport={"width": 1366, "height": 900}
    )
    page = context.new_page()

    # when finance opens the price lists from the settings page
    sign_in(page, finance)
    page.goto("/settings/")
    page.click("text=Price lists")
    page.wait_for_selector("h1:has-text('Price lists')")
    screenshot(page, "deals-price-lists-1366")
    page.click("text=SW-4800-48P")
    page.wait_for_selector("#price-history")
    assert "CNY 875.00" in page.inner_text("#tier-prices")
    screenshot(page, "deals-price-list-1366")

    # and asks for a floor above the guide price from next week
    next_week = today + datetime.timedelta(days=7)
    page.click("#schedule-price")
    page.select_option("#id_level", "floor")
    page.fill("#id_price", "1200")
    page.select_option("#id_currency", "CNY")
    page.fill("#id_valid_from", next_week.isoformat())
    page.click("#save-price")
    # then the refusal stands next to the price, and nothing is stored
    assert "above the guide price" in page.inner_text("#error-price")
    assert PriceListEntry.objects.filter(product=product, level="floor").count() == 1
    screenshot(page, "deals-price-schedule-refused-1366")

    # when a floor of 650 is asked instead
    page.fill("#id_price", "650")
    page.click("#save-price")
    page.wait_for_selector("text=The new price holds from")
    # then the history shows it scheduled, and the running floor closed on its day
    history = page.inner_text("#price-history")
    assert next_week.isoformat() in history and "CNY 650.00" in history
    assert PriceListEntry.objects.get(product=product, level="floor", valid_to=next_week)

    # and the page works on a phone
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    _fits(page, 390)
    screenshot(page, "deals-price-list-390")
    context.close()

    # when the channel director reads the price list in Chinese
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 1366, "height": 900}
    )
    page = context.new_page()
    sign_in(page, director)
    page.goto(f"/deals/price-lists/{product.pk}/")
    # then the levels and the history read in Chinese
    body = page.inner_text("main")
    assert "零售底价" in body and "各等级渠道协议价" in body and "已排定" in body
    screenshot(page, "deals-price-list-zh-1366")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/deals/price-lists/{product.pk}/schedule/")
    _fits(page, 390)
    screenshot(page, "deals-price-schedule-zh-390")
    context.close()
