"""Reads of credit limit applications and a partner's credit exposure (DESIGN §2.6), scoped to
what the user may see.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from accounts.models import User
from accounts.scoping import get_scoped_or_404
from core.fx import FxRateMissing, fx_convert
from core.money import round_money

from ..choices import CreditKind, CreditStatus
from ..figures import figure
from ..models import CreditApplication, Partner


def credit_application_list_for(*, user: User, status: str = "") -> QuerySet[CreditApplication]:
    qs = CreditApplication.objects.visible_to(user).select_related(
        "partner", "requested_by", "decided_by"
    )
    return qs.filter(status=status) if status else qs


def credit_application_get_for(*, user: User, pk) -> CreditApplication:
    return get_scoped_or_404(
        CreditApplication.objects.select_related("partner", "requested_by", "decided_by"),
        user,
        pk=pk,
    )


def _in_contract_currency(rows, partner: Partner, on: datetime.date) -> Decimal:
    total = Decimal("0")
    for currency, amount in rows:
        total += fx_convert(amount, currency, partner.contract_currency, on)
    return total


def _orders_total(partner: Partner, on: datetime.date) -> Decimal:
    """Orders of the partner in its contract currency (figure "orders", from settlement)."""
    return _in_contract_currency(figure("orders")(partner=partner), partner, on)


def _payments_total(partner: Partner, on: datetime.date) -> Decimal:
    """Payments received from the partner in its contract currency (figure "payments")."""
    return _in_contract_currency(figure("payments")(partner=partner), partner, on)


def credit_exposure_for(*, partner: Partner) -> dict:
    """Outstanding exposure (unpaid orders) against the limits in force (DESIGN §2.6)."""
    today = timezone.localdate()
    special = CreditApplication.objects.unrestricted(
        "the partner was authorised by the caller"
    ).filter(partner=partner, kind=CreditKind.SPECIAL, status=CreditStatus.APPROVED).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=today)
    ).aggregate(total=Sum("amount"))["total"] or Decimal("0")
    try:
        orders = _orders_total(partner, today)
        payments = _payments_total(partner, today)
        rate_missing = False
    except FxRateMissing:
        orders, payments, rate_missing = Decimal("0"), Decimal("0"), True
    currency = partner.contract_currency
    exposure = round_money(max(orders - payments, Decimal("0")), currency)
    limit = partner.credit_limit + special
    return {
        "currency": currency,
        "normal_limit": partner.credit_limit,
        "special_limit": special,
        "limit": limit,
        "orders": round_money(orders, currency),
        "payments": round_money(payments, currency),
        "exposure": exposure,
        "available": limit - exposure,
        "over_limit": exposure > limit,
        "rate_missing": rate_missing,
    }
