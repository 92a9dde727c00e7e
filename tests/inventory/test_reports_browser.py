"""A partner's sell-through import in a real browser (DESIGN §11, §9): from the reports page to
the import page, a file with a wrong line refused row by row, the corrected file imported, the
report and its lines shown. At 1366 and 390 px, in English and Chinese."""

from __future__ import annotations

import pytest
from django.utils import timezone

from accounts.choices import Role
from core.models import ImportBatch, ImportStatus
from inventory.models import InventoryReport
from tests.browser.harness import assert_fits_the_phone, screenshot, sign_in
from tests.deals.factories import ProductFactory
from tests.factories import PartnerFactory, PartnerUserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"1366": {"width": 1366, "height": 900}, "390": {"width": 390, "height": 844}}
TEXTS = {
    "en": {"title": "Inventory reports", "current": "Current version"},
    "zh-hans": {"title": "库存报告", "current": "当前版本"},
}
HEADER = "sold_on,sku,quantity,unit_price,currency,customer_name,customer_region,serial_numbers\n"


@pytest.fixture
def sized_page(browser, live_server, request):
    context = browser.new_context(
        base_url=live_server.url, locale="en-US", viewport=WIDTHS[request.param]
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.console_errors = errors
    page.width_name = request.param
    yield page
    context.close()


def _upload(page, content: str, name: str) -> ImportBatch:
    page.goto("/inventory/reports/")
    page.click("a[href='/imports/new/sell_through/']")
    page.set_input_files(
        "input[name=file]", {"name": name, "mimeType": "text/csv", "buffer": content.encode()}
    )
    page.click("#upload")
    page.wait_for_selector("#import-status")
    return ImportBatch.objects.latest("pk")


@pytest.mark.parametrize("sized_page", ["1366", "390"], indirect=True)
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_partner_imports_its_sell_through_and_sees_the_report(sized_page, language):
    page = sized_page
    # given a dealer's administrator and a product
    partner = PartnerFactory(legal_name="杭州华东数码有限公司")
    user = PartnerUserFactory(partner=partner, role=Role.PARTNER_ADMIN, language=language)
    ProductFactory(sku="RT-100")
    day = timezone.localdate().replace(day=1)
    sign_in(page, user)
    # when a file with an unknown product is uploaded from the reports page
    bad = HEADER + f"{day},RT-999,2,800.00,CNY,上海某某科技有限公司,CN-SH,\n"
    batch = _upload(page, bad, "sell-through.csv")
    # then it is refused with the row's message and nothing is written
    assert batch.status == ImportStatus.REJECTED
    assert page.locator("#import-errors td code", has_text="sku").count() == 1
    screenshot(page, f"inventory-import-refused-{language}-{page.width_name}")
    assert not InventoryReport.objects.exists()

    # when the corrected file is uploaded
    good = HEADER + f"{day},RT-100,2,800.00,CNY,上海某某科技有限公司,上海,SN-1;SN-2\n"
    batch = _upload(page, good, "sell-through.csv")
    assert batch.status == ImportStatus.IMPORTED, batch.errors
    # then the report is listed and its page shows the line and that it is current
    report = InventoryReport.objects.get()
    page.goto("/inventory/reports/")
    assert TEXTS[language]["title"] in page.locator("h1").inner_text()
    page.click(f"a[href='/inventory/reports/{report.pk}/']")
    page.wait_for_selector("#versions")
    assert TEXTS[language]["current"] in page.content()
    assert "上海某某科技有限公司" in page.content() and "SN-1, SN-2" in page.content()
    screenshot(page, f"inventory-report-{language}-{page.width_name}")
    if page.width_name == "390":
        assert_fits_the_phone(page)
    assert [e for e in page.console_errors if "404" not in e] == []
