"""The partner's lead offers on the list framework in a real browser (DESIGN §4.6, §8.1): a
filter, a sort and a saved view, in English and Chinese, on a desktop and on a phone."""

import pytest

from accounts.choices import Role
from core.models import SavedView
from deals import services

from ..factories import PartnerFactory, PartnerUserFactory, UserFactory, tier
from .harness import PHONE, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _projects(page) -> list[str]:
    return [
        text.split("\n")[0]
        for text in page.locator("table.list tbody tr td:first-child").all_inner_texts()
    ]


def _world():
    gold = PartnerFactory(
        tier=tier("gold"), regions=["CN-SH", "CN-ZJ"], legal_name="杭州金桥网络有限公司"
    )
    publisher = UserFactory(role=Role.CHANNEL_MANAGER)
    for project, region, value in (
        ("数据中心扩容", "CN-ZJ", "2400000"),
        ("Harbour cameras", "CN-SH", "120000"),
        ("仓库无线网络", "CN-SH", "380000"),
    ):
        services.lead_publish(
            actor=publisher,
            data={
                "customer_name": f"{project} 有限公司",
                "customer_region": region,
                "project_name": project,
                "estimated_value": value,
                "currency": "CNY",
            },
        )
    return PartnerUserFactory(role=Role.PARTNER_SALES, partner=gold)


@pytest.mark.parametrize(
    ("language", "region", "value", "save", "saved_label"),
    [
        ("en", "Shanghai", "Estimated value", "Save view", "Saved views"),
        ("zh-hans", "上海", "预估金额", "保存视图", "已保存的视图"),
    ],
)
@pytest.mark.parametrize("width", [1366, PHONE["width"]])
def test_filter_sort_and_save_a_view_of_the_lead_offers(
    browser, live_server, width, language, region, value, save, saved_label
):
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-US",
        viewport={"width": width, "height": 900 if width > PHONE["width"] else PHONE["height"]},
        reduced_motion="reduce",
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    try:
        seller = _world()
        seller.language = language
        seller.save()
        sign_in(page, seller)
        page.goto("/deals/leads/")
        assert sorted(_projects(page)) == sorted(
            ["数据中心扩容", "Harbour cameras", "仓库无线网络"]
        )

        # when the seller filters by the region's name as they would say it
        page.fill("input[name=region]", region)
        page.click("#list-apply")
        page.wait_for_load_state()
        assert sorted(_projects(page)) == ["Harbour cameras", "仓库无线网络"]

        # when they sort by estimated value, the rows follow and the header says so
        page.click(f"th[data-column=value] a:has-text('{value}')")
        page.wait_for_load_state()
        assert _projects(page) == ["Harbour cameras", "仓库无线网络"]
        assert page.get_attribute("th[data-column=value]", "aria-sort") == "ascending"

        # when they save the view, then it brings the filter and the order back later
        page.click(f"details.saved-views summary:has-text('{saved_label}')")
        page.fill("#saved-view-name", "上海 · by value")
        page.click(f"form.save-view button:has-text('{save}')")
        page.wait_for_load_state()
        assert SavedView.objects.filter(user=seller, list_key="lead-offers").count() == 1
        page.goto("/deals/leads/")
        assert len(_projects(page)) == 3
        page.click("details.saved-views summary")
        page.click("a.saved-view:has-text('上海 · by value')")
        page.wait_for_load_state()
        assert _projects(page) == ["Harbour cameras", "仓库无线网络"]
        assert page.input_value("input[name=region]") == region
        # nothing sticks out of a phone's screen but the table, which scrolls in its own box
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1
        screenshot(page, f"lead-offers-{width}-{language}")
        assert not [e for e in errors if "Content Security Policy" in e]
    finally:
        context.close()
