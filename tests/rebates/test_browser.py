"""The accrual page in a real browser: a partner reads how its rebate was calculated."""

import pytest

from rebates.models import Accrual
from rebates.services import accruals_calculate
from tests.browser.harness import screenshot, sign_in
from tests.factories import PartnerUserFactory, tier

from .factories import PERIOD, line, programme, target

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_partner_reads_the_trace_of_its_accrual(page):
    # given the worked example for a Gold partner
    user = PartnerUserFactory(partner__tier=tier("gold"))
    prog = programme(name="Standard quarterly rebate", strategic_product_codes=["STRAT"])
    target(prog, user.partner, 1_000_000)
    line(user.partner, 950_000)
    line(user.partner, 200_000, sku="STRAT", order="SO-2", deal="D-7")
    accruals_calculate(period=PERIOD, partner_range=(0, 2**62))
    accrual = Accrual.objects.get()
    # when
    sign_in(page, user)
    page.goto(f"/rebates/{accrual.pk}/")
    # then
    content = page.content()
    assert "133,100.00" in content
    assert "115.00 %" in content
    screenshot(page, "rebates-accrual-detail")
    assert not [e for e in page.console_errors if "Content Security Policy" in e]


def test_finance_sees_every_partners_accruals_with_recalculate_and_close(page):
    from accounts.choices import Role
    from tests.factories import PartnerFactory, staff

    # given two partners with accruals
    prog = programme(name="Standard quarterly rebate")
    for code in ("silver", "gold"):
        partner = PartnerFactory(tier=tier(code))
        target(prog, partner, 1_000_000)
        line(partner, 1_050_000)
    accruals_calculate(period=PERIOD, partner_range=(0, 2**62))
    user = staff(Role.FINANCE)
    # when
    sign_in(page, user)
    page.goto("/rebates/?period=2026Q3")
    # then
    content = page.content()
    assert "Close and hand to settlement" in content
    assert content.count("105.00 %") == 2
    screenshot(page, "rebates-accrual-list-finance")
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
