"""In a real browser: a channel manager starts a partner's exit, hands its open deals over in bulk
and works the checklist, on a desktop (1366 px) and a phone (390 px); the leaving partner's admin
reads the checklist in Chinese."""

import pytest

from accounts.choices import Role
from deals.choices import DealStatus
from deals.models import Deal
from partners.models import ExitItem, PartnerExit
from tests.browser.harness import screenshot, sign_in
from tests.deals.factories import DealFactory
from tests.factories import PartnerFactory, PartnerUserFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_a_manager_walks_a_partner_exit(page):
    # given a managed partner with two open registrations and another partner to receive them
    manager = UserFactory(role=Role.CHANNEL_MANAGER, full_name="Wang Lei")
    leaving = PartnerFactory(channel_manager=manager, legal_name="杭州远景网络科技有限公司")
    receiver = PartnerFactory(channel_manager=manager, legal_name="上海华信系统集成有限公司")
    sales = PartnerUserFactory(partner=leaving, role=Role.PARTNER_SALES)
    admin = PartnerUserFactory(partner=leaving, role=Role.PARTNER_ADMIN, language="zh-hans")
    deals = [
        DealFactory(partner=leaving, registered_by=sales, project_name=f"Campus Wi-Fi {n}")
        for n in (1, 2, 3)
    ]
    Deal.objects.filter(pk__in=[d.pk for d in deals]).update(status=DealStatus.SUBMITTED)
    page.set_viewport_size({"width": 1366, "height": 900})

    # when the manager starts the exit from the partner page
    sign_in(page, manager)
    page.goto(f"/partners/{leaving.pk}/")
    page.click("text=Start an exit")
    page.select_option("select[name=kind]", "termination")
    page.fill("input[name=exit_date]", "2099-12-31")
    page.fill("textarea[name=reason]", "Serious breach not remedied after written notice.")
    page.click("button:has-text('Start the exit')")
    page.wait_for_selector("h1:has-text('Exit')")
    partner_exit = PartnerExit.objects.get(partner=leaving)
    assert "3 left" in page.locator("#step-deals").inner_text()
    screenshot(page, "partners-exit-checklist-1366")

    # and hands two deals over to the other partner in one go
    page.click("#step-deals >> text=Hand over deals")
    page.wait_for_selector("h1:has-text('Hand over deals')")
    for deal in deals[:2]:
        page.check(f"tr[data-deal='{deal.pk}'] input[data-bulk-row]")
    with page.expect_response(lambda r: "/partners/suggestions/" in r.url) as answer:
        page.fill("input[name=to_partner]", "华信系统")
    assert f'value="{receiver.tax_id}"' in answer.value.text()
    page.fill("input[name=to_partner]", receiver.tax_id)  # the suggestion picked
    screenshot(page, "deals-exit-handover-1366")
    page.click("button:has-text('Hand over the selected deals')")
    page.wait_for_selector("#handover-result")
    assert "Handed over: 2 done, 0 not done." in page.inner_text("#bulk-summary")
    assert list(Deal.objects.filter(partner=leaving)) == [deals[2]]

    # and, on a phone, gives the last one back to the vendor
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/deals/exits/{partner_exit.pk}/handover/")
    _fits(page, 390)
    page.check(f"tr[data-deal='{deals[2].pk}'] input[data-bulk-row]")
    screenshot(page, "deals-exit-handover-390")
    page.click("button:has-text('Hand over the selected deals')")
    page.wait_for_selector("#handover-result")
    assert Deal.objects.get(pk=deals[2].pk).status == DealStatus.EXPIRED

    # and works the checklist: deals done, lead offers withdrawn, materials back
    page.click("text=Back to the checklist")
    page.click("#step-deals >> button:has-text('Mark done')")
    page.wait_for_selector(".messages")
    page.click("#step-leads >> button:has-text('Withdraw the lead offers')")
    page.wait_for_selector(".messages")
    page.fill("#step-materials input[name=note]", "Demo rack collected")
    page.click("#step-materials >> button:has-text('Mark done')")
    page.wait_for_selector(".messages")
    done = set(
        ExitItem.objects.filter(exit=partner_exit, done_at__isnull=False).values_list(
            "step", flat=True
        )
    )
    assert done == {"deals", "leads", "materials"}

    # then the checklist reads well on a phone
    _fits(page, 390)
    screenshot(page, "partners-exit-checklist-390")

    # and the leaving partner's admin reads it, in Chinese, without any action
    page.context.clear_cookies()
    sign_in(page, admin)
    page.goto(f"/partners/exits/{partner_exit.pk}/")
    assert "退出" in page.inner_text("h1")
    assert page.locator(".checklist form").count() == 0
    assert page.locator("text=标记为完成").count() == 0
    _fits(page, 390)
    screenshot(page, "partners-exit-partner-view-390")
