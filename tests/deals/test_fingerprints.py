"""Customer fingerprints (DESIGN §4.2): more than a place, recomputed for stored registrations."""

import importlib
from decimal import Decimal

import pytest
from django.apps import apps

from deals import services
from deals.choices import DealStatus
from deals.models import Deal

from .factories import DealFactory, ProductFactory

pytestmark = pytest.mark.django_db


def submitted(**kwargs) -> Deal:
    deal = DealFactory(**kwargs)
    return services.deal_submit(deal=deal, actor=deal.registered_by)


def test_different_companies_named_after_one_city_do_not_conflict():
    # given a registration of 广州国际贸易有限公司 with its USCC
    product = ProductFactory()
    submitted(
        customer_name="广州国际贸易有限公司",
        customer_tax_id="91440101MA5CQ1AB2X",
        lines=[(product, 1, Decimal("900"))],
    )
    # when another partner registers 广州实业发展有限公司, another USCC, the same product
    later = submitted(
        customer_name="广州实业发展有限公司",
        customer_tax_id="91440101MA59TK3C7Y",
        lines=[(product, 1, Decimal("900"))],
    )
    # then they are different customers: no conflict, the fingerprint is more than the city
    assert later.status == DealStatus.SUBMITTED
    assert later.customer_fingerprint == "广州实业发展"


def test_the_same_company_written_differently_still_conflicts():
    product = ProductFactory()
    first = submitted(customer_name="广州国际贸易有限公司", lines=[(product, 1, Decimal("900"))])
    later = submitted(
        customer_name="广州 国际贸易 有限责任公司", lines=[(product, 1, Decimal("900"))]
    )
    assert later.conflict_with_id == first.pk


def test_migration_recomputes_stored_fingerprints():
    # given a registration stored with a fingerprint reduced to its city, and a draft without
    deal = DealFactory(customer_name="广州国际贸易有限公司")
    Deal.objects.filter(pk=deal.pk).update(status=DealStatus.SUBMITTED, customer_fingerprint="广州")
    draft = DealFactory(customer_name="广州实业发展有限公司")
    migration = importlib.import_module("deals.migrations.0007_recompute_customer_fingerprints")
    # when the data migration runs
    migration.recompute_fingerprints(apps, None)
    # then the registration's fingerprint follows the rule, the draft still has none
    deal.refresh_from_db()
    draft.refresh_from_db()
    assert deal.customer_fingerprint == "广州国际贸易"
    assert draft.customer_fingerprint == ""
