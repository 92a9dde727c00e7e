"""Settlement dashboard cards (DESIGN §8): finance's figures and the partner's to-do."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.choices import Role
from settlement import services
from tests.factories import PartnerFactory, staff

from .factories import approved_statement, built_statement, fx, published_statement
from .recon_factories import payment, run_matching

pytestmark = pytest.mark.django_db


def card(response, template):
    return next(c for c in response.context["widgets"] if c["template"] == template)


def test_finance_card_counts_states_payable_disputes_and_anomalies(client, partner):
    # given
    built_statement(PartnerFactory())
    approved_statement(PartnerFactory(), "200.00")
    fx("USD", "CNY", "7.10")
    usd = PartnerFactory(contract_currency="USD")
    approved_statement(usd, "50.00")
    disputed = published_statement(partner, "300.00")
    partner_user = staff(Role.PARTNER_FINANCE, partner=partner)
    services.statement_dispute(
        statement=disputed,
        actor=partner_user,
        line_ids=[disputed.lines.get().pk],
        reason="Too low",
    )
    payment(partner, "5.00")
    run_matching()
    client.force_login(staff(Role.FINANCE))
    # when
    finance = card(client.get(reverse("core:dashboard")), "settlement/widgets/finance.html")
    # then
    states = {state: n for state, _label, n in finance["states"]}
    assert states["draft"] == 1 and states["approved"] == 2 and states["disputed"] == 1
    assert finance["payable"] == [("CNY", Decimal("500.0000")), ("USD", Decimal("50.0000"))]
    assert finance["disputes_open"] == 1
    assert finance["anomalies_open"] == 1


def test_partner_card_shows_only_its_published_statements(client, partner, partner_user):
    mine = published_statement(partner)
    published_statement(PartnerFactory())
    client.force_login(partner_user)
    response = client.get(reverse("core:dashboard"))
    partner_card = card(response, "settlement/widgets/partner.html")
    assert partner_card["statements"] == [mine]
    assert "settlement/widgets/finance.html" not in [
        c["template"] for c in response.context["widgets"]
    ]
