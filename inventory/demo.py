"""Demo data: three months of inventory and sell-through reports for the showcase partners, with a
few lines the diversion and price scan flags for review (DESIGN §11), and the family alert limits.

The months are the three before the current one. Figures come from a fixed formula per partner,
product and month, so every run gives the same rows. Deliberate cases: 华东 sells one Wi-Fi 7 access
point to a customer in Guangdong (outside its territory) whose serial number 深圳智联 reports too,
and 深圳智联 sells access points below the floor price. Safe to run again: a month a partner has
already reported is left as it is. The scan runs at the end for each month.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from deals.models import Product, ProductFamily
from partners.models import Partner

from .choices import ReportKind, ReportSource
from .models import (
    FamilyAlertLimit,
    InventoryReport,
    InventorySnapshot,
    SellThroughLine,
    SoldSerial,
)
from .scans import flags_raise

MONTHS = 3

# Days-of-inventory limits per family (ageing above, stock-out below).
LIMITS = {"switch": (120, 7), "router": (150, 10), "wifi": (90, 7), "security": (120, 10)}

# tax id, domain of its users, customer regions (its territory), products it stocks,
# base monthly units, price factor of the list price (its discount), currency, CNY per unit.
PARTNERS = [
    (
        "91310000MA1FL8TQ36",  # 华东数字科技 (distributor, diamond)
        "huadong",
        ["CN-SH", "CN-JS", "CN-ZJ"],
        ["SW-2400", "SW-4800", "AP-6", "AP-7", "RT-EDGE", "FW-500"],
        12,
        Decimal("0.85"),
        "CNY",
        Decimal("1"),
    ),
    (
        "91440300MA5G9XKT2X",  # 深圳智联网络 (reseller, gold)
        "zhilian",
        ["CN-GD"],
        ["SW-2400", "AP-6", "AP-7", "FW-500"],
        8,
        Decimal("0.90"),
        "CNY",
        Decimal("1"),
    ),
    (
        "91110000MA01ABCD52",  # 北京云启信息 (ISV, registered)
        "yunqi",
        ["CN-BJ", "CN-TJ"],
        ["SW-2400", "AP-6"],
        3,
        Decimal("0.95"),
        "CNY",
        Decimal("1"),
    ),
    (
        "DE811234567",  # Northwind Systems (service provider, silver, EUR)
        "northwind",
        ["DE"],
        ["SW-4800", "RT-EDGE"],
        2,
        Decimal("0.90"),
        "EUR",
        Decimal("7.8"),
    ),
]
CUSTOMERS = ["制造", "银行", "医院", "学校", "物流", "零售"]
CUSTOMERS_DE = ["Klinikum", "Stadtwerke", "Logistik", "Schule"]

# The deliberate cases, in the latest month: (seller, product, units, price factor, region, serial)
CLASH_SERIAL = "SN-AP7-DEMO-0001"
SPECIAL = [
    ("huadong", "AP-7", 1, Decimal("0.85"), "CN-GD", CLASH_SERIAL),
    ("zhilian", "AP-7", 1, Decimal("0.90"), "CN-GD", CLASH_SERIAL),
    ("zhilian", "AP-6", 20, Decimal("0.55"), "CN-GD", ""),
    ("zhilian", "AP-7", 10, Decimal("0.60"), "CN-GD", ""),
]


def demo_months(today: datetime.date) -> list[datetime.date]:
    """The first days of the `MONTHS` months before `today`'s, oldest first."""
    first = today.replace(day=1)
    months = []
    for _ in range(MONTHS):
        first = (first - datetime.timedelta(days=1)).replace(day=1)
        months.insert(0, first)
    return months


def _month_end(month: datetime.date) -> datetime.date:
    return (month + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)


def _limits() -> None:
    for family in ProductFamily.objects.filter(code__in=LIMITS):
        ageing, stock_out = LIMITS[family.code]
        # Created once; an administrator's later change is kept.
        FamilyAlertLimit.objects.get_or_create(
            family=family, defaults={"ageing_days": ageing, "stock_out_days": stock_out}
        )


def _report(partner, kind, month, user) -> InventoryReport | None:
    """A new first version, or None when the partner already reported this month."""
    if InventoryReport.objects.filter(partner=partner, kind=kind, month=month).exists():
        return None
    return InventoryReport.objects.create(
        partner=partner,
        kind=kind,
        month=month,
        version=1,
        is_current=True,
        source=ReportSource.IMPORT,
        reported_by=user,
    )


