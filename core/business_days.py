"""Business-day arithmetic for SLAs and windows (deal approval SLA, dispute window)."""

from __future__ import annotations

import datetime


def add_business_days(start: datetime.datetime | datetime.date, days: int):
    """The moment `days` business days (Mon–Fri) after `start`, keeping the time of day."""
    current = start
    remaining = days
    while remaining > 0:
        current += datetime.timedelta(days=1)
        if current.weekday() < 5:
            remaining -= 1
    return current
