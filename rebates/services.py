"""Writes of the rebates app: programmes and brackets, targets, and the accrual runs (DESIGN §5)."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext_lazy as _

from core.audit import audit_record, diff, snapshot
from core.money import round_money
from core.periods import Quarter

from .calculation import accruals_calculate_chunk
from .choices import ProgrammeMode
from .models import Accrual, Bracket, Programme, Target, brackets_validate

DEFAULT_PROGRAMME_NAME = "Standard quarterly rebate"
DEFAULT_BRACKETS = [
    (Decimal("0"), Decimal("80"), Decimal("0")),
    (Decimal("80"), Decimal("100"), Decimal("0.05")),
    (Decimal("100"), Decimal("120"), Decimal("0.10")),
    (Decimal("120"), None, Decimal("0.15")),
]
PROGRAMME_FIELDS = [
    "name",
    "mode",
    "eligible_product_codes",
    "strategic_product_codes",
    "strategic_bonus",
    "nps_low_below",
    "nps_low_factor",
    "nps_high_from",
    "nps_high_factor",
    "contract_cap",
    "base_amount",
    "share_rate",
    "is_active",
]


@transaction.atomic
def programme_save(
    *,
    actor,
    programme: Programme,
    brackets: list[tuple[Decimal, Decimal | None, Decimal]],
) -> Programme:
    """Create or update a programme and replace its brackets; refuses overlapping or gapped ones."""
    if programme.mode != ProgrammeMode.BASE_SHARE or brackets:
        try:
            brackets_validate(brackets)
        except ValidationError as exc:
            raise ValidationError({"brackets": exc.messages}) from exc
    programme.full_clean()
    before = {}
    if programme.pk:
        locked = Programme.objects.select_for_update().get(pk=programme.pk)
        before = snapshot(locked, PROGRAMME_FIELDS)
    programme.save()
    old = [(b.lower, b.upper, b.rate) for b in programme.brackets.order_by("lower")]
    new = sorted(brackets, key=lambda b: b[0])
    if old != new:
        programme.brackets.all().delete()
        Bracket.objects.bulk_create(
            [Bracket(programme=programme, lower=lo, upper=up, rate=r) for lo, up, r in new]
        )
    changes = diff(before, snapshot(programme, PROGRAMME_FIELDS))
    if old != new:
        changes["brackets"] = {
            "before": [[str(v) for v in b] for b in old],
            "after": [[str(v) for v in b] for b in new],
        }
    audit_record(
        actor=actor,
        action="rebate_programme.created" if not before else "rebate_programme.changed",
        obj=programme,
        changes=changes,
    )
    return programme


def programme_ensure_default() -> Programme:
    """The default programme of DESIGN §5.1 (idempotent)."""
    programme = Programme.objects.filter(name=DEFAULT_PROGRAMME_NAME).first()
    if programme is None:
        programme = programme_save(
            actor=None, programme=Programme(name=DEFAULT_PROGRAMME_NAME), brackets=DEFAULT_BRACKETS
        )
    return programme


@transaction.atomic
def target_set(*, actor, programme: Programme, partner, period: str, amount: Decimal) -> Target:
    """Set a partner's target for a quarter, in its contract currency (audited)."""
    try:
        period = str(Quarter.parse(period))
    except ValueError as exc:
        raise ValidationError({"period": _("Enter a quarter like 2026Q3.")}) from exc
    if amount is None or amount <= 0:
        raise ValidationError({"amount": _("The target must be greater than zero.")})
    target, created = Target.objects.select_for_update().get_or_create(
        programme=programme,
        partner=partner,
        period=period,
        defaults={"amount": amount, "currency": partner.contract_currency},
    )
    before = {} if created else snapshot(target, ["amount", "currency"])
    target.amount = amount
    target.currency = partner.contract_currency
    target.save()
    audit_record(
        actor=actor,
        action="rebate_target.set",
        obj=target,
        changes=diff(before, snapshot(target, ["amount", "currency"])),
    )
    return target


def partner_chunks(*, period: Quarter, chunks: int) -> list[list[int]]:
    """Split the partners with a target in the quarter into `chunks` contiguous id ranges."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT min(partner_id), max(partner_id) FROM (
                SELECT partner_id, ntile(%s) OVER (ORDER BY partner_id) AS bucket
                FROM (SELECT DISTINCT partner_id FROM rebates_target WHERE period = %s) t
            ) b GROUP BY bucket ORDER BY bucket
            """,
            [max(1, chunks), str(period)],
        )
        return [[lo, hi] for lo, hi in cursor.fetchall()]


def accruals_calculate(*, period: Quarter, partner_range: tuple[int, int]) -> int:
    """Recompute one chunk's accruals in its own transaction (a crash leaves the chunk untouched)."""
    with transaction.atomic():
        return accruals_calculate_chunk(period=period, partner_range=partner_range)


def clawback_amount(
    *, partner_id: int, period: str, contract: str, returned_amount: Decimal, currency: str
) -> Decimal:
    """The negative adjustment for a return against an already-approved quarter (DESIGN §5.1).

    Returned amount × the effective rate the contract earned in that quarter (after bonus,
    multiplier, modifier and cap), summed over programmes, rounded once. 0 if it earned nothing.
    """
    rate = Decimal(0)
    for trace in Accrual.objects.filter(partner_id=partner_id, period=period).values_list(
        "trace", flat=True
    ):
        for row in trace.get("contracts", []):
            if row["contract"] == contract:
                rate += Decimal(row["rate"])
    return -round_money(returned_amount * rate, currency)
