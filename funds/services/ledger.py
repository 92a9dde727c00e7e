"""The MDF ledger (DESIGN §7): quarterly accrual, discretionary allocation and expiry.

Every movement of money is a new ledger row; the balance is their sum.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.scoping import can_manage_partner
from core.audit import audit_record
from core.money import round_money
from core.periods import Quarter
from partners.models import Partner

from ..choices import ALLOCATION_KINDS, LedgerKind
from ..inputs import partner_net_revenue, partners_net_revenue
from ..models import MdfLedgerEntry
from ..selectors import mdf_balance
from ._common import _entry, _lock_partner, _today


@transaction.atomic
def mdf_accrue(
    *, partner, quarter: Quarter, revenue: Decimal | None = None
) -> MdfLedgerEntry | None:
    """Accrue tier MDF rate × the previous quarter's net revenue for `quarter`, at most once.

    `revenue` is the previous quarter's net revenue when the caller already has it (the job reads
    it for a whole chunk of partners in one query); otherwise it is read here.
    """
    rate = partner.tier.mdf_rate
    if MdfLedgerEntry.objects.filter(
        partner=partner, quarter=str(quarter), kind=LedgerKind.ACCRUAL
    ).exists():
        return None
    if revenue is None:
        revenue = partner_net_revenue(partner, quarter.previous())
    amount = round_money(rate * revenue, partner.contract_currency)
    if amount <= 0:
        return None
    try:
        with transaction.atomic():
            entry = _entry(
                partner=partner,
                kind=LedgerKind.ACCRUAL,
                amount=amount,
                quarter=quarter,
                reason=_("%(rate)s × net revenue %(revenue)s of %(quarter)s")
                % {
                    "rate": rate,
                    "revenue": round_money(revenue, partner.contract_currency),
                    "quarter": quarter.previous(),
                },
            )
    except IntegrityError:
        return None  # a concurrent run accrued it first
    audit_record(actor=None, action="mdf.accrued", obj=entry, partner=partner)
    return entry


# Not atomic as a whole: a quarterly batch; each partner's accrual is its own transaction.
def mdf_accrue_all(*, quarter: Quarter, chunk_size: int = 500) -> int:
    """The quarterly accrual job: one accrual per active partner; safe to run again.

    Partners are read in chunks; each chunk's previous-quarter revenue is one query.
    """
    created = 0
    partners = (
        Partner.objects.filter(status="active", tier__mdf_rate__gt=0)
        .exclude(
            pk__in=MdfLedgerEntry.objects.filter(
                quarter=str(quarter), kind=LedgerKind.ACCRUAL
            ).values("partner_id")
        )
        .select_related("tier")
        .order_by("pk")
    )
    chunk: list = []
    for partner in partners.iterator(chunk_size=chunk_size):
        chunk.append(partner)
        if len(chunk) == chunk_size:
            created += _accrue_chunk(chunk, quarter)
            chunk = []
    if chunk:
        created += _accrue_chunk(chunk, quarter)
    return created


def _accrue_chunk(partners: list, quarter: Quarter) -> int:
    revenue = partners_net_revenue(partners, quarter.previous())
    created = 0
    for partner in partners:
        if partner.pk not in revenue:
            continue
        if mdf_accrue(partner=partner, quarter=quarter, revenue=revenue[partner.pk]) is not None:
            created += 1
    return created


@transaction.atomic
def mdf_allocate(*, partner, amount: Decimal, reason: str, actor) -> MdfLedgerEntry:
    """A discretionary allocation by staff; the reason is mandatory."""
    if not actor.is_vendor_staff or not (
        actor.is_admin or actor.role == Role.CHANNEL_DIRECTOR or can_manage_partner(actor, partner)
    ):
        raise PermissionDenied
    errors = {}
    if not (reason or "").strip():
        errors["reason"] = _("Give the reason for this allocation.")
    if amount is None or amount <= 0:
        errors["amount"] = _("The amount must be greater than zero.")
    if errors:
        raise ValidationError(errors)
    entry = _entry(
        partner=partner,
        kind=LedgerKind.DISCRETIONARY,
        amount=amount,
        quarter=Quarter.containing(_today()),
        reason=reason.strip(),
        created_by=actor,
    )
    audit_record(actor=actor, action="mdf.allocated", obj=entry, note=entry.reason)
    return entry


@transaction.atomic
def mdf_expire(*, partner, quarter: Quarter) -> MdfLedgerEntry | None:
    """Expire funds still unused at the end of `quarter` that were allocated before it.

    Funds are spent oldest first, so what remains beyond this quarter's own allocations is the
    previous quarter's money, which expires now (DESIGN §7). Runs at most once per quarter.
    """
    partner = _lock_partner(partner)
    if MdfLedgerEntry.objects.filter(
        partner=partner, quarter=str(quarter), kind=LedgerKind.EXPIRY
    ).exists():
        return None
    recent = MdfLedgerEntry.objects.filter(
        partner=partner, kind__in=ALLOCATION_KINDS, quarter__gte=str(quarter)
    ).aggregate(total=Sum("amount"))["total"] or Decimal("0")
    unused = mdf_balance(partner=partner) - recent
    if unused <= 0:
        return None
    entry = _entry(
        partner=partner,
        kind=LedgerKind.EXPIRY,
        amount=-unused,
        quarter=quarter,
        reason=_("Funds allocated before %(quarter)s unused at its end") % {"quarter": quarter},
    )
    audit_record(actor=None, action="mdf.expired", obj=entry, partner=partner)
    return entry


# Not atomic as a whole: a quarterly batch; each partner's expiry is its own transaction.
def mdf_expire_all(*, quarter: Quarter) -> int:
    partner_ids = MdfLedgerEntry.objects.values_list("partner_id", flat=True).distinct().order_by()
    expired = 0
    for partner in Partner.objects.filter(pk__in=partner_ids).iterator(chunk_size=500):
        if mdf_expire(partner=partner, quarter=quarter) is not None:
            expired += 1
    return expired
