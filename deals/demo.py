"""Demo products, price lists and a few hundred registrations with near-duplicate customers."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from partners.models import Partner, Tier

from .choices import DealStatus
from .models import Deal, DealLine, Product, ProductFamily, ProductTierDiscount
from .rules import normalize_customer_name

FAMILIES = [
    ("switch", "交换机 Switches"),
    ("router", "路由器 Routers"),
    ("wifi", "无线 Wi-Fi"),
    ("security", "安全 Security"),
]
PRODUCTS = [
    ("SW-2400", "Campus switch 24p", "switch", "12000", "8000", False),
    ("SW-4800", "Campus switch 48p", "switch", "21000", "14000", False),
    ("SW-DC100", "Data-centre switch 100G", "switch", "98000", "70000", True),
    ("RT-EDGE", "Edge router", "router", "35000", "25000", False),
    ("RT-CORE", "Core router", "router", "260000", "190000", True),
    ("AP-6", "Wi-Fi 6 access point", "wifi", "3200", "2100", False),
    ("AP-7", "Wi-Fi 7 access point", "wifi", "5200", "3600", True),
    ("FW-500", "Next-gen firewall", "security", "45000", "30000", False),
]
DISCOUNTS = {"registered": "5", "silver": "10", "gold": "15", "diamond": "20"}
CN_CUSTOMERS = [
    "上海{}信息科技有限公司",
    "北京{}软件股份有限公司",
    "深圳市{}网络技术有限公司",
    "杭州{}数据有限公司",
    "广州{}电子集团",
    "南京{}智能制造有限责任公司",
    "苏州{}精密机械有限公司",
    "成都{}通信股份有限公司",
]
CN_WORDS = [
    "华东",
    "星辰",
    "蓝海",
    "恒通",
    "金桥",
    "远航",
    "博达",
    "中科",
    "天成",
    "鼎盛",
    "瑞丰",
    "宏图",
]
EN_CUSTOMERS = [
    "{} Logistics GmbH",
    "{} Retail Ltd.",
    "{} Manufacturing Inc.",
    "{} Health LLC",
    "{} Energy Corp.",
]
EN_WORDS = [
    "Contoso",
    "Fabrikam",
    "Northwind",
    "Tailspin",
    "Litware",
    "Adatum",
    "Proseware",
    "Wingtip",
]


def _variants(name: str) -> str:
    """A near-duplicate spelling of the same customer."""
    return (
        name.replace("有限公司", "股份有限公司")
        .replace("Ltd.", "Limited")
        .replace("Inc.", "Incorporated")
        .replace("GmbH", "G.m.b.H.")
        .replace("LLC", "L.L.C.")
    )


@transaction.atomic
def seed(*, stdout=None) -> None:
    families = {
        code: ProductFamily.objects.update_or_create(code=code, defaults={"name": name})[0]
        for code, name in FAMILIES
    }
    for sku, name, family, list_price, floor, strategic in PRODUCTS:
        product, _ = Product.objects.update_or_create(
            sku=sku,
            defaults={
                "name": name,
                "family": families[family],
                "list_price": Decimal(list_price),
                "floor_price": Decimal(floor),
                "currency": "CNY",
                "is_strategic": strategic,
            },
        )
        for tier in Tier.objects.all():
            ProductTierDiscount.objects.update_or_create(
                product=product,
                tier=tier,
                defaults={"discount_percent": Decimal(DISCOUNTS.get(tier.code, "0"))},
            )
    if Deal.objects.exists():
        return
    rng = random.Random(42)
    partners = [p for p in Partner.objects.select_related("tier") if p.users.exists()]
    products = list(Product.objects.all())
    now = timezone.now()
    names = [p.format(w) for p in CN_CUSTOMERS for w in CN_WORDS] + [
        p.format(w) for p in EN_CUSTOMERS for w in EN_WORDS
    ]
    statuses = [
        DealStatus.DRAFT,
        DealStatus.SUBMITTED,
        DealStatus.APPROVED,
        DealStatus.APPROVED,
        DealStatus.WON,
        DealStatus.LOST,
        DealStatus.REJECTED,
        DealStatus.EXPIRED,
        DealStatus.IN_CONFLICT,
    ]
    deals, lines = [], []
    for i in range(400):
        partner = rng.choice(partners)
        user: User = partner.users.first()
        name = rng.choice(names)
        if rng.random() < 0.15:
            name = _variants(name)
        status = rng.choice(statuses)
        submitted = (
            None
            if status == DealStatus.DRAFT
            else now - datetime.timedelta(days=rng.randint(0, 120))
        )
        approved = status in (
            DealStatus.APPROVED,
            DealStatus.WON,
            DealStatus.LOST,
            DealStatus.EXPIRED,
        )
        protection = (
            submitted + datetime.timedelta(days=partner.tier.protection_days)
            if approved and submitted
            else None
        )
        if status == DealStatus.APPROVED and protection and protection < now:
            protection = now + datetime.timedelta(days=rng.randint(1, 40))
        deal = Deal(
            partner=partner,
            registered_by=user,
            customer_name=name,
            customer_tax_id="" if rng.random() < 0.4 else f"9131{rng.randint(10**13, 10**14 - 1)}",
            customer_region=rng.choice(partner.regions or ["CN-SH"]),
            industry=rng.choice(["manufacturing", "finance", "retail", "education", "healthcare"]),
            project_name=f"{name[:20]} #{i + 1}",
            currency=partner.contract_currency,
            expected_close_date=(now + datetime.timedelta(days=rng.randint(10, 180))).date(),
            status=status,
            submitted_at=submitted,
            decided_at=submitted + datetime.timedelta(days=1) if approved else None,
            sla_due_at=submitted + datetime.timedelta(days=2) if submitted else None,
            protection_ends_at=protection,
            customer_fingerprint=normalize_customer_name(name),
            order_number=f"SO-{i:05d}" if status == DealStatus.WON else "",
            closed_on=(submitted + datetime.timedelta(days=30)).date()
            if status in (DealStatus.WON, DealStatus.LOST)
            else None,
            lost_reason="Price" if status == DealStatus.LOST else "",
        )
        deals.append(deal)
    Deal.objects.bulk_create(deals)
    for deal in deals:
        for product in rng.sample(products, rng.randint(1, 3)):
            price = (product.list_price * Decimal(rng.choice(["0.8", "0.9", "0.95"]))).quantize(
                Decimal("0.01")
            )
            lines.append(
                DealLine(deal=deal, product=product, quantity=rng.randint(1, 20), unit_price=price)
            )
            if deal.status == DealStatus.WON:
                lines.append(
                    DealLine(
                        deal=deal,
                        product=product,
                        quantity=rng.randint(1, 20),
                        unit_price=price,
                        final=True,
                    )
                )
    DealLine.objects.bulk_create(lines)
    if stdout:
        stdout.write(f"deals: {len(PRODUCTS)} products, {len(deals)} registrations\n")
