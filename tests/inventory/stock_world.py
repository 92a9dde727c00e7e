"""A small channel-inventory world with figures whose values are worked out by hand (DESIGN §11).

Home partner (CN-SH, managed by `manager`) holds product A (family Switches, limits ageing 50 /
stock-out 7 days) and product B:
- A: snapshots 50 on 2026-10-31 and 120 on 2026-11-30 (a superseded November version said 999);
  sold 30 on 09-15, 60 on 10-10, 90 on 11-15 (a superseded line of 500 on 11-20 does not count).
  November: 90-day sales 180 → 2.0 a day → 120 ÷ 2.0 = 60.0 days (ageing: > 50); turnover
  180 ÷ mean(50, 120) = 180 ÷ 85 = 2.12.
- B: snapshot 0 on 2026-11-30; sold 10 on 11-05 → stock-out.
A dealer of the `distributor` (CN-BJ) holds A: 40 on 2026-11-30, sold 9 on 11-01 → 400.0 days.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from accounts.choices import Role
from deals.models import ProductFamily
from inventory.choices import ReportKind
from inventory.figures import inventory_figures_refresh
from inventory.models import FamilyAlertLimit, InventoryReport
from partners.models import Partner
from tests.deals.factories import ProductFactory
from tests.factories import PartnerFactory, PartnerUserFactory, UserFactory
from tests.inventory.factories import (
    InventoryReportFactory,
    InventorySnapshotFactory,
    SellThroughLineFactory,
)

NOV = datetime.date(2026, 11, 1)
DEC = datetime.date(2026, 12, 1)


@dataclass
class StockWorld:
    home: Partner
    other: Partner
    distributor: Partner
    dealer: Partner
    manager: object
    product_a: object
    product_b: object
    family: ProductFamily


def _report(partner, kind, month, current):
    """One report per partner, kind, month and currency: version 1 superseded by version 2."""
    found = InventoryReport.objects.unrestricted("test data").filter(
        partner=partner, kind=kind, month=month, is_current=current
    )
    return found.first() or InventoryReportFactory(
        partner=partner, kind=kind, month=month, version=2 if current else 1, is_current=current
    )


def _snapshot(partner, product, on_hand, as_of, *, month, current=True):
    report = _report(partner, ReportKind.INVENTORY, month, current)
    return InventorySnapshotFactory(
        report=report, product=product, on_hand=on_hand, as_of=as_of, is_current=current
    )


def _line(partner, product, quantity, sold_on, *, current=True):
    report = _report(partner, ReportKind.SELL_THROUGH, sold_on.replace(day=1), current)
    return SellThroughLineFactory(
        report=report, product=product, quantity=quantity, sold_on=sold_on, is_current=current
    )


def build_stock_world(*, through: datetime.date = NOV, refresh: bool = True) -> StockWorld:
    manager = UserFactory(role=Role.CHANNEL_MANAGER)
    family = ProductFamily.objects.create(code="inv-switch", name="Inventory switches")
    FamilyAlertLimit.objects.create(family=family, ageing_days=50, stock_out_days=7)
    product_a = ProductFactory(family=family, sku="INV-A", name="Switch A")
    product_b = ProductFactory(family=family, sku="INV-B", name="Switch B")
    home = PartnerFactory(
        legal_name="Home Inventory Ltd", regions=["CN-SH"], channel_manager=manager
    )
    other = PartnerFactory(legal_name="Other Inventory Ltd", regions=["CN-GD"])
    distributor = PartnerFactory(legal_name="Distributor Inventory Ltd", regions=["CN-BJ"])
    dealer = PartnerFactory(
        legal_name="Dealer Inventory Ltd", regions=["CN-BJ"], parent=distributor
    )

    _snapshot(home, product_a, 50, datetime.date(2026, 10, 31), month=datetime.date(2026, 10, 1))
    _snapshot(home, product_a, 999, datetime.date(2026, 11, 30), month=NOV, current=False)
    _snapshot(home, product_a, 120, datetime.date(2026, 11, 30), month=NOV)
    _line(home, product_a, 30, datetime.date(2026, 9, 15))
    _line(home, product_a, 60, datetime.date(2026, 10, 10))
    _line(home, product_a, 90, datetime.date(2026, 11, 15))
    _line(home, product_a, 500, datetime.date(2026, 11, 20), current=False)
    _snapshot(home, product_b, 0, datetime.date(2026, 11, 29), month=NOV)
    _line(home, product_b, 10, datetime.date(2026, 11, 5))
    _snapshot(other, product_a, 77, datetime.date(2026, 11, 30), month=NOV)
    _line(other, product_a, 7, datetime.date(2026, 11, 30))
    _snapshot(dealer, product_a, 40, datetime.date(2026, 11, 30), month=NOV)
    _line(dealer, product_a, 9, datetime.date(2026, 11, 1))
    if refresh:
        inventory_figures_refresh(through=through)
    return StockWorld(
        home=home,
        other=other,
        distributor=distributor,
        dealer=dealer,
        manager=manager,
        product_a=product_a,
        product_b=product_b,
        family=family,
    )


def partner_user(partner, role=Role.PARTNER_ADMIN):
    return PartnerUserFactory(partner=partner, role=role)
