"""Revenue of won deals has one definition: the selectors and the SQL view other apps read agree."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection

from accounts.choices import Role
from deals import services
from deals.selectors import won_revenue_by_currency
from tests.factories import staff

from .factories import DealFactory, ProductFactory

pytestmark = pytest.mark.django_db


def _won(order_number: str, quantity: int, price: str):
    deal = DealFactory()
    deal = services.deal_submit(deal=deal, actor=deal.registered_by)
    deal = services.deal_approve(deal=deal, actor=staff(Role.CHANNEL_DIRECTOR))
    return services.deal_close_won(
        deal=deal,
        actor=deal.registered_by,
        order_number=order_number,
        closed_on=datetime.date(2026, 7, 1),
        lines=[{"product": ProductFactory(), "quantity": quantity, "unit_price": Decimal(price)}],
    )


def test_won_revenue_selector_and_view_agree_and_skip_taken_orders():
    # Given a partner's won deal and a deal that is only submitted
    deal = _won("PO-1", 3, "10.50")
    services.deal_submit(deal=DealFactory(partner=deal.partner), actor=deal.registered_by)
    # When its won revenue is read through the selector and through the view
    by_selector = won_revenue_by_currency(partner=deal.partner, exclude_order_numbers=[])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT currency, sum(amount) FROM deals_won_line_v WHERE partner_id = %s GROUP BY 1",
            [deal.partner_id],
        )
        by_view = cursor.fetchall()
    # Then both count the won lines only, quantity × unit price
    assert by_selector == by_view == [(deal.currency, Decimal("31.50"))]
    # And an order number another app already took in is left out
    assert won_revenue_by_currency(partner=deal.partner, exclude_order_numbers=["PO-1"]) == []
