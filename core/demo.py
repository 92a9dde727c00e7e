"""Demo exchange rates into the base currency (CNY) for the demo's contract currencies: one rate
on the first day of every month of the last two years, so amounts in EUR, USD, JPY, HKD and SGD
convert on any recent date. Idempotent."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from .models import FxRate

# Units of CNY per unit: a rough level and a small monthly drift so the rates are not flat.
RATES = {
    "EUR": (Decimal("7.80"), Decimal("0.012")),
    "USD": (Decimal("7.15"), Decimal("0.008")),
    "JPY": (Decimal("0.0480"), Decimal("0.0002")),
    "HKD": (Decimal("0.915"), Decimal("0.001")),
    "SGD": (Decimal("5.35"), Decimal("0.006")),
}
MONTHS = 24


def seed(*, stdout=None) -> None:
    base = settings.PRM_BASE_CURRENCY
    first = timezone.localdate().replace(day=1)
    days = []
    for back in range(MONTHS):
        year, month = divmod(first.year * 12 + first.month - 1 - back, 12)
        days.append(datetime.date(year, month + 1, 1))
    rows = [
        FxRate(
            base_currency=currency,
            quote_currency=base,
            rate_date=day,
            rate=(level + drift * ((index % 6) - 3)).quantize(Decimal("0.0001")),
        )
        for currency, (level, drift) in RATES.items()
        for index, day in enumerate(days)
    ]
    FxRate.objects.bulk_create(rows, ignore_conflicts=True)
