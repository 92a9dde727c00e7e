"""MDF test data: ledger allocations and fund requests built through the services where it matters."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.periods import Quarter
from funds.choices import LedgerKind
from funds.models import MdfLedgerEntry
from funds.services import fund_request_submit

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n"


def pdf(name: str = "invoice.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def allocation(partner, amount, *, quarter: str | None = None, kind=LedgerKind.DISCRETIONARY):
    return MdfLedgerEntry.objects.create(
        partner=partner,
        kind=kind,
        amount=Decimal(amount),
        currency=partner.contract_currency,
        quarter=quarter or str(Quarter.containing(timezone.localdate())),
        reason="test allocation",
    )


def submit(partner, actor, amount="1000.00", *, budget=None, days_from_now=10, **extra):
    amount = Decimal(amount)
    start = timezone.localdate() + datetime.timedelta(days=days_from_now)
    values = {
        "title": "Technical salon Shanghai",
        "activity_type": "technical_salon",
        "start_date": start,
        "end_date": start + datetime.timedelta(days=1),
        "total_budget": budget if budget is not None else amount * 2,
        "requested_amount": amount,
        "expected_leads": 20,
    } | extra
    return fund_request_submit(partner=partner, actor=actor, **values)
