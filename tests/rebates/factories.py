"""Factories and helpers of the rebates tests."""

from __future__ import annotations

import itertools
from decimal import Decimal

from core.periods import Quarter
from rebates.models import Programme, SalesLine, Target
from rebates.services import DEFAULT_BRACKETS, programme_save

PERIOD = Quarter.parse("2026Q3")
_invoice = itertools.count(1)


def programme(**fields) -> Programme:
    fields.setdefault("name", f"Programme {next(_invoice)}")
    brackets = fields.pop("brackets", DEFAULT_BRACKETS)
    return programme_save(actor=None, programme=Programme(**fields), brackets=brackets)


def target(prog: Programme, partner, amount, period: str = str(PERIOD)) -> Target:
    return Target.objects.create(
        programme=prog,
        partner=partner,
        period=period,
        amount=Decimal(str(amount)),
        currency=partner.contract_currency,
    )


def line(
    partner,
    amount,
    *,
    order: str = "SO-1",
    deal: str = "",
    sku: str = "SKU-A",
    kind: str = "sale",
    currency: str | None = None,
    day: str = "2026-08-15",
) -> SalesLine:
    number = next(_invoice)
    return SalesLine.objects.create(
        partner=partner,
        order_number=order,
        invoice_number=f"INV-{number}",
        line_number=1,
        invoice_date=day,
        product_code=sku,
        quantity=Decimal("1"),
        net_amount=Decimal(str(amount)),
        currency=currency or partner.contract_currency,
        kind=kind,
        deal_reference=deal,
    )
