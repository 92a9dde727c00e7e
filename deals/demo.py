"""Demo products, price lists, a few thousand registrations across every state (with near-duplicate
customers of different partners that are in conflict) and leads in each phase. Bulk inserts;
idempotent (skipped once registrations exist)."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from partners.models import Partner, Tier
from partners.selectors import partner_exit_open_of

from .choices import OPEN_STATUSES, DealStatus, LeadOfferStatus, LeadStatus, PriceLevel
from .models import (
    PRICE_LIST_START,
    Deal,
    DealLine,
    Lead,
    LeadOffer,
    PriceListEntry,
    Product,
    ProductFamily,
    ProductTierDiscount,
)
from .rules import normalize_customer_name
from .selectors import lead_exclusive_partners, lead_open_partner_ids

FAMILIES = [
    ("switch", "Switches", "交换机"),
    ("router", "Routers", "路由器"),
    ("wifi", "Wi-Fi", "无线"),
    ("security", "Security", "安全"),
]
PRODUCTS = [
    ("SW-2400", "Campus switch 24p", "园区交换机 24口", "switch", "12000", "8000", False),
    ("SW-4800", "Campus switch 48p", "园区交换机 48口", "switch", "21000", "14000", False),
    (
        "SW-DC100",
        "Data-centre switch 100G",
        "数据中心交换机 100G",
        "switch",
        "98000",
        "70000",
        True,
    ),
    ("RT-EDGE", "Edge router", "边缘路由器", "router", "35000", "25000", False),
    ("RT-CORE", "Core router", "核心路由器", "router", "260000", "190000", True),
    ("AP-6", "Wi-Fi 6 access point", "Wi-Fi 6 无线接入点", "wifi", "3200", "2100", False),
    ("AP-7", "Wi-Fi 7 access point", "Wi-Fi 7 无线接入点", "wifi", "5200", "3600", True),
    ("FW-500", "Next-gen firewall", "下一代防火墙", "security", "45000", "30000", False),
]
DEMO_CNY_PER_UNIT = {"EUR": Decimal("7.8"), "USD": Decimal("7.1")}
DISCOUNTS = {"registered": "5", "silver": "10", "gold": "15", "diamond": "20"}
CN_CITIES = [
    "上海",
    "北京",
    "深圳市",
    "杭州",
    "广州",
    "南京",
    "苏州",
    "成都",
    "武汉",
    "西安",
    "天津",
    "重庆",
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
    "华信",
    "新纪元",
    "腾飞",
    "长城",
    "东方",
    "凯达",
    "联创",
    "盛世",
    "国泰",
    "海纳",
    "启明",
    "锦程",
]
CN_TRADES = [
    "信息科技",
    "软件",
    "网络技术",
    "数据",
    "电子",
    "智能制造",
    "精密机械",
    "通信",
    "物流",
    "医疗器械",
    "新能源",
    "商贸",
]
CN_FORMS = ["有限公司", "股份有限公司", "有限责任公司", "集团有限公司"]
EN_WORDS = [
    "Contoso",
    "Fabrikam",
    "Northwind",
    "Tailspin",
    "Litware",
    "Adatum",
    "Proseware",
    "Wingtip",
    "Woodgrove",
    "Alpine Ski",
    "Blue Yonder",
    "Coho",
    "Graphic Design",
    "Lucerne",
    "Margie",
    "Trey Research",
    "Wide World",
    "Humongous",
    "Southridge",
    "Fourth Coffee",
]
EN_SECTORS = [
    "Logistics",
    "Retail",
    "Manufacturing",
    "Health",
    "Energy",
    "Airlines",
    "Foods",
    "Media",
    "Pharma",
    "Capital",
]
EN_FORMS = ["GmbH", "Ltd.", "Inc.", "LLC", "Corp.", "Co., Ltd."]
INDUSTRIES = ["manufacturing", "finance", "retail", "education", "healthcare", "logistics"]
N_DEALS = 3000
N_CONFLICTS = 240
FULL_WIDTH = {
    c: chr(ord(c) + 0xFEE0) for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
}


def _customers(rng: random.Random) -> list[str]:
    """Distinct realistic customer legal names, Chinese and English, in random order."""
    names = [
        f"{city}{word}{trade}{rng.choice(CN_FORMS)}"
        for city in CN_CITIES
        for word in CN_WORDS
        for trade in CN_TRADES
    ]
    names += [
        f"{word} {sector} {rng.choice(EN_FORMS)}" for word in EN_WORDS for sector in EN_SECTORS
    ]
    rng.shuffle(names)
    return names


def _variant(name: str, rng: random.Random) -> str:
    """How a second partner spells the same customer: another legal form, full-width letters,
    other case or punctuation — the same fingerprint, or one within the similarity threshold."""
    for old, new in (
        ("集团有限公司", "集团"),
        ("股份有限公司", "有限公司"),
        ("有限责任公司", "有限公司"),
        ("有限公司", "股份有限公司"),
        ("Co., Ltd.", "Limited"),
        ("Ltd.", "Limited"),
        ("Inc.", "Incorporated"),
        ("GmbH", "G.m.b.H."),
        ("LLC", "L.L.C."),
        ("Corp.", "Corporation"),
    ):
        if name.endswith(old):
            name = name[: -len(old)] + new
            break
    choice = rng.random()
    if choice < 0.3:
        return "".join(FULL_WIDTH.get(c, c) for c in name)
    if choice < 0.6:
        return name.upper() if name.isascii() else f"{name[:2]}·{name[2:]}"
    return name.replace(" ", "  ") + "。" if not name.isascii() else name.replace(" ", "-")


def _tax_id(rng: random.Random) -> str:
    return f"91{rng.randint(110000, 650000)}{rng.randint(10**9, 10**10 - 1)}"


STATUS_WEIGHTS = [
    (DealStatus.DRAFT, 6),
    (DealStatus.SUBMITTED, 12),
    (DealStatus.APPROVED, 30),
    (DealStatus.WON, 22),
    (DealStatus.LOST, 10),
    (DealStatus.REJECTED, 6),
    (DealStatus.EXPIRED, 14),
]


def _deal(*, rng, i, partner, user, name, status, now, tax_id="", region=None) -> Deal:
    submitted = (
        None if status == DealStatus.DRAFT else now - datetime.timedelta(days=rng.randint(0, 330))
    )
    if status in (DealStatus.SUBMITTED, DealStatus.IN_CONFLICT):
        submitted = now - datetime.timedelta(hours=rng.randint(1, 96))
    if status == DealStatus.EXPIRED:
        age = partner.tier.protection_days + rng.randint(3, 120)
        submitted = now - datetime.timedelta(days=age)
    approved = status in (DealStatus.APPROVED, DealStatus.WON, DealStatus.LOST, DealStatus.EXPIRED)
    decided = submitted + datetime.timedelta(hours=rng.randint(2, 40)) if approved else None
    protection = (
        decided + datetime.timedelta(days=partner.tier.protection_days) if decided else None
    )
    if status == DealStatus.APPROVED and protection < now:
        protection = now + datetime.timedelta(days=rng.randint(1, 60))
    if status == DealStatus.EXPIRED and protection > now:
        protection = now - datetime.timedelta(days=rng.randint(1, 30))
    closed = (
        min(now, decided + datetime.timedelta(days=rng.randint(5, 60))).date()
        if status in (DealStatus.WON, DealStatus.LOST)
        else None
    )
    return Deal(
        partner=partner,
        registered_by=user,
        customer_name=name,
        customer_tax_id=tax_id,
        customer_region=region or rng.choice(partner.regions or ["CN-SH"]),
        industry=rng.choice(INDUSTRIES),
        project_name=f"{rng.choice(PROJECTS)} {i + 1}",
        currency=partner.contract_currency,
        expected_close_date=(now + datetime.timedelta(days=rng.randint(10, 180))).date(),
        status=status,
        submitted_at=submitted,
        decided_at=decided if status != DealStatus.REJECTED else submitted,
        decision_reason="Duplicate of an existing opportunity"
        if status == DealStatus.REJECTED
        else "",
        sla_due_at=submitted + datetime.timedelta(days=2) if submitted else None,
        protection_ends_at=protection,
        customer_fingerprint=normalize_customer_name(name) if submitted else "",
        order_number=f"SO-{i + 1:06d}" if status == DealStatus.WON else "",
        closed_on=closed,
        lost_reason=rng.choice(LOST_REASONS) if status == DealStatus.LOST else "",
        **_contact(i),
    )


# Customer contacts (sensitive, DESIGN §2.7), picked by position so the seeded random draws stay
# the same.
CONTACTS = [
    ("王伟", "13812345678", "wang.wei@example.cn", "上海市浦东新区世纪大道100号"),
    ("李娜", "13987654321", "li.na@example.cn", "北京市海淀区中关村大街27号"),
    ("Emily Chen", "+85291234567", "emily.chen@example.com", "18 Harbour Road, Wan Chai"),
    ("张敏", "13600001111", "zhang.min@example.cn", "深圳市南山区科技园南路15号"),
    ("David Lau", "13711112222", "david.lau@example.com", "88 Century Avenue, Pudong"),
]


def _contact(i: int) -> dict[str, str]:
    name, phone, email, address = CONTACTS[i % len(CONTACTS)]
    return {
        "customer_contact_name": name,
        "customer_contact_phone": phone,
        "customer_contact_email": email,
        "customer_address": address,
    }


PROJECTS = [
    "Campus network refresh",
    "Data-centre upgrade",
    "Branch Wi-Fi rollout",
    "Firewall replacement",
    "Factory network",
    "Warehouse wireless",
    "园区网改造",
    "数据中心扩容",
    "门店无线覆盖",
    "安全边界升级",
]
LOST_REASONS = ["Price", "Competitor relationship", "Budget cut", "项目取消", "价格原因"]


def _lines(rng, deal: Deal, products: list[Product], first: Product | None = None) -> list:
    chosen = rng.sample(products, rng.randint(1, 3))
    if first is not None and first not in chosen:
        chosen[0] = first
    rows = []
    # The price list is in CNY; a deal in another contract currency quotes the converted price.
    rate = DEMO_CNY_PER_UNIT.get(deal.currency, Decimal("1"))
    for product in chosen:
        price = (
            product.list_price * Decimal(rng.choice(["0.75", "0.85", "0.9", "0.95"])) / rate
        ).quantize(Decimal("0.01"))
        quantity = rng.randint(1, 12)
        # Submitted lines carry the floor they were checked against, in the deal's currency.
        floor = (
            None
            if deal.status == DealStatus.DRAFT
            else (product.floor_price / rate).quantize(Decimal("0.01"))
        )
        rows.append(
            DealLine(
                deal=deal,
                product=product,
                quantity=quantity,
                unit_price=price,
                floor_price=floor,
            )
        )
        if deal.status == DealStatus.WON:
            rows.append(
                DealLine(
                    deal=deal, product=product, quantity=quantity, unit_price=price, final=True
                )
            )
    return rows


# The registrations a partner in exit holds when its exit starts (DESIGN §2.9).
LEAVING_CUSTOMERS = [
    "苏州恒信电子有限公司",
    "Contoso Logistics Ltd.",
    "宁波海联港务有限公司",
    "无锡新材科技有限公司",
]


def _seed_leaving(*, partner, user, products, now) -> None:
    """Open registrations of the partner in exit, for the manager to hand over."""
    rng = random.Random(7)
    deals = [
        _deal(
            rng=rng,
            i=N_DEALS + k,
            partner=partner,
            user=user,
            name=name,
            status=DealStatus.APPROVED if k % 2 == 0 else DealStatus.SUBMITTED,
            now=now,
        )
        for k, name in enumerate(LEAVING_CUSTOMERS)
    ]
    Deal.objects.bulk_create(deals)
    DealLine.objects.bulk_create(line for deal in deals for line in _lines(rng, deal, products))


def _seed_deals(*, rng, partners, users, products, now) -> tuple[int, int]:
    names = _customers(rng)
    statuses, weights = zip(*STATUS_WEIGHTS, strict=True)
    deals = []
    for i in range(N_DEALS - N_CONFLICTS):
        partner = rng.choice(partners)
        deals.append(
            _deal(
                rng=rng,
                i=i,
                partner=partner,
                user=users[partner.pk],
                name=names[i % len(names)],
                status=rng.choices(statuses, weights)[0],
                now=now,
                tax_id="" if rng.random() < 0.35 else _tax_id(rng),
            )
        )
    Deal.objects.bulk_create(deals, batch_size=1000)
    lines = []
    first_product = {}
    for deal in deals:
        rows = _lines(rng, deal, products)
        first_product[deal.pk] = rows[0].product
        lines += rows
    # Later registrations of the same customers by other partners: in conflict with the first.
    open_deals = [d for d in deals if d.status in OPEN_STATUSES]
    conflicts = []
    for j, earlier in enumerate(rng.sample(open_deals, min(N_CONFLICTS, len(open_deals)))):
        others = [p for p in partners if p.pk != earlier.partner_id]
        if not others:
            break
        partner = rng.choice(others)
        deal = _deal(
            rng=rng,
            i=N_DEALS - N_CONFLICTS + j,
            partner=partner,
            user=users[partner.pk],
            name=_variant(earlier.customer_name, rng),
            status=DealStatus.IN_CONFLICT,
            now=now,
            tax_id=earlier.customer_tax_id if rng.random() < 0.5 else "",
            region=earlier.customer_region,
        )
        deal.submitted_at = max(
            deal.submitted_at, earlier.submitted_at + datetime.timedelta(hours=1)
        )
        deal.sla_due_at = deal.submitted_at + datetime.timedelta(days=2)
        deal.conflict_with = earlier
        deal.cross_region = deal.customer_region not in (partner.regions or [])
        conflicts.append(deal)
    Deal.objects.bulk_create(conflicts, batch_size=1000)
    for deal in conflicts:
        lines += _lines(rng, deal, products, first=first_product[deal.conflict_with.pk])
    DealLine.objects.bulk_create(lines, batch_size=2000)
    return len(deals) + len(conflicts), len(conflicts)


LEADS = [
    # customer, region, industry, project, value, hours since published
    ("上海启明医疗器械有限公司", "CN-SH", "healthcare", "医院无线网络", "860000", 6),
    ("苏州锦程精密机械股份有限公司", "CN-JS", "manufacturing", "Factory network", "1250000", 20),
    ("杭州海纳数据有限公司", "CN-ZJ", "", "数据中心扩容", "2400000", 30),
    ("深圳市腾飞商贸有限公司", "CN-GD", "retail", "门店无线覆盖", "420000", 60),
    ("Woodgrove Capital Ltd.", "CN-SH", "finance", "Branch Wi-Fi rollout", "980000", 72),
    ("北京联创软件股份有限公司", "CN-BJ", "education", "Campus network refresh", "640000", 100),
]


def _seed_leads(*, publisher: User, now) -> int:
    """Leads in every phase: exclusive (inside 48 hours), open (after), one already accepted."""
    for i, (customer, region, industry, project, value, hours) in enumerate(LEADS):
        published = now - datetime.timedelta(hours=hours)
        exclusive = lead_exclusive_partners(region=region, industry=industry)
        window = max((p.tier.lead_exclusive_hours for p in exclusive), default=0)
        until = published + datetime.timedelta(hours=window) if window else None
        is_open = until is None or until <= now
        lead = Lead.objects.create(
            customer_name=customer,
            customer_region=region,
            industry=industry,
            project_name=project,
            estimated_value=Decimal(value),
            currency="CNY",
            description="Referred by the vendor's key-account team.",
            status=LeadStatus.OPEN if is_open else LeadStatus.EXCLUSIVE,
            published_by=publisher,
            published_at=published,
            exclusive_until=until,
            opened_at=(until or published) if is_open else None,
            **_contact(i),
        )
        offers = {p.pk: True for p in exclusive}
        if is_open:
            offers |= {pk: False for pk in lead_open_partner_ids(region=region) if pk not in offers}
        LeadOffer.objects.bulk_create(
            LeadOffer(
                lead=lead,
                partner_id=pk,
                exclusive=is_exclusive,
                offered_at=published if is_exclusive else (until or published),
                status=LeadOfferStatus.OFFERED,
            )
            for pk, is_exclusive in offers.items()
        )
    return len(LEADS)


@transaction.atomic
def seed(*, stdout=None) -> None:
    families = {
        code: ProductFamily.objects.update_or_create(
            code=code, defaults={"name": name, "name_zh": name_zh}
        )[0]
        for code, name, name_zh in FAMILIES
    }
    for sku, name, name_zh, family, list_price, floor, strategic in PRODUCTS:
        # Prices belong to the price list: a new product starts it with these (a database
        # trigger); a known one keeps its own, whatever was scheduled since.
        product, _ = Product.objects.get_or_create(
            sku=sku,
            defaults={
                "name": name,
                "name_zh": name_zh,
                "family": families[family],
                "list_price": Decimal(list_price),
                "floor_price": Decimal(floor),
                "currency": "CNY",
                "is_strategic": strategic,
            },
        )
        Product.objects.filter(pk=product.pk).update(
            name=name, name_zh=name_zh, family=families[family], is_strategic=strategic
        )
        priced = set(
            PriceListEntry.objects.filter(product=product, level=PriceLevel.AGREEMENT).values_list(
                "tier_id", flat=True
            )
        )
        for tier in Tier.objects.exclude(pk__in=priced):
            discount = Decimal(DISCOUNTS.get(tier.code, "0"))
            PriceListEntry.objects.create(
                product=product,
                level=PriceLevel.AGREEMENT,
                tier=tier,
                discount_percent=discount,
                valid_from=PRICE_LIST_START,
            )
            ProductTierDiscount.objects.update_or_create(
                product=product, tier=tier, defaults={"discount_percent": discount}
            )
    now = timezone.now()
    rng = random.Random(42)
    users: dict[int, User] = {}
    for user in User.objects.filter(
        partner__isnull=False, is_active=True, role__in=["partner_admin", "partner_sales"]
    ).order_by("partner_id", "pk"):
        users.setdefault(user.partner_id, user)
    partners = list(Partner.objects.filter(pk__in=users).select_related("tier").order_by("pk"))
    # A partner in exit registers nothing new; it gets the few open registrations it had before.
    leaving = [p for p in partners if partner_exit_open_of(partner_id=p.pk) is not None]
    partners = [p for p in partners if p not in leaving]
    made = []
    if partners and not Deal.objects.exists():
        products = list(Product.objects.all())
        total, conflicts = _seed_deals(
            rng=rng, partners=partners, users=users, products=products, now=now
        )
        for partner in leaving:
            total += len(LEAVING_CUSTOMERS)
            _seed_leaving(partner=partner, user=users[partner.pk], products=products, now=now)
        made.append(f"{total} registrations ({conflicts} in conflict)")
    publisher = User.objects.filter(
        role__in=["channel_manager", "channel_director", "admin"]
    ).first()
    if publisher is not None and not Lead.objects.exists():
        made.append(f"{_seed_leads(publisher=publisher, now=now)} leads")
    if stdout:
        stdout.write(f"deals: {len(PRODUCTS)} products, {', '.join(made) or 'already seeded'}\n")
