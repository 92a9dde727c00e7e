"""Currency conversion from the FX rate table (DESIGN §5.1, §6.1). Unrounded: callers round once."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from .models import FxRate


class FxRateMissing(LookupError):
    pass


def _latest(base: str, quote: str, on: datetime.date) -> Decimal | None:
    row = (
        FxRate.objects.filter(base_currency=base, quote_currency=quote, rate_date__lte=on)
        .order_by("-rate_date")
        .values_list("rate", flat=True)
        .first()
    )
    return row


def fx_rate(base: str, quote: str, on: datetime.date) -> Decimal:
    """Units of `quote` per unit of `base`: the latest rate on or before `on`.

    Uses the direct pair, else its inverse, else a cross through the base currency (CNY).
    """
    if base == quote:
        return Decimal(1)
    direct = _latest(base, quote, on)
    if direct is not None:
        return direct
    inverse = _latest(quote, base, on)
    if inverse is not None:
        return Decimal(1) / inverse
    pivot = settings.PRM_BASE_CURRENCY
    if pivot not in (base, quote):
        try:
            return fx_rate(base, pivot, on) * fx_rate(pivot, quote, on)
        except FxRateMissing:
            pass
    raise FxRateMissing(
        _("No FX rate from %(base)s to %(quote)s on or before %(date)s.")
        % {"base": base, "quote": quote, "date": on}
    )


def fx_convert(amount: Decimal, base: str, quote: str, on: datetime.date) -> Decimal:
    return amount * fx_rate(base, quote, on)
