"""Names given in English and Chinese, in a real browser: a rebate programme, a course, a product on
a deal and a statement line read in the reader's language, at desktop (1366 px) and phone (390 px)
widths."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.choices import Role
from settlement import services as settlement
from settlement.choices import EntryKind
from tests.browser.harness import screenshot, sign_in
from tests.deals.factories import DealFactory, ProductFactory, ProductFamilyFactory
from tests.factories import PartnerFactory, staff
from tests.rebates.factories import programme
from tests.training.factories import CourseFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"1366": {"width": 1366, "height": 900}, "390": {"width": 390, "height": 844}}
# (programme, course, product, statement line) as each reader sees them
SHOWN = {
    "en": ("Standard quarterly rebate", "Routing fundamentals", "Core router", "Rebate Standard"),
    "zh-hans": ("标准季度返利", "路由基础", "核心路由器", "返利：标准季度返利"),
}


def _world():
    programme(name="Standard quarterly rebate", name_zh="标准季度返利")
    course = CourseFactory(title="Routing fundamentals", title_zh="路由基础")
    product = ProductFactory(
        name="Core router",
        name_zh="核心路由器",
        family=ProductFamilyFactory(code="router", name="Routers", name_zh="路由器"),
    )
    partner = PartnerFactory(legal_name="上海华东信息科技有限公司")
    deal = DealFactory(partner=partner, lines=[(product, 2, Decimal("900.00"))])
    settlement.settlement_entry_queue(
        partner=partner,
        kind=EntryKind.REBATE_ACCRUAL,
        amount=Decimal("133100.00"),
        currency="CNY",
        description_key="rebates.accrual",
        description_params={
            "programme": {"en": "Standard quarterly rebate", "zh": "标准季度返利"},
            "period": "2026Q3",
        },
        source_type="tests.bilingual",
        source_id=1,
        period="2026Q3",
    )
    statement = settlement.statement_build(partner=partner, period="2026Q3")
    return course, deal, statement


@pytest.mark.parametrize("language", SHOWN)
@pytest.mark.parametrize("width", WIDTHS)
def test_names_read_in_the_readers_language(browser, live_server, width, language):
    course, deal, statement = _world()
    programme_name, course_title, product_name, line_text = SHOWN[language]
    other = SHOWN["zh-hans" if language == "en" else "en"]
    context = browser.new_context(base_url=live_server.url, locale="en-US", viewport=WIDTHS[width])
    page = context.new_page()
    try:
        sign_in(page, staff(Role.ADMIN, language=language))
        pages = [
            ("rebates-programmes", reverse("rebates:programme_list"), programme_name, other[0]),
            (
                "training-course",
                reverse("training:course_detail", args=[course.pk]),
                course_title,
                other[1],
            ),
            ("deals-deal", f"/deals/{deal.pk}/", product_name, other[2]),
            (
                "settlement-statement",
                reverse("settlement:statement_detail", args=[statement.pk]),
                line_text,
                other[3],
            ),
        ]
        for name, url, shown, hidden in pages:
            page.goto(url)
            content = page.content()
            assert shown in content, name
            assert hidden not in content, name
            assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width]["width"]
            screenshot(page, f"bilingual-{name}-{language}-{width}")
    finally:
        context.close()
