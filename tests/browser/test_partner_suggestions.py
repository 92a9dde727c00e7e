"""A partner field typed by name gets suggestions in a real browser (the rebate target form)."""

import pytest

from accounts.choices import Role
from tests.rebates.factories import programme

from ..factories import PartnerFactory, UserFactory
from .harness import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_typing_a_partner_name_suggests_it_and_the_tax_id_is_entered(page):
    # given finance and a partner among others
    star = PartnerFactory(legal_name="上海星辰科技有限公司", tax_id="91310000STAR00001X")
    PartnerFactory(legal_name="Contoso Trading Ltd")
    programme()
    sign_in(page, UserFactory(role=Role.FINANCE))
    page.goto("/rebates/targets/")

    # when part of the name is typed into the partner field
    page.fill("#id_partner", "星辰科技")
    page.wait_for_selector("#id_partner-suggestions option", state="attached")

    # then the datalist offers that partner by its tax ID, and no other
    options = page.eval_on_selector_all(
        "#id_partner-suggestions option", "els => els.map(e => [e.value, e.textContent])"
    )
    assert options == [[star.tax_id, star.legal_name]]
    screenshot(page, "target-partner-suggestions-en")
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
