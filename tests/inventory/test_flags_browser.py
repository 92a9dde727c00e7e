"""In a real browser: a channel manager confirms a diversion flag into a warning, then a second into
a deduction on the partner's next statement, on a desktop (1366 px) and a phone (390 px); the
partner's admin reads the outcome in Chinese, without the review buttons."""

from __future__ import annotations

import datetime

import pytest

from accounts.choices import Role
from inventory import scans
from inventory.choices import FlagStatus, PenaltyStep
from inventory.models import InventoryFlag
from settlement.choices import EntryKind
from settlement.models import SettlementEntry
from tests.browser.harness import screenshot, sign_in
from tests.factories import PartnerFactory, PartnerUserFactory, UserFactory
from tests.inventory.factories import InventoryReportFactory, SellThroughLineFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def _confirm(page, flag: InventoryFlag, reason: str) -> None:
    page.goto(f"/inventory/flags/{flag.pk}/")
    page.fill("textarea[name=reason]", reason)
    page.click("#flag-confirm")
    page.wait_for_selector(".messages")


def test_a_manager_confirms_two_diversion_flags_into_a_warning_then_a_deduction(page):
    # given a Shanghai partner whose October and November reports sold in Beijing
    manager = UserFactory(role=Role.CHANNEL_MANAGER, full_name="Wang Lei")
    partner = PartnerFactory(
        legal_name="杭州远景网络科技有限公司", regions=["CN-SH"], channel_manager=manager
    )
    admin = PartnerUserFactory(partner=partner, role=Role.PARTNER_ADMIN, language="zh-hans")
    for month in (datetime.date(2026, 10, 1), datetime.date(2026, 11, 1)):
        SellThroughLineFactory(
            report=InventoryReportFactory(partner=partner, month=month),
            partner=partner,
            sold_on=month.replace(day=12),
            customer_region="CN-BJ",
        )
    scans.flags_raise(month=datetime.date(2026, 10, 1))
    scans.flags_raise(month=datetime.date(2026, 11, 1))
    first, second = InventoryFlag.objects.order_by("line__sold_on")
    page.set_viewport_size({"width": 1366, "height": 900})

    # when the manager opens the queue and confirms the first flag
    sign_in(page, manager)
    page.goto("/inventory/flags/?status=open")
    assert page.locator("#flag-table tbody tr").count() == 2
    screenshot(page, "inventory-flags-queue-1366")
    page.goto(f"/inventory/flags/{first.pk}/")
    assert "Shanghai" in page.inner_text("#territory")
    screenshot(page, "inventory-flag-evidence-1366")
    _confirm(page, first, "Sold to a Beijing customer, outside the territory.")

    # then it is a warning
    assert "Warning" in page.inner_text("#penalty-step")
    first.refresh_from_db()
    assert first.status == FlagStatus.CONFIRMED and first.penalty.step == PenaltyStep.WARNING

    # when, on a phone, the manager confirms the second one
    page.set_viewport_size({"width": 390, "height": 844})
    _confirm(page, second, "Beijing again, a month later.")
    _fits(page, 390)
    screenshot(page, "inventory-flag-deduction-390")

    # then a deduction is queued for the partner's next statement
    second.refresh_from_db()
    assert second.penalty.step == PenaltyStep.DEDUCTION
    [entry] = SettlementEntry.objects.filter(partner=partner, kind=EntryKind.PENALTY)
    assert entry.amount == -second.penalty.amount and entry.statement is None

    # and the partner's admin reads the outcome in Chinese, with no review buttons
    page.context.clear_cookies()
    sign_in(page, admin)
    page.goto(f"/inventory/flags/{second.pk}/")
    assert "罚款扣减" in page.inner_text("#penalty-step")
    assert page.locator("#flag-confirm").count() == 0
    _fits(page, 390)
    screenshot(page, "inventory-flag-partner-zh-390")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/inventory/flags/")
    screenshot(page, "inventory-flags-partner-zh-1366")
