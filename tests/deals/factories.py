"""Factories of the deals app."""

import datetime
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from deals.models import Deal, DealLine, Product, ProductFamily
from tests.factories import PartnerFactory, PartnerUserFactory


class ProductFamilyFactory(DjangoModelFactory):
    class Meta:
        model = ProductFamily
        django_get_or_create = ["code"]

    code = "switch"
    name = "Switches"


class ProductFactory(DjangoModelFactory):
    class Meta:
        model = Product

    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = factory.Sequence(lambda n: f"Product {n}")
    family = factory.SubFactory(ProductFamilyFactory)
    list_price = Decimal("1000.00")
    floor_price = Decimal("600.00")
    currency = "CNY"


class DealFactory(DjangoModelFactory):
    class Meta:
        model = Deal
        skip_postgeneration_save = True

    partner = factory.SubFactory(PartnerFactory)
    registered_by = factory.LazyAttribute(lambda o: PartnerUserFactory(partner=o.partner))
    customer_name = "上海华东信息科技有限公司"
    customer_tax_id = ""
    customer_region = "CN-SH"
    industry = "manufacturing"
    project_name = factory.Sequence(lambda n: f"Project {n}")
    currency = "CNY"
    expected_close_date = factory.LazyFunction(
        lambda: datetime.date.today() + datetime.timedelta(days=60)
    )

    @factory.post_generation
    def lines(obj, create, extracted, **kwargs):
        if not create:
            return
        for product, quantity, price in extracted or [(None, 2, Decimal("900.00"))]:
            DealLine.objects.create(
                deal=obj, product=product or ProductFactory(), quantity=quantity, unit_price=price
            )
