"""Days of inventory, turnover and the precomputed figures (DESIGN §11): exact numbers."""

import datetime
from decimal import Decimal

import pytest

from inventory.figures import inventory_figures_refresh
from inventory.models import InventoryAlert, InventoryFigure, InventoryRollup
from inventory.selectors import days_of_inventory, turnover

from .stock_world import DEC, NOV, build_stock_world

pytestmark = pytest.mark.django_db


def figure(partner, product, month=NOV):
    return InventoryFigure.objects.unrestricted("test").get(
        partner=partner, product=product, month=month
    )


def test_days_of_inventory_and_turnover_of_one_position_count_current_rows_only():
    world = build_stock_world()
    a = figure(world.home, world.product_a)
    assert a.on_hand == 120  # the current version, not the superseded 999
    assert a.as_of == datetime.date(2026, 11, 30)
    assert a.sold_90d == 180  # 30 + 60 + 90; the superseded 500 does not count
    assert a.sold_month == 90
    assert a.avg_daily == Decimal("2.0000")
    assert a.days_of_inventory == Decimal("60.0")
    assert a.sold_12m == 180
    assert a.avg_on_hand_12m == Decimal("85.00")
    assert a.turnover == Decimal("2.12")
    assert a.family_id == world.family.pk
    assert a.partner_regions == ["CN-SH"]
    assert a.ageing and not a.stock_out


def test_october_uses_the_october_snapshot_and_its_own_window():
    world = build_stock_world()
    october = figure(world.home, world.product_a, datetime.date(2026, 10, 1))
    assert (october.on_hand, october.sold_90d, october.days_of_inventory) == (
        50,
        90,
        Decimal("50.0"),
    )


def test_stock_out_when_nothing_is_held_but_it_sold():
    world = build_stock_world()
    b = figure(world.home, world.product_b)
    assert (b.on_hand, b.days_of_inventory, b.stock_out, b.ageing) == (
        0,
        Decimal("0.0"),
        True,
        False,
    )


def test_a_month_without_a_report_carries_the_last_snapshot_forward():
    world = build_stock_world(through=DEC)
    december = figure(world.home, world.product_a, DEC)
    assert (december.on_hand, december.days_of_inventory, december.sold_month) == (
        120,
        Decimal("60.0"),
        0,
    )


def test_group_sums_add_numerators_and_denominators():
    world = build_stock_world()
    product = InventoryRollup.objects.unrestricted("test").get(
        dimension="product", product=world.product_a, region="", month=NOV
    )
    # on hand 120 + 77 + 40 = 237; 90-day sales 180 + 7 + 9 = 196 → 237 × 90 ÷ 196 = 108.8
    assert (product.on_hand, product.sold_90d) == (237, 196)
    assert product.days_of_inventory == Decimal("108.8")
    assert product.label == "INV-A Switch A"
    region = InventoryRollup.objects.unrestricted("test").get(
        dimension="region", region="CN-BJ", family__isnull=True, month=NOV
    )
    assert (region.on_hand, region.sold_90d, region.days_of_inventory) == (40, 9, Decimal("400.0"))
    partner = InventoryRollup.objects.unrestricted("test").get(
        dimension="partner", partner=world.home, family__isnull=True, month=NOV
    )
    assert (partner.on_hand, partner.ageing_count, partner.stock_out_count) == (120, 1, 1)


def test_selector_formulas_match_the_sql():
    assert days_of_inventory(120, 180) == Decimal("60.0")
    assert days_of_inventory(5, 0) is None
    assert days_of_inventory(0, 0) == Decimal("0.0")
    assert turnover(180, Decimal("85")) == Decimal("2.12")
    assert turnover(10, None) is None


def test_the_refresh_is_idempotent():
    world = build_stock_world()
    before = InventoryFigure.objects.unrestricted("test").count()
    rollups = InventoryRollup.objects.unrestricted("test").count()
    inventory_figures_refresh([world.home.pk], through=NOV)
    inventory_figures_refresh(through=NOV)
    assert InventoryFigure.objects.unrestricted("test").count() == before
    assert InventoryRollup.objects.unrestricted("test").count() == rollups


@pytest.mark.django_db(transaction=True)
def test_the_refresh_commits_outside_a_test_transaction():
    # given real commits (the rollup rebuild takes a transaction-level advisory lock)
    world = build_stock_world(refresh=False)
    # when the refresh runs twice, as after an import and at night
    first = inventory_figures_refresh([world.home.pk], through=NOV, rollup_months=2)
    inventory_figures_refresh(through=NOV)
    # then its rows stand once, and the home manager's alerts were raised once
    assert first > 0
    assert figure(world.home, world.product_a).days_of_inventory == Decimal("60.0")
    assert InventoryAlert.objects.unrestricted("test").filter(partner=world.home).count() == 2


def test_a_month_with_sales_but_no_stock_reported_has_no_days_of_inventory():
    build_stock_world()
    september = InventoryRollup.objects.unrestricted("test").get(
        dimension="total", month=datetime.date(2026, 9, 1)
    )
    assert (september.sold_month, september.reported, september.days_of_inventory) == (30, 0, None)
    from inventory.selectors import stock_trend, total_trend_condition

    points = {p.month: p for p in stock_trend(total_trend_condition(), through=NOV)}
    assert points[datetime.date(2026, 9, 1)].days_of_inventory is None
    assert points[NOV].days_of_inventory == Decimal("103.5")  # 237 × 90 ÷ 206


def test_the_task_run_after_an_import_refreshes_that_partner_up_to_this_month():
    from django.utils import timezone

    from inventory.tasks import inventory_figures_refresh_batch_task

    world = build_stock_world(refresh=False)
    inventory_figures_refresh_batch_task.delay([world.home.pk])
    this_month = timezone.localdate().replace(day=1)
    current = figure(world.home, world.product_a, this_month)
    # the November snapshot carried forward, its 90 days of sales
    assert (current.on_hand, current.days_of_inventory) == (120, Decimal("60.0"))
    assert not InventoryFigure.objects.unrestricted("test").filter(partner=world.other).exists()
