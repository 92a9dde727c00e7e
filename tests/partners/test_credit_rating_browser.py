"""The credit rating page, the proposals finance decides and the manager's NPS warning card, in a
real browser at desktop (1366 px) and phone (390 px) widths."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.choices import Role
from core.periods import Quarter
from partners import services
from partners.models import CreditLimitProposal
from tests.browser.harness import ARTIFACTS, screenshot, sign_in
from tests.factories import PartnerFactory, staff

from .programme import answers
from .test_credit_rating import END, days, order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

Q3 = Quarter(2026, 3)
WIDTHS = {"1366": {"width": 1366, "height": 900}, "390": {"width": 390, "height": 844}}


def _rated_partner():
    partner = PartnerFactory(
        legal_name="深圳智联网络股份有限公司", classification="A", credit_limit=Decimal("500000.00")
    )
    services.credit_rating_run(quarter=Q3.previous(), partner_ids=[partner.pk])
    order(partner, "80000", on=END - days(60), paid="60000", paid_on=END - days(40))
    order(partner, "23800", on=END - days(70), paid="23800", paid_on=END - days(20))
    services.credit_rating_run(quarter=Q3, partner_ids=[partner.pk])
    return partner


def _page(browser, live_server, width: str):
    context = browser.new_context(base_url=live_server.url, locale="en-US", viewport=WIDTHS[width])
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.console_errors = errors
    return context, page


def _no_horizontal_scroll(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


# The phone is read in Chinese: the page and its figures in the reader's language.
TEXTS = {
    "1366": ("en", "Credit rating", "was AAA", "The decision was recorded."),
    "390": ("zh-hans", "信用评级", "原为 AAA", "审批结果已记录。"),
}


@pytest.mark.parametrize("width", WIDTHS)
def test_finance_reads_the_rating_and_decides_the_proposal(browser, live_server, width):
    language, title, was, recorded = TEXTS[width]
    context, page = _page(browser, live_server, width)
    try:
        partner = _rated_partner()
        finance = staff(Role.FINANCE, language=language)
        sign_in(page, finance)
        page.goto(f"/partners/{partner.pk}/credit-rating/")
        page.wait_for_selector(f"h1:has-text('{title}')")
        assert page.locator(f"text={was}").count() >= 1
        _no_horizontal_scroll(page, WIDTHS[width]["width"])
        screenshot(page, f"partners-credit-rating-{width}")
        page.goto("/partners/credit/proposals/")
        proposal = CreditLimitProposal.objects.get(partner=partner)
        row = f"#proposal-{proposal.pk}"
        _no_horizontal_scroll(page, WIDTHS[width]["width"])
        screenshot(page, f"partners-credit-proposals-{width}")
        page.fill(f"{row} textarea[name=note]", "Short payment of August still open")
        page.click(f"{row} button[value=approve]")
        page.wait_for_selector(f"text={recorded}")
        partner.refresh_from_db()
        assert partner.credit_limit == proposal.proposed_limit
        screenshot(page, f"partners-credit-proposals-decided-{width}")
        assert not [e for e in page.console_errors if "Content Security Policy" in e]
    finally:
        context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_manager_dashboard_shows_the_nps_warnings_with_the_trend(browser, live_server, width):
    context, page = _page(browser, live_server, width)
    try:
        manager = staff(Role.CHANNEL_MANAGER)
        falling = PartnerFactory(channel_manager=manager, legal_name="华东数字科技有限公司")
        low = PartnerFactory(channel_manager=manager, legal_name="Northwind Traders GmbH")
        for quarter, scores in (
            (Q3.previous().previous(), [10, 10, 9, 9, 8]),
            (Q3.previous(), [10, 9, 9, 8, 7]),
            (Q3, [10, 6, 7, 8, 5]),
        ):
            answers(falling, str(quarter), scores)
        answers(low, str(Q3), [9, 8, 7, 6, 8])
        services.nps_warning_run(quarter=Q3)
        sign_in(page, manager)
        # the warnings card (the chart of warnings by quarter is another card)
        card = page.locator(".card:has(h2:has-text('NPS warnings'))").filter(
            has=page.locator("svg.spark")
        )
        card.wait_for()
        assert card.locator("text=华东数字科技有限公司").count() == 1
        assert card.locator("svg.spark polyline").count() == 2
        _no_horizontal_scroll(page, WIDTHS[width]["width"])
        screenshot(page, f"partners-manager-dashboard-{width}")
        ARTIFACTS.mkdir(exist_ok=True)
        card.screenshot(path=str(ARTIFACTS / f"partners-nps-warning-card-{width}.png"))
        page.goto("/partners/nps-warnings/")
        page.wait_for_selector("h1:has-text('NPS warnings')")
        screenshot(page, f"partners-nps-warnings-{width}")
        assert not [e for e in page.console_errors if "Content Security Policy" in e]
    finally:
        context.close()
