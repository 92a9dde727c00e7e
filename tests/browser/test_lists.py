"""The deal list in a real browser (DESIGN §8.1): a filter, a sort and a saved view, in English
and in Chinese."""

import pytest

from accounts.choices import Role
from core.models import SavedView
from tests.deals.factories import DealFactory

from ..factories import PartnerFactory, UserFactory
from .harness import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _project_names(page) -> list[str]:
    return page.locator("table.list tbody tr td:first-child").all_inner_texts()


@pytest.mark.parametrize(
    ("language", "region", "customer", "save", "saved_label"),
    [
        ("en", "Shanghai", "Customer", "Save view", "Saved views"),
        ("zh-hans", "上海", "客户", "保存视图", "已保存的视图"),
    ],
)
def test_filter_sort_and_save_a_view_of_the_deal_list(
    page, language, region, customer, save, saved_label
):
    # given deals in Shanghai and Beijing and a channel manager reading in the language
    partner = PartnerFactory(legal_name="华东网络科技有限公司")
    DealFactory(partner=partner, customer_region="CN-SH", customer_name="Beta", project_name="SH-B")
    DealFactory(
        partner=partner, customer_region="CN-SH", customer_name="Alpha", project_name="SH-A"
    )
    DealFactory(
        partner=partner, customer_region="CN-BJ", customer_name="Gamma", project_name="BJ-G"
    )
    manager = UserFactory(role=Role.CHANNEL_MANAGER, language=language)
    sign_in(page, manager)
    if language != "en":
        page.click(f"button[data-lang={language}]")
        page.wait_for_load_state()
    page.goto("/deals/")

    # when they filter by the region's name as they would say it
    page.fill("input[name=region]", region)
    page.click("#list-apply")
    page.wait_for_load_state()
    # then only the Shanghai deals are listed
    assert sorted(_project_names(page)) == ["SH-A", "SH-B"]

    # when they sort by customer, the rows follow and the header says so
    page.click(f"th[data-column=customer] a:has-text('{customer}')")
    page.wait_for_load_state()
    assert _project_names(page) == ["SH-A", "SH-B"]
    assert page.get_attribute("th[data-column=customer]", "aria-sort") == "ascending"
    page.click("th[data-column=customer] a")
    page.wait_for_load_state()
    assert _project_names(page) == ["SH-B", "SH-A"]
    assert page.get_attribute("th[data-column=customer]", "aria-sort") == "descending"

    # when they save the view under a name
    page.click(f"details.saved-views summary:has-text('{saved_label}')")
    page.fill("#saved-view-name", "上海 · newest")
    page.click(f"form.save-view button:has-text('{save}')")
    page.wait_for_load_state()
    assert SavedView.objects.filter(user=manager, list_key="deals").count() == 1

    # then after clearing the filters, applying the saved view brings them back
    page.goto("/deals/")
    assert len(_project_names(page)) == 3
    page.click("details.saved-views summary")
    page.click("a.saved-view:has-text('上海 · newest')")
    page.wait_for_load_state()
    assert _project_names(page) == ["SH-B", "SH-A"]
    assert page.input_value("input[name=region]") == region
    screenshot(page, f"deal-list-saved-view-{language}")
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
