"""Demo seed of channel inventory: three months for the showcase partners, the deliberate cases for
the scan, idempotent and quick."""

from __future__ import annotations

import datetime
import time
from decimal import Decimal

import pytest
from django.db.models import Count, F

from accounts.choices import Role
from inventory import demo
from inventory.choices import ReportKind
from inventory.models import (
    FamilyAlertLimit,
    InventoryReport,
    InventorySnapshot,
    SellThroughLine,
    SoldSerial,
)
from tests.deals.factories import ProductFactory, ProductFamilyFactory
from tests.factories import PartnerFactory, PartnerUserFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 7)
MONTHS = [datetime.date(2026, 9, 1), datetime.date(2026, 10, 1), datetime.date(2026, 11, 1)]
PRODUCTS = [
    ("SW-2400", "switch", "12000", "8000"),
    ("SW-4800", "switch", "21000", "14000"),
    ("AP-6", "wifi", "3200", "2100"),
    ("AP-7", "wifi", "5200", "3600"),
    ("RT-EDGE", "router", "35000", "25000"),
    ("FW-500", "security", "45000", "30000"),
]


@pytest.fixture
def showcase(db):
    """The demo partners with their admins, and the demo products, as the earlier seeds leave them."""
    for sku, family, list_price, floor in PRODUCTS:
        ProductFactory(
            sku=sku,
            family=ProductFamilyFactory(code=family, name=family.title()),
            list_price=Decimal(list_price),
            floor_price=Decimal(floor),
        )
    partners = {}
    for tax_id, domain, regions, currency in (
        ("91310000MA1FL8TQ36", "huadong", ["CN-SH", "CN-JS", "CN-ZJ"], "CNY"),
        ("91440300MA5G9XKT2X", "zhilian", ["CN-GD"], "CNY"),
        ("91110000MA01ABCD52", "yunqi", ["CN-BJ", "CN-TJ"], "CNY"),
        ("DE811234567", "northwind", ["DE"], "EUR"),
    ):
        partner = PartnerFactory(tax_id=tax_id, regions=regions, contract_currency=currency)
        PartnerUserFactory(partner=partner, role=Role.PARTNER_ADMIN, email=f"admin@{domain}.demo")
        partners[domain] = partner
    return partners


def test_seed_gives_three_months_for_every_showcase_partner(showcase, monkeypatch):
    # given the scan, recorded
    scanned = []
    monkeypatch.setattr(demo, "flags_raise", lambda *, month: scanned.append(month) or 0)
    # when
    started = time.perf_counter()
    demo.seed(today=TODAY)
    elapsed = time.perf_counter() - started
    # then every partner reported both kinds for each of the three months before this one
    reports = InventoryReport.objects.values("partner_id", "kind").annotate(n=Count("id"))
    assert len(reports) == 8 and all(r["n"] == 3 for r in reports)
    assert set(InventoryReport.objects.values_list("month", flat=True)) == set(MONTHS)
    # including the demo partner admin's own company
    huadong = showcase["huadong"]
    assert SellThroughLine.objects.filter(partner=huadong).count() > 20
    assert InventorySnapshot.objects.filter(partner=huadong).count() == 18
    # and each report counts its rows, lines in the report's month
    for report in InventoryReport.objects.filter(kind=ReportKind.SELL_THROUGH):
        assert report.lines.count() == report.line_count > 0
        assert {line.sold_on.replace(day=1) for line in report.lines.all()} == {report.month}
    # and the scan ran for each month
    assert scanned == MONTHS
    assert elapsed < 5
    assert FamilyAlertLimit.objects.count() == 4


def test_seed_has_the_deliberate_cases_for_the_scan(showcase):
    # when
    demo.seed(today=TODAY)
    # then a line outside the seller's territory (华东 selling into Guangdong)
    huadong, zhilian = showcase["huadong"], showcase["zhilian"]
    outside = SellThroughLine.objects.filter(partner=huadong).exclude(
        customer_region__in=huadong.regions
    )
    assert outside.count() == 1 and outside.get().sold_on.month == 11
    # and lines below the floor price
    below = SellThroughLine.objects.filter(unit_price__lt=F("product__floor_price"), currency="CNY")
    assert set(below.values_list("partner_id", flat=True)) == {zhilian.pk}
    assert below.count() == 2
    # and one serial number reported by two partners
    clash = SoldSerial.objects.filter(serial=demo.CLASH_SERIAL)
    assert set(clash.values_list("partner_id", flat=True)) == {huadong.pk, zhilian.pk}
    # and stock that is ageing and stock that runs out
    assert InventorySnapshot.objects.filter(partner=huadong, on_hand=0).exists()


def test_seed_is_idempotent_and_deterministic(showcase):
    # given a first run
    demo.seed(today=TODAY)
    first = list(
        SellThroughLine.objects.order_by(
            "partner_id", "sold_on", "product_id", "customer_name"
        ).values_list("partner_id", "product_id", "sold_on", "quantity", "unit_price")
    )
    # when run again
    demo.seed(today=TODAY)
    # then nothing new
    again = list(
        SellThroughLine.objects.order_by(
            "partner_id", "sold_on", "product_id", "customer_name"
        ).values_list("partner_id", "product_id", "sold_on", "quantity", "unit_price")
    )
    assert again == first
    assert InventoryReport.objects.count() == 24


def test_a_missing_partner_is_skipped(showcase):
    # given one showcase partner's admin is missing
    showcase["yunqi"].users.all().delete()
    # when
    demo.seed(today=TODAY)
    # then the others are seeded
    assert InventoryReport.objects.values("partner_id").distinct().count() == 3
