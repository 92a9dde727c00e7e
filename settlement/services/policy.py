"""Settlement settings (DESIGN §9): the countersign threshold, the reconciliation matching rules
and the partners' withholding tax rates, changed by finance with an audit row each time."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from accounts.models import User
from core.settings_pages import settings_change
from partners.models import Partner

from ..models import PartnerTaxProfile, SettlementPolicy
from ._common import _require_finance

POLICY_FIELDS = (
    "countersign_threshold",
    "countersign_approvers",
    "match_window_days",
    "amount_tolerance",
    "duplicate_payment_days",
)


@transaction.atomic
def settlement_policy_update(*, actor: User, values: dict[str, Any]) -> dict:
    """Change the settlement settings; the next statement and matching run read them."""
    _require_finance(actor)
    SettlementPolicy.current()
    policy = SettlementPolicy.objects.select_for_update().get(pk=1)
    return settings_change(
        actor=actor,
        obj=policy,
        values={k: v for k, v in values.items() if k in POLICY_FIELDS},
        action="settlement_policy.changed",
    )


@transaction.atomic
def partner_tax_rate_set(*, actor: User, partner: Partner, tax_rate: Decimal | str) -> dict:
    """Set a partner's withholding tax rate; statements built from now on deduct it."""
    _require_finance(actor)
    profile, _created = PartnerTaxProfile.objects.select_for_update().get_or_create(partner=partner)
    return settings_change(
        actor=actor,
        obj=profile,
        values={"tax_rate": tax_rate},
        action="partner_tax_rate.changed",
        partner=partner,
    )
