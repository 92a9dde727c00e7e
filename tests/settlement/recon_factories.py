"""Orders, deliveries and payments for the reconciliation tests, and a synchronous run."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

from settlement import services
from settlement.models import Delivery, Order, Payment, ReconciliationRun

_numbers = itertools.count(1)
DAY = datetime.date(2026, 7, 10)


def order(partner, amount="1000.00", *, reference=None, on=DAY, currency="CNY") -> Order:
    return Order.objects.create(
        partner=partner,
        reference=reference or f"SO-{next(_numbers)}",
        order_date=on,
        amount=Decimal(amount),
        currency=currency,
    )


def payment(partner, amount="1000.00", *, reference="", on=DAY, currency="CNY") -> Payment:
    return Payment.objects.create(
        partner=partner,
        transaction_id=f"TX-{next(_numbers)}",
        reference=reference,
        paid_on=on,
        amount=Decimal(amount),
        currency=currency,
    )


def delivery(partner, amount="1000.00", *, order_reference="", on=DAY, currency="CNY") -> Delivery:
    return Delivery.objects.create(
        partner=partner,
        reference=f"DN-{next(_numbers)}",
        order_reference=order_reference,
        delivery_date=on,
        amount=Decimal(amount),
        currency=currency,
    )


def run_matching(chunks: int = 2) -> ReconciliationRun:
    """A full run, in-process: fan-out then every chunk (what the Celery tasks do)."""
    run = ReconciliationRun.objects.create()
    for chunk in services.reconciliation_run_fan_out(run_id=run.pk, chunks=chunks):
        services.reconciliation_chunk_run(run_id=run.pk, partner_range=tuple(chunk))
    run.refresh_from_db()
    return run
