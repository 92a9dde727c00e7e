"""Demo seed: idempotent, meaningful accruals for the demo partners."""

from decimal import Decimal

import pytest

from rebates import demo
from rebates.models import Accrual, SalesLine
from tests.factories import PartnerFactory, tier

pytestmark = pytest.mark.django_db


def test_seed_is_idempotent_and_gives_accruals(time_machine):
    time_machine.move_to("2026-11-23T08:00:00Z")
    PartnerFactory(tax_id="91310000MA1FL8TQ36", tier=tier("diamond"))
    PartnerFactory(tax_id="91440300MA5G9XKT2X", tier=tier("gold"))
    demo.seed()
    demo.seed()
    assert SalesLine.objects.count() == 8
    amounts = {a.partner.tax_id: a.amount for a in Accrual.objects.select_related("partner")}
    assert amounts["91310000MA1FL8TQ36"] > Decimal("0")
    assert amounts["91440300MA5G9XKT2X"] == Decimal("38500.00")  # 700,000 × 5% × 1.1
    assert set(Accrual.objects.values_list("period", flat=True)) == {"2026Q4"}
