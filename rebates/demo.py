"""Demo data: the default programme, targets and a quarter of sales lines for the demo partners.

Idempotent: lines have fixed invoice numbers (re-imports are skipped) and targets are upserted.
Partners are looked up by tax ID; a missing one is skipped.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from core.periods import Quarter
from partners.models import Partner

from .importers import SalesLineImporter
from .models import Target
from .services import accruals_calculate, programme_ensure_default

STRATEGIC = ["PRM-AI-200"]
# tax id, target, [(order, product, amount, kind, deal reference)]
DEMO = [
    (
        "91310000MA1FL8TQ36",
        Decimal("2000000"),
        [
            ("SO-HD-001", "PRM-CORE-100", "820000", "sale", "D-HD-17"),
            ("SO-HD-002", "PRM-CORE-100", "640000", "sale", ""),
            ("SO-HD-003", "PRM-AI-200", "380000", "sale", ""),
            ("SO-HD-004", "PRM-EDGE-300", "460000", "sale", ""),
            ("SO-HD-002", "PRM-CORE-100", "50000", "return", ""),
        ],
    ),
    (
        "91440300MA5G9XKT2X",
        Decimal("800000"),
        [
            ("SO-ZL-001", "PRM-CORE-100", "420000", "sale", ""),
            ("SO-ZL-002", "PRM-AI-200", "180000", "sale", "D-ZL-03"),
            ("SO-ZL-003", "PRM-EDGE-300", "100000", "sale", ""),
        ],
    ),
    (
        "DE811234567",
        Decimal("150000"),
        [
            ("SO-NW-001", "PRM-CORE-100", "90000", "sale", ""),
            ("SO-NW-002", "PRM-AI-200", "40000", "sale", ""),
        ],
    ),
    (
        "91110000MA01ABCD52",
        Decimal("300000"),
        [("SO-YQ-001", "PRM-CORE-100", "320000", "sale", "")],
    ),
]


def seed(*, stdout=None) -> None:
    programme = programme_ensure_default()
    if not programme.strategic_product_codes:
        programme.strategic_product_codes = STRATEGIC
        programme.save(update_fields=["strategic_product_codes"])
    today = timezone.localdate()
    period = Quarter.containing(today)
    rows = []
    partner_ids = []
    for tax_id, target_amount, lines in DEMO:
        partner = Partner.objects.filter(tax_id=tax_id).first()
        if partner is None:
            if stdout:
                stdout.write(f"rebates: partner {tax_id} missing, skipped")
            continue
        partner_ids.append(partner.pk)
        Target.objects.update_or_create(
            programme=programme,
            partner=partner,
            period=str(period),
            defaults={"amount": target_amount, "currency": partner.contract_currency},
        )
        for n, (order, product, amount, kind, deal) in enumerate(lines, start=1):
            day = min(period.start + datetime.timedelta(days=9 * n), today)
            rows.append(
                {
                    "partner_tax_id": tax_id,
                    "order_number": order,
                    "invoice_number": f"DEMO-{period}-{tax_id[-6:]}-{n}",
                    "line": 1,
                    "invoice_date": day.isoformat(),
                    "product_code": product,
                    "quantity": 1,
                    "net_amount": amount,
                    "currency": partner.contract_currency,
                    "kind": kind,
                    "deal_reference": deal,
                }
            )
    if not rows:
        return
    SalesLineImporter().save(rows, None)
    accruals_calculate(period=period, partner_range=(min(partner_ids), max(partner_ids)))
    if stdout:
        stdout.write(f"rebates: {len(rows)} demo sales lines, accruals for {period}")
