"""Factories shared by every app's tests (users, partners). Apps add their own next to their tests."""

from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from accounts.choices import Role
from accounts.models import User
from partners.choices import PartnerType
from partners.defaults import ensure_default_tiers
from partners.models import Partner, Tier

PASSWORD = "a-good-test-password"


def tier(code: str = "silver") -> Tier:
    # Transactional tests flush the migrated tiers; put the defaults back when missing.
    ensure_default_tiers(Tier)
    return Tier.objects.get(code=code)


class PartnerFactory(DjangoModelFactory):
    class Meta:
        model = Partner

    legal_name = factory.Sequence(lambda n: f"Partner {n} Co., Ltd.")
    tax_id = factory.Sequence(lambda n: f"TAX{n:08d}")
    country = "CN"
    partner_type = PartnerType.RESELLER
    regions = factory.LazyFunction(lambda: ["CN-SH"])
    tier = factory.LazyFunction(lambda: tier("silver"))
    contract_currency = "CNY"
    credit_limit = Decimal("100000.00")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Sequence(lambda n: f"User {n}")
    role = Role.CHANNEL_MANAGER
    language = "en"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class PartnerUserFactory(UserFactory):
    role = Role.PARTNER_ADMIN
    partner = factory.SubFactory(PartnerFactory)


def staff(role: str = Role.CHANNEL_MANAGER, **kwargs) -> User:
    return UserFactory(role=role, **kwargs)
