"""Inventory test data. Rows built directly for read-side tests; the write paths (imports, API)
have tests of their own that go through the services."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from inventory.choices import ReportKind, ReportSource
from inventory.models import InventoryReport, InventorySnapshot, SellThroughLine
from tests.deals.factories import ProductFactory
from tests.factories import PartnerFactory, UserFactory


class InventoryReportFactory(DjangoModelFactory):
    class Meta:
        model = InventoryReport

    partner = factory.SubFactory(PartnerFactory)
    kind = ReportKind.SELL_THROUGH
    month = datetime.date(2026, 11, 1)
    source = ReportSource.IMPORT
    reported_by = factory.SubFactory(UserFactory)


class InventorySnapshotFactory(DjangoModelFactory):
    class Meta:
        model = InventorySnapshot

    report = factory.SubFactory(InventoryReportFactory, kind=ReportKind.INVENTORY)
    partner = factory.SelfAttribute("report.partner")
    product = factory.SubFactory(ProductFactory)
    as_of = datetime.date(2026, 11, 30)
    on_hand = 100


class SellThroughLineFactory(DjangoModelFactory):
    class Meta:
        model = SellThroughLine

    report = factory.SubFactory(InventoryReportFactory)
    partner = factory.SelfAttribute("report.partner")
    product = factory.SubFactory(ProductFactory)
    sold_on = datetime.date(2026, 11, 15)
    quantity = 2
    unit_price = Decimal("800.00")
    currency = "CNY"
    customer_name = factory.Sequence(lambda n: f"End Customer {n}")
    customer_tax_id = factory.Sequence(lambda n: f"91310000MA{n:08d}")
    customer_region = "CN-SH"
