"""Inventory health as a scorecard criterion (DESIGN §2.4, §11): the share of a partner's stocked
products whose days of inventory lie within their family's limits, from current rows only."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from accounts.choices import Role
from inventory.choices import ReportKind
from inventory.feeds import inventory_health_by_partner
from inventory.models import FamilyAlertLimit, InventoryReport
from partners import inputs
from partners.choices import PartnerType, ScorecardKind
from partners.models import ScorecardWeightSet
from partners.rules import inventory_score
from partners.services import scorecards as services
from tests.deals.factories import ProductFactory, ProductFamilyFactory
from tests.factories import PartnerFactory, staff

from .factories import InventoryReportFactory, InventorySnapshotFactory, SellThroughLineFactory

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 11, 30)


def stock(partner, product, on_hand, *, as_of=AS_OF, current=True, report=None):
    report = report or InventoryReportFactory(
        partner=partner,
        kind=ReportKind.INVENTORY,
        month=as_of.replace(day=1),
        is_current=current,
        version=1 if current else 0,
    )
    InventorySnapshotFactory(
        report=report,
        partner=partner,
        product=product,
        as_of=as_of,
        on_hand=on_hand,
        is_current=current,
    )
    return report


def sold(partner, product, units, *, on=dt.date(2026, 10, 15), current=True):
    month = on.replace(day=1)
    report = InventoryReport.objects.filter(
        partner=partner, kind=ReportKind.SELL_THROUGH, month=month, is_current=current
    ).first() or InventoryReportFactory(
        partner=partner, month=month, version=1 if current else 0, is_current=current
    )
    SellThroughLineFactory(
        report=report,
        partner=partner,
        product=product,
        quantity=units,
        sold_on=on,
        is_current=current,
    )


def test_health_is_the_share_of_stocked_products_within_their_family_limits():
    # given a partner's stock of 2026-11-30 (default limits 7 ≤ days ≤ 120), each product having
    # sold 90 units in the 90 days before, i.e. one a day
    partner = PartnerFactory()
    products = {name: ProductFactory() for name in ("ok", "ageing", "short", "empty", "unsold")}
    report = stock(partner, products["ok"], 90)  # 90 days: within
    stock(partner, products["ageing"], 121, report=report)  # 121 days: ageing
    stock(partner, products["short"], 6, report=report)  # 6 days: stock-out
    stock(partner, products["empty"], 0, report=report)  # nothing held, nothing sold: not counted
    stock(partner, products["unsold"], 10, report=report)  # held, never sold: ageing
    for name in ("ok", "ageing", "short"):
        sold(partner, products[name], 90)
    # and a family whose own limits (30 ≤ days ≤ 200) make 150 days healthy
    family = ProductFamilyFactory(code="storage", name="Storage")
    FamilyAlertLimit.objects.create(family=family, stock_out_days=30, ageing_days=200)
    slow = ProductFactory(family=family)
    stock(partner, slow, 150, report=report)
    sold(partner, slow, 90)
    # when
    health = inventory_health_by_partner(partner_ids=[partner.pk], as_of=AS_OF)
    # then 2 of 5 stocked products are within their limits
    assert health == {partner.pk: {"as_of": "2026-11-30", "products": 5, "healthy": 2, "score": 40}}


@pytest.mark.parametrize(
    ("on_hand", "healthy"), [(6, 0), (7, 1), (120, 1), (121, 0)], ids=["6d", "7d", "120d", "121d"]
)
def test_the_limits_are_inclusive(on_hand, healthy):
    # given one product that sold one unit a day
    partner = PartnerFactory()
    product = ProductFactory()
    stock(partner, product, on_hand)
    sold(partner, product, 90)
    # when / then
    assert (
        inventory_health_by_partner(partner_ids=[partner.pk], as_of=AS_OF)[partner.pk]["healthy"]
        == healthy
    )


def test_only_current_rows_of_the_latest_stock_and_the_last_90_days_count():
    # given a current stock of 90 at 2026-11-30 and an older one of 5 at 2026-10-31
    partner = PartnerFactory()
    product = ProductFactory()
    stock(partner, product, 90)
    stock(partner, product, 5, as_of=dt.date(2026, 10, 31))
    # and a superseded stock report of 1 at the same date
    stock(partner, product, 1, current=False)
    # and 90 units sold in the window, with superseded and too-old sales that would change it
    sold(partner, product, 90)
    sold(partner, product, 500, current=False)
    sold(partner, product, 400, on=dt.date(2026, 9, 1))  # 90 days before 11-30 is 09-01
    # when
    health = inventory_health_by_partner(partner_ids=None, as_of=AS_OF)
    # then the current stock of 90 at one a day: within the limits
    assert health[partner.pk] == {
        "as_of": "2026-11-30",
        "products": 1,
        "healthy": 1,
        "score": 100,
    }


def test_a_partner_without_recent_stock_has_no_figure_and_scores_neutral():
    # given a stock older than 90 days
    partner = PartnerFactory()
    stock(partner, ProductFactory(), 10, as_of=dt.date(2026, 8, 31))
    # when
    health = inventory_health_by_partner(partner_ids=[partner.pk], as_of=AS_OF)
    # then
    assert health == {}
    assert inventory_score(health.get(partner.pk)) == 50
    assert inventory_health_by_partner(partner_ids=[], as_of=AS_OF) == {}


def test_partners_reach_the_figure_through_their_hook():
    partner = PartnerFactory()
    product = ProductFactory()
    stock(partner, product, 90)
    sold(partner, product, 90)
    assert inputs.inventory_health_by_partner(partner_ids=[partner.pk], as_of=AS_OF) == (
        inventory_health_by_partner(partner_ids=[partner.pk], as_of=AS_OF)
    )


@time_machine.travel(dt.datetime(2027, 1, 1, 3, tzinfo=dt.UTC))
def test_a_weight_set_with_inventory_health_scores_it():
    # given distributors weighed 20 on inventory health, and a distributor with 1 of 2 products
    # within its limits on 2026-12-31 (the year's evaluation date)
    services.scorecard_weight_set_save(
        actor=staff(Role.ADMIN),
        name="Distributors",
        partner_types=[PartnerType.DISTRIBUTOR],
        regions=[],
        weight_revenue=30,
        weight_marketing=10,
        weight_satisfaction=20,
        weight_compliance=10,
        weight_team=10,
        weight_inventory=20,
    )
    partner = PartnerFactory(partner_type=PartnerType.DISTRIBUTOR)
    good, piled = ProductFactory(), ProductFactory()
    report = stock(partner, good, 90, as_of=dt.date(2026, 12, 31))
    stock(partner, piled, 900, report=report, as_of=dt.date(2026, 12, 31))
    sold(partner, good, 90, on=dt.date(2026, 12, 1))
    sold(partner, piled, 90, on=dt.date(2026, 11, 2))
    # when
    scorecard = services.scorecard_evaluate(
        partner=partner, actor=None, kind=ScorecardKind.YEARLY, year=2026
    )
    # then the criterion is scored, weighed and explained
    assert scorecard.score_inventory == 50
    assert scorecard.weights["weight_inventory"] == 20
    assert scorecard.figures["inventory_health"] == {
        "as_of": "2026-12-31",
        "products": 2,
        "healthy": 1,
        "score": 50,
    }
    other = sum(
        getattr(scorecard, f"score_{name}") * scorecard.weights[f"weight_{name}"]
        for name in ("revenue", "marketing", "satisfaction", "compliance", "team")
    )
    assert scorecard.total * 100 == other + 50 * 20


def test_inventory_health_is_selectable_on_the_weight_set_page(client):
    # given an administrator on the new weight set page
    admin = staff(Role.ADMIN)
    client.force_login(admin)
    url = reverse("partners:scorecard_weight_set_create")
    assert "Inventory health" in client.get(url).content.decode()
    # when a set weighs it
    response = client.post(
        url,
        {
            "name": "Distributors",
            "partner_types": [PartnerType.DISTRIBUTOR],
            "weight_revenue": 30,
            "weight_marketing": 10,
            "weight_satisfaction": 20,
            "weight_compliance": 10,
            "weight_team": 10,
            "weight_inventory": 20,
        },
    )
    # then it is saved with it; a default page can weigh it too
    assert response.status_code == 302
    assert ScorecardWeightSet.objects.get().weight_inventory == 20
    assert "weight_inventory" in client.get(reverse("partners:scorecard_weights")).content.decode()
