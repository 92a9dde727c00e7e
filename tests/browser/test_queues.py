"""The approval queue in a real browser (DESIGN §4.3, §8.1): a channel manager selects rows,
approves them in bulk with one reason, and reads per row what was done and why one was not — in
English and in Chinese. The selection script is a static file under the strict CSP."""

import pytest

from accounts.choices import Role
from core.models import AuditEvent
from deals import services
from deals.choices import DealStatus
from deals.models import Deal
from tests.deals.factories import DealFactory

from ..factories import PartnerFactory, UserFactory
from .harness import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXTS = {
    "en": {
        "title": "Approval queue",
        "approve": "Approve",
        "summary": "Approve: 3 done, 1 not done.",
        "refusal": "Needs a channel director: cross-region.",
    },
    "zh-hans": {
        "title": "审批队列",
        "approve": "批准",
        "summary": "批准：3 项完成，1 项未完成。",
        "refusal": "需要渠道总监审批：跨区域。",
    },
}


def submitted(**kwargs) -> Deal:
    deal = DealFactory(**kwargs)
    return services.deal_submit(deal=deal, actor=deal.registered_by)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_manager_bulk_approves_and_reads_the_one_failure(page, language):
    # given a channel manager (not a director) with three plain registrations and a cross-region one
    texts = TEXTS[language]
    manager = UserFactory(role=Role.CHANNEL_MANAGER, language=language)
    partner = PartnerFactory(
        channel_manager=manager, regions=["CN-SH"], legal_name="东方网络有限公司"
    )
    plain = [submitted(partner=partner, customer_name=f"客户{i}有限公司") for i in range(3)]
    cross = submitted(
        partner=partner, customer_name="广州远方贸易有限公司", customer_region="CN-GD"
    )

    # when the manager opens the queue and sees the counts per flag
    sign_in(page, manager)
    page.goto("/deals/queue/")
    assert page.locator("h1").first.inner_text() == texts["title"]
    assert page.locator("[data-flag=all] [data-count]").inner_text() == "4"
    assert page.locator("[data-flag=cross_region] [data-count]").inner_text() == "1"
    approve = page.locator("button[name=decision][value=approve]")
    assert approve.is_disabled()

    # and selects the rows (all at once in English, one by one in Chinese)
    if language == "en":
        page.check("input[data-bulk-all]")
    else:
        for deal in [*plain, cross]:
            page.check(f"input[data-bulk-row][value='{deal.pk}']")
        assert page.locator("input[data-bulk-all]").is_checked()
    assert page.locator("[data-bulk-count]").inner_text() == "4"
    page.fill("#bulk-form textarea[name=reason]", "Checked in the weekly review")
    screenshot(page, f"deal-queue-bulk-selected-{language}")
    assert approve.inner_text() == texts["approve"]
    approve.click()
    page.wait_for_selector("#bulk-summary")

    # then the result lists three done and the cross-region one with its reason
    assert page.locator("#bulk-summary").inner_text() == texts["summary"]
    for deal in plain:
        assert page.locator(f"[data-bulk-outcome='{deal.pk}'][data-ok='1']").is_visible()
    failed = page.locator(f"[data-bulk-outcome='{cross.pk}'][data-ok='0']")
    assert texts["refusal"] in failed.inner_text()
    screenshot(page, f"deal-queue-bulk-result-{language}")
    statuses = dict(Deal.objects.values_list("pk", "status"))
    assert [statuses[d.pk] for d in plain] == [DealStatus.APPROVED] * 3
    assert statuses[cross.pk] == DealStatus.SUBMITTED
    assert AuditEvent.objects.filter(action="deal.approved").count() == 3
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
