import pytest

from deals import demo
from deals.models import Deal, Product
from tests.factories import PartnerUserFactory

pytestmark = pytest.mark.django_db


def test_seed_is_idempotent():
    PartnerUserFactory()
    demo.seed()
    demo.seed()
    assert Product.objects.count() == len(demo.PRODUCTS)
    assert Deal.objects.count() == 400
