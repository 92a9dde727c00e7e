"""Dashboard charts in a real browser (DESIGN §8, §8.2): each role's dashboard draws its charts
under the strict content security policy, in English and Chinese, at 1366 and 390 px, without
spilling past the phone's screen; the table stays in the page for screen readers and a button
shows it; without JavaScript the tables are the figures."""

import datetime

import pytest
from django.utils import timezone

from accounts.choices import Role
from core.dashboard_charts import last_quarters
from deals.choices import DealStatus
from deals.models import Deal, DealLine
from partners.models import NpsWarning
from settlement.models import ReconciliationAnomaly, ReconciliationRun
from tests.browser.harness import assert_fits_the_phone, screenshot, sign_in
from tests.deals.factories import DealFactory
from tests.factories import PartnerFactory, PartnerUserFactory, UserFactory
from tests.funds.factories import allocation
from tests.settlement.factories import published_statement
from tests.training.factories import CertificationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
LANGUAGES = ["en", "zh-hans"]
CHARTS = {
    "manager": [
        "registrations",
        "sla-win-rate",
        "pipeline-by-region",
        "mdf-by-quarter",
        "nps-warnings-by-quarter",
    ],
    "partner": ["own-registrations", "certification-coverage"],
    "finance": ["statements-by-month", "reconciliation-by-month", "payables-outstanding"],
}


def world(language: str) -> dict:
    manager = UserFactory(role=Role.CHANNEL_MANAGER, language=language, full_name="李娜")
    partner = PartnerFactory(
        channel_manager=manager, legal_name="杭州华东数码有限公司", regions=["CN-ZJ", "CN-SH"]
    )
    admin = PartnerUserFactory(partner=partner, role=Role.PARTNER_ADMIN, language=language)
    now = timezone.now()
    for months_ago, status in (
        (0, DealStatus.SUBMITTED),
        (1, DealStatus.WON),
        (2, DealStatus.LOST),
    ):
        deal = DealFactory(partner=partner, customer_region="CN-ZJ")
        when = now - datetime.timedelta(days=31 * months_ago)
        Deal.objects.filter(pk=deal.pk).update(
            status=status,
            submitted_at=when,
            decided_at=when + datetime.timedelta(hours=3),
            sla_due_at=when + datetime.timedelta(days=2),
            closed_on=when.date() if status in (DealStatus.WON, DealStatus.LOST) else None,
        )
    allocation(partner, "50000.00")
    for quarter, level in zip(last_quarters()[-3:], ("yellow", "red", "red"), strict=True):
        NpsWarning.objects.create(
            partner=PartnerFactory(channel_manager=manager), quarter=quarter, level=level, nps=-5
        )
    DealLine.objects.filter(deal__status=DealStatus.WON).update(final=True)
    CertificationFactory(user=admin)
    published_statement(partner, "1200.00")
    run = ReconciliationRun.objects.create(matched_by_reference=9, finished_at=now)
    ReconciliationAnomaly.objects.create(
        kind="payment_without_order", partner=partner, run=run, currency="CNY"
    )
    finance = UserFactory(role=Role.FINANCE, language=language)
    return {"manager": manager, "partner": admin, "finance": finance}


def drawn(page, key: str) -> None:
    """The chart's canvas is on screen with a size, its table kept for screen readers."""
    canvas = page.locator(f"#chart-{key}")
    canvas.wait_for(state="visible")
    box = canvas.bounding_box()
    assert box and box["width"] > 50 and box["height"] > 50, key
    table = page.locator(f"#chart-{key}-table")
    if table.count():
        assert "visually-hidden" in table.get_attribute("class")


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_role_dashboard_draws_its_charts(browser, live_server, language):
    users = world(language)
    for role, user in users.items():
        for size, viewport in WIDTHS.items():
            context = browser.new_context(
                base_url=live_server.url, locale="en-US", viewport=viewport
            )
            page = context.new_page()
            errors: list[str] = []
            page.on(
                "console",
                lambda msg, errors=errors: msg.type == "error" and errors.append(msg.text),
            )
            page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
            sign_in(page, user)
            page.goto("/")
            for key in CHARTS[role]:
                drawn(page, key)
            # Chinese labels come from the page: the month axis in the reader's language.
            if language == "zh-hans" and role != "partner":
                assert "年" in page.locator("#dashboard").inner_text()
            if size == "phone":
                assert_fits_the_phone(page)
            screenshot(page, f"dashboard-charts-{role}-{size}-{language}")
            # A CSP refusal or a script error is a console error (the favicon's 404 is not ours).
            assert not [e for e in errors if "Failed to load resource" not in e], errors
            context.close()


def test_the_table_button_shows_the_figures(browser, live_server):
    users = world("en")
    context = browser.new_context(base_url=live_server.url, viewport=WIDTHS["desktop"])
    page = context.new_page()
    sign_in(page, users["finance"])
    page.goto("/")
    drawn(page, "statements-by-month")
    button = page.locator(
        "#chart-statements-by-month ~ * .dash-chart-toggle, figure[data-chart='chart-statements-by-month-data'] .dash-chart-toggle"
    )
    button.click()
    assert button.get_attribute("aria-expanded") == "true"
    assert page.locator("#chart-statements-by-month-table").is_visible()
    context.close()


def test_without_javascript_the_tables_are_the_figures(browser, live_server):
    users = world("en")
    context = browser.new_context(
        base_url=live_server.url, viewport=WIDTHS["phone"], java_script_enabled=False
    )
    page = context.new_page()
    sign_in(page, users["finance"])
    page.goto("/")
    assert page.locator("#chart-statements-by-month-table").is_visible()
    assert not page.locator("#chart-statements-by-month").is_visible()
    screenshot(page, "dashboard-charts-finance-no-js")
    context.close()
