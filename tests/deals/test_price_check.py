"""Floor price in the deal's currency at the FX rate of the submission date (DESIGN §4.4)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from core.models import FxRate
from deals import services
from deals.choices import DealStatus
from deals.models import Deal
from tests.conftest import login
from tests.factories import PartnerFactory, staff

from .factories import DealFactory, ProductFactory

pytestmark = pytest.mark.django_db


def yen_per_yuan(rate: str, on: datetime.date | None = None) -> FxRate:
    return FxRate.objects.create(
        base_currency="CNY",
        quote_currency="JPY",
        rate_date=on or timezone.localdate(),
        rate=Decimal(rate),
    )


def submitted_in_yen(price: str, **kwargs) -> Deal:
    product = ProductFactory(floor_price=Decimal("600.00"), currency="CNY")
    deal = DealFactory(currency="JPY", lines=[(product, 1, Decimal(price))], **kwargs)
    return services.deal_submit(deal=deal, actor=deal.registered_by)


def test_yen_line_below_the_converted_yuan_floor_is_flagged():
    # given a CNY 600 floor and CNY 1 = JPY 20.5 on the submission date
    yen_per_yuan("20.5")
    # when a JPY 700 line is submitted
    deal = submitted_in_yen("700")
    # then it is compared with the JPY 12,300 floor: below, director's special pricing needed
    assert deal.below_floor
    assert not deal.price_check_held
    assert deal.needs_director
    assert deal.lines.get().floor_price == Decimal("12300")


def test_yen_line_above_the_converted_yuan_floor_passes():
    # given the same floor and rate
    yen_per_yuan("20.5")
    manager = staff(Role.CHANNEL_MANAGER)
    # when a JPY 13,000 line is submitted
    deal = submitted_in_yen("13000", partner=PartnerFactory(channel_manager=manager))
    # then the price check passes and the channel manager may approve
    assert not deal.below_floor
    assert not deal.price_check_held
    assert services.deal_approve(deal=deal, actor=manager).status == DealStatus.APPROVED


def test_line_at_the_converted_floor_is_not_below_it():
    yen_per_yuan("20.5")
    assert not submitted_in_yen("12300").below_floor


def test_inverse_rate_converts_the_floor():
    # given only JPY 1 = CNY 0.05 (CNY 600 = JPY 12,000)
    FxRate.objects.create(
        base_currency="JPY",
        quote_currency="CNY",
        rate_date=timezone.localdate(),
        rate=Decimal("0.05"),
    )
    # when / then: JPY 11,999 is below, JPY 12,000 is not
    assert submitted_in_yen("11999").below_floor
    assert not submitted_in_yen("12000").below_floor


def test_latest_rate_on_or_before_the_submission_date_is_used():
    # given a rate of last week and a very different one dated tomorrow
    today = timezone.localdate()
    yen_per_yuan("20.5", on=today - datetime.timedelta(days=7))
    yen_per_yuan("1", on=today + datetime.timedelta(days=1))
    # when a JPY 700 line is submitted today / then last week's rate decides
    deal = submitted_in_yen("700")
    assert deal.below_floor
    assert deal.lines.get().floor_price == Decimal("12300")


def test_missing_rate_holds_the_check_with_a_message():
    # given no CNY/JPY rate on or before today (only one dated tomorrow)
    yen_per_yuan("20.5", on=timezone.localdate() + datetime.timedelta(days=1))
    manager = staff(Role.CHANNEL_MANAGER)
    # when a JPY 700 line is submitted
    deal = submitted_in_yen("700", partner=PartnerFactory(channel_manager=manager))
    # then the check is held, not passed: no floor, a message naming the missing rate
    assert deal.price_check_held
    assert not deal.below_floor
    assert deal.lines.get().floor_price is None
    message = str(deal.price_check_message)
    assert "no FX rate from CNY to JPY" in message
    assert timezone.localdate().isoformat() in message
    # and the channel manager cannot approve it; a director approves the pricing
    with pytest.raises(ValidationError):
        services.deal_approve(deal=deal, actor=manager)
    deal.refresh_from_db()
    assert deal.status == DealStatus.SUBMITTED
    director = staff(Role.CHANNEL_DIRECTOR)
    assert services.deal_approve(deal=deal, actor=director).status == DealStatus.APPROVED


def test_held_check_is_shown_on_the_page_and_in_the_api(client, api_client):
    # given a JPY registration submitted without a CNY/JPY rate
    manager = staff(Role.CHANNEL_MANAGER)
    deal = submitted_in_yen("700", partner=PartnerFactory(channel_manager=manager))
    # when the manager opens it, and its partner reads it through the API
    page = login(client, manager).get(reverse("deals:detail", args=[deal.pk]))
    api_client.force_authenticate(deal.registered_by)
    body = api_client.get(f"/api/v1/deals/{deal.pk}/").json()
    # then both say that the price check is held and why; the page offers no Approve
    assert 'id="price-check-held"' in page.text
    assert "no FX rate from CNY to JPY" in page.text
    assert reverse("deals:decide", args=[deal.pk, "approve"]) not in page.text
    assert body["price_check_held"] is True
    assert "no FX rate from CNY to JPY" in body["price_check_message"]
    assert body["lines"][0]["floor_price"] is None


def test_same_currency_needs_no_rate():
    # given a CNY floor and a CNY deal, no FX rates at all
    product = ProductFactory(floor_price=Decimal("600.00"), currency="CNY")
    deal = DealFactory(currency="CNY", lines=[(product, 1, Decimal("599.99"))])
    # when submitted / then compared directly
    deal = services.deal_submit(deal=deal, actor=deal.registered_by)
    assert deal.below_floor
    assert not deal.price_check_held
    assert deal.lines.get().floor_price == Decimal("600.00")
