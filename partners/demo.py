"""A few demo partners with users for every partner role."""

from decimal import Decimal

from accounts.choices import Role
from accounts.demo import demo_user
from accounts.models import User

from .choices import PartnerType
from .models import Partner, Tier

PARTNERS = [
    # tax id, name, type, tier, regions, parent tax id, currency, specializations, users' domain
    (
        "91310000MA1FL8TQ3K",
        "华东数字科技有限公司",
        PartnerType.DISTRIBUTOR,
        "diamond",
        ["CN-SH", "CN-JS", "CN-ZJ"],
        None,
        "CNY",
        ["manufacturing", "finance"],
        "huadong",
    ),
    (
        "91440300MA5G9XKT2B",
        "深圳智联网络股份有限公司",
        PartnerType.RESELLER,
        "gold",
        ["CN-GD"],
        "91310000MA1FL8TQ3K",
        "CNY",
        ["retail", "education"],
        "zhilian",
    ),
    (
        "DE811234567",
        "Northwind Systems GmbH",
        PartnerType.SERVICE_PROVIDER,
        "silver",
        ["DE"],
        None,
        "EUR",
        ["healthcare"],
        "northwind",
    ),
    (
        "91110000MA01ABCD5X",
        "北京云启信息技术有限公司",
        PartnerType.ISV,
        "registered",
        ["CN-BJ", "CN-TJ"],
        None,
        "CNY",
        ["government"],
        "yunqi",
    ),
]


def seed(*, stdout=None) -> None:
    manager = User.objects.get(email="manager@prm.demo")
    tiers = {t.code: t for t in Tier.objects.all()}
    for tax_id, name, ptype, tier, regions, parent_tax, currency, specs, domain in PARTNERS:
        partner, _ = Partner.objects.get_or_create(
            tax_id=tax_id,
            defaults={
                "legal_name": name,
                "partner_type": ptype,
                "tier": tiers[tier],
                "regions": regions,
                "parent": Partner.objects.filter(tax_id=parent_tax).first() if parent_tax else None,
                "country": "DE" if tax_id.startswith("DE") else "CN",
                "contract_currency": currency,
                "credit_limit": Decimal("500000.00"),
                "specializations": specs,
                "channel_manager": manager,
            },
        )
        lang = "en" if currency == "EUR" else "zh-hans"
        demo_user(
            f"admin@{domain}.demo",
            f"{domain.title()} Admin",
            Role.PARTNER_ADMIN,
            partner=partner,
            language=lang,
        )
        demo_user(
            f"sales@{domain}.demo",
            f"{domain.title()} Sales",
            Role.PARTNER_SALES,
            partner=partner,
            language=lang,
        )
        demo_user(
            f"finance@{domain}.demo",
            f"{domain.title()} Finance",
            Role.PARTNER_FINANCE,
            partner=partner,
            language=lang,
        )