def _sell_through(partner, report, *, spec, products, month, index, latest) -> int:
    tax_id, domain, regions, skus, units, factor, currency, cny = spec
    names = CUSTOMERS_DE if currency == "EUR" else CUSTOMERS
    lines = []
    for p, sku in enumerate(skus):
        product = products.get(sku)
        if product is None:
            continue
        # Three sales per product and month; the units drift by month so trends show.
        for n in range(3):
            quantity = max(1, units - p + (index + n) % 3 - 1)
            unit_price = (product.list_price * factor / cny).quantize(Decimal("0.01"))
            customer = names[(p + n + index) % len(names)]
            lines.append(
                SellThroughLine(
                    report=report,
                    partner=partner,
                    product=product,
                    sold_on=month + datetime.timedelta(days=4 + 9 * n + p),
                    quantity=quantity,
                    unit_price=unit_price,
                    currency=currency,
                    customer_name=f"{customer} {domain.title()} {n + 1}",
                    customer_tax_id=f"DEMO-{tax_id[-6:]}-{p}{n}",
                    customer_region=regions[(p + n) % len(regions)],
                )
            )
    if latest:
        for seller, sku, qty, special_factor, region, serial in SPECIAL:
            if seller != domain or sku not in products:
                continue
            product = products[sku]
            lines.append(
                SellThroughLine(
                    report=report,
                    partner=partner,
                    product=product,
                    sold_on=month + datetime.timedelta(days=20),
                    quantity=qty,
                    unit_price=(product.list_price * special_factor).quantize(Decimal("0.01")),
                    currency=currency,
                    customer_name="广州某连锁酒店" if serial else f"{domain.title()} 促销客户",
                    customer_tax_id="DEMO-GZ-HOTEL" if serial else f"DEMO-{domain}-PROMO",
                    customer_region=region,
                    serial_numbers=[serial] if serial else [],
                )
            )
    SellThroughLine.objects.bulk_create(lines)
    SoldSerial.objects.bulk_create(
        SoldSerial(line=line, partner=partner, serial=serial)
        for line in lines
        for serial in line.serial_numbers
    )
    return len(lines)


def _snapshots(partner, report, *, spec, products, month, index) -> int:
    _tax_id, _domain, _regions, skus, units, *_rest = spec
    rows = []
    for p, sku in enumerate(skus):
        product = products.get(sku)
        if product is None:
            continue
        sold_per_month = 3 * max(1, units - p)
        # Most products hold one to three months of stock; the first product of every partner
        # piles up (ageing) and the last runs low (stock-out), so both alerts have examples.
        if p == 0:
            on_hand = sold_per_month * (4 + index)
        elif p == len(skus) - 1:
            on_hand = max(0, index - 1)
        else:
            on_hand = sold_per_month * (1 + (p + index) % 3)
        rows.append(
            InventorySnapshot(
                report=report,
                partner=partner,
                product=product,
                as_of=_month_end(month),
                on_hand=on_hand,
            )
        )
    InventorySnapshot.objects.bulk_create(rows)
    return len(rows)


def seed(*, stdout=None, today: datetime.date | None = None) -> None:
    _limits()
    products = {p.sku: p for p in Product.objects.all()}
    months = demo_months(today or timezone.localdate())
    counts = {"reports": 0, "lines": 0, "snapshots": 0}
    for spec in PARTNERS:
        tax_id, domain = spec[0], spec[1]
        partner = Partner.objects.filter(tax_id=tax_id).first()
        user = User.objects.filter(email=f"admin@{domain}.demo").first()
        if partner is None or user is None:
            if stdout:
                stdout.write(f"inventory: partner {tax_id} missing, skipped")
            continue
        for index, month in enumerate(months):
            latest = index == len(months) - 1
            report = _report(partner, ReportKind.SELL_THROUGH, month, user)
            if report is not None:
                report.line_count = _sell_through(
                    partner,
                    report,
                    spec=spec,
                    products=products,
                    month=month,
                    index=index,
                    latest=latest,
                )
                report.save(update_fields=["line_count"])
                counts["reports"] += 1
                counts["lines"] += report.line_count
            report = _report(partner, ReportKind.INVENTORY, month, user)
            if report is not None:
                report.line_count = _snapshots(
                    partner, report, spec=spec, products=products, month=month, index=index
                )
                report.save(update_fields=["line_count"])
                counts["reports"] += 1
                counts["snapshots"] += report.line_count
    flags = sum(flags_raise(month=month) for month in months)
    if stdout:
        stdout.write(
            f"inventory: {counts['reports']} reports, {counts['lines']} sell-through lines, "
            f"{counts['snapshots']} snapshots, {flags} flags raised"
        )
