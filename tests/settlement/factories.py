"""Helpers that put entries in the settlement queue and statements through their states."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

from accounts.choices import Role
from core.models import FxRate
from settlement import services
from settlement.choices import EntryKind
from tests.factories import staff

_sources = itertools.count(1)
PERIOD = "2026Q3"


def queue_entry(
    partner,
    amount: str | Decimal = "100.00",
    *,
    kind: str = EntryKind.REBATE_ACCRUAL,
    currency: str = "CNY",
    period: str = PERIOD,
    description: str = "Q3 rebate",
    source_id=None,
):
    return services.settlement_entry_queue(
        partner=partner,
        kind=kind,
        amount=Decimal(amount),
        currency=currency,
        description=description,
        source_type="tests.source",
        source_id=source_id if source_id is not None else next(_sources),
        period=period,
    )


def fx(base: str, quote: str, rate: str, on: datetime.date = datetime.date(2026, 9, 30)):
    return FxRate.objects.create(
        base_currency=base, quote_currency=quote, rate_date=on, rate=Decimal(rate)
    )


def built_statement(partner, amount: str = "100.00", period: str = PERIOD):
    queue_entry(partner, amount, period=period, currency=partner.contract_currency)
    return services.statement_build(partner=partner, period=period)


def approved_statement(partner, amount: str = "100.00"):
    statement = built_statement(partner, amount)
    preparer = staff(Role.FINANCE)
    services.statement_submit(statement=statement, actor=preparer)
    statement.refresh_from_db()
    for _ in range(statement.required_approvals):
        services.statement_approve(statement=statement, actor=staff(Role.FINANCE))
    statement.refresh_from_db()
    return statement


def published_statement(partner, amount: str = "100.00"):
    statement = approved_statement(partner, amount)
    services.statement_publish(statement=statement, actor=staff(Role.FINANCE))
    statement.refresh_from_db()
    return statement
