"""The partner's response window (DESIGN §6.2): one definition for publication, the partner's
actions and the nightly deemed confirmation."""

from __future__ import annotations

import datetime

from django.db.models import Q

from core.business_days import add_business_days

RESPONSE_BUSINESS_DAYS = 7


def response_deadline(published_at: datetime.datetime) -> datetime.datetime:
    """The moment the window closes: 7 business days after publication, same time of day."""
    return add_business_days(published_at, RESPONSE_BUSINESS_DAYS)


def response_window_closed(*, due_at: datetime.datetime | None, now: datetime.datetime) -> bool:
    """True once `now` is past the deadline; at the deadline itself the partner may still act."""
    return due_at is not None and now > due_at


def response_window_closed_filter(*, now: datetime.datetime) -> Q:
    """`response_window_closed` as a statement filter, for the nightly deemed confirmation."""
    return Q(response_due_at__isnull=False, response_due_at__lt=now)


# Payment behaviour for the credit rating (DESIGN §2.6): an order is due this many days after its
# date, and the rating looks back this many days for orders due and disputes answered.
PAYMENT_TERMS_DAYS = 30
PAYMENT_BEHAVIOUR_LOOKBACK_DAYS = 365
