"""Writes of the rebates app: programmes and brackets, targets, and the accrual runs (DESIGN §5)."""

from __future__ import annotations

import datetime
import logging
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import Exists, OuterRef
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.audit import diff, snapshot
from core.fx import FxRateMissing, fx_rate
from core.jobs import key_ranges
from core.locks import advisory_xact_lock
from core.money import round_money
from core.periods import Quarter
from core.transitions import transition_record
from settlement.choices import EntryKind
from settlement.models import SettlementEntry
from settlement.services import settlement_entry_queue

from .calculation import accruals_calculate_chunk, contract_revenue_refresh, contract_sums
from .choices import LineKind, LineSource, ProgrammeMode, RevenueSource
from .models import (
    PROGRAMME_FIELDS,
    Accrual,
    Bracket,
    ContractRevenueBuild,
    Programme,
    QuarterClose,
    SalesLine,
    Target,
    brackets_validate,
)
from .rules import contract_rebate

logger = logging.getLogger(__name__)

ACCRUAL_SOURCE = "rebates.accrual"
CLAWBACK_SOURCE = "rebates.clawback"
# Statement line descriptions, rendered in the reader's language (settlement.line_descriptions).
ACCRUAL_DESCRIPTION = gettext_lazy("Rebate %(programme)s, %(period)s")
CLAWBACK_DESCRIPTION = gettext_lazy(
    "Rebate clawback %(period)s: return %(invoice)s/%(line)s on contract %(contract)s"
)

DEFAULT_PROGRAMME_NAME = "Standard quarterly rebate"
DEFAULT_PROGRAMME_NAME_ZH = "标准季度返利"
DEFAULT_BRACKETS = [
    (Decimal("0"), Decimal("80"), Decimal("0")),
    (Decimal("80"), Decimal("100"), Decimal("0.05")),
    (Decimal("100"), Decimal("120"), Decimal("0.10")),
    (Decimal("120"), None, Decimal("0.15")),
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
    transition_record(
        programme,
        actor=actor,
        action="rebate_programme.created" if not before else "rebate_programme.changed",
        changes=changes,
    )
    return programme


@transaction.atomic
def programme_ensure_default() -> Programme:
    """The default programme of DESIGN §5.1 (idempotent)."""
    programme = Programme.objects.filter(name=DEFAULT_PROGRAMME_NAME).first()
    if programme is None:
        programme = programme_save(
            actor=None,
            programme=Programme(name=DEFAULT_PROGRAMME_NAME, name_zh=DEFAULT_PROGRAMME_NAME_ZH),
            brackets=DEFAULT_BRACKETS,
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
    transition_record(
        target,
        actor=actor,
        action="rebate_target.set",
        before=before,
        fields=["amount", "currency"],
    )
    return target


def partner_chunks(*, period: Quarter, chunks: int) -> list[list[int]]:
    """Split the partners with a target in the quarter into `chunks` contiguous id ranges."""
    return key_ranges(
        source="SELECT DISTINCT partner_id FROM rebates_target WHERE period = %s",
        key="partner_id",
        chunks=chunks,
        params=[str(period)],
    )


def _period_lock(period: Quarter, *, shared: bool) -> None:
    """Calculations of a quarter share its lock; closing the quarter takes it alone."""
    advisory_xact_lock(f"rebates.quarter.{period}", shared=shared)


# Not atomic as a whole: one transaction per programme quarter, so new lines wait for one only.
def contract_revenue_add_new_lines() -> dict[str, str]:
    """Add the lines committed since to every built programme quarter that is still open.

    Each in its own transaction (new lines wait only for that one). A quarter whose programme's
    products changed is left to the next calculation, which rebuilds it. Idempotent.
    """
    closed = QuarterClose.objects.values("period")
    builds = (
        ContractRevenueBuild.objects.exclude(period__in=closed)
        .order_by("programme_id", "period")
        .values_list("programme_id", "period")
    )
    outcomes = {}
    for programme_id, period in builds:
        with transaction.atomic():
            outcomes[f"{programme_id}/{period}"] = contract_revenue_refresh(
                programme_id=programme_id, period=Quarter.parse(period), build=False
            )
    return outcomes


def accruals_calculate(*, period: Quarter, partner_range: tuple[int, int]) -> int:
    """Recompute one chunk's accruals in its own transaction (a crash leaves the chunk untouched).

    A closed quarter is final: nothing is recomputed (returns become clawbacks instead).
    """
    with transaction.atomic():
        _period_lock(period, shared=True)
        if QuarterClose.objects.filter(period=str(period)).exists():
            return 0
        return accruals_calculate_chunk(period=period, partner_range=partner_range)


def sales_lines_from_won_deals(*, period: Quarter) -> int:
    """Won deals closed in the quarter become sales lines (DESIGN §4.5), once: set-based, idempotent.

    One line per final order line: invoice `DEAL-<id>` line `<order line id>`, dated the close
    date; the deal is the contract (`deal_reference` `DEAL-<id>`).
    """
    # The deals app's view of won lines (deals/migrations/0008_won_line_view.py), not its tables.
    sql = """
        INSERT INTO rebates_salesline (
            partner_id, order_number, invoice_number, line_number, invoice_date, product_code,
            quantity, net_amount, currency, kind, deal_reference, source, created_at
        )
        SELECT w.partner_id, w.order_number, 'DEAL-' || w.deal_id, w.line_id, w.closed_on,
               w.product_sku, w.quantity, w.amount, w.currency, %(sale)s, 'DEAL-' || w.deal_id,
               %(source)s, now()
        FROM deals_won_line_v w
        WHERE w.closed_on BETWEEN %(start)s AND %(end)s
        ORDER BY w.line_id
        ON CONFLICT (partner_id, invoice_number, line_number) DO NOTHING
    """
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "sale": LineKind.SALE,
                "source": LineSource.DEAL,
                "start": period.start,
                "end": period.end,
            },
        )
        return cursor.rowcount


def quarter_close_check(*, period: Quarter, today: datetime.date | None = None) -> None:
    """Refuse to close a quarter twice, or before it has ended."""
    today = today or timezone.localdate()
    if QuarterClose.objects.filter(period=str(period)).exists():
        raise ValidationError({"period": _("This quarter is already closed.")})
    if period.end >= today:
        raise ValidationError({"period": _("A quarter can be closed only after it has ended.")})


def quarter_close_before_statements(quarter: Quarter) -> None:
    """Statements take final rebate accruals only: close the ended rebate quarter (recompute,
    freeze, queue each accrual once) unless finance already closed it. An open quarter's accruals
    still move, so they wait for its close. Registered into settlement's period build."""
    if (
        quarter.end < timezone.localdate()
        and not QuarterClose.objects.filter(period=str(quarter)).exists()
    ):
        quarter_close(period=quarter)


def quarter_close(*, period: Quarter, actor=None) -> QuarterClose:
    """Recompute the quarter one last time, freeze it and queue every accrual for settlement.

    Sales lines are locked against writes while this runs, so the watermark is exactly the set of
    lines counted. Each positive accrual becomes one `rebate_accrual` settlement entry.
    """
    with transaction.atomic():
        _period_lock(period, shared=False)
        quarter_close_check(period=period)
        sales_lines_from_won_deals(period=period)
        with connection.cursor() as cursor:
            cursor.execute("LOCK TABLE rebates_salesline IN SHARE MODE")
            cursor.execute("SELECT coalesce(max(id), 0) FROM rebates_salesline")
            watermark = cursor.fetchone()[0]
        accruals_calculate_chunk(period=period, partner_range=(0, 2**62))
        accruals = (
            Accrual.objects.filter(period=str(period), amount__gt=0)
            .select_related("partner", "programme")
            .order_by("partner_id", "programme_id")
        )
        queued = 0
        for accrual in accruals.iterator(chunk_size=2000):
            settlement_entry_queue(
                partner=accrual.partner,
                kind=EntryKind.REBATE_ACCRUAL,
                amount=round_money(accrual.amount, accrual.currency),
                currency=accrual.currency,
                description_key=ACCRUAL_SOURCE,
                description_params={
                    "programme": accrual.programme.name_pair(),
                    "period": accrual.period,
                },
                source_type=ACCRUAL_SOURCE,
                source_id=accrual.pk,
                period=accrual.period,
            )
            queued += 1
        close = QuarterClose.objects.create(
            period=str(period),
            line_watermark=watermark,
            accruals_queued=queued,
            closed_at=timezone.now(),
            closed_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        transition_record(
            close,
            actor=actor,
            action="rebate_quarter.closed",
            changes={"accruals_queued": {"before": None, "after": queued}},
            note=str(period),
        )
    return close


def clawback_for_line(*, line: SalesLine, accruals: list[Accrual], line_watermark: int) -> Decimal:
    """The clawback of one late return: returned amount × its contract's effective rate.

    The rate is the one the contract earned in the closed quarter (after bonus, multiplier,
    modifier and cap: its lines up to the watermark, with the accrual's recorded rates), summed
    over the programmes the product was eligible for; the amount is converted to the contract
    currency at the rate the calculation used and rounded once. 0 if the contract earned nothing.
    """
    if not accruals:
        return Decimal(0)
    accrual_currency = accruals[0].currency
    contract = line.deal_reference or line.order_number
    rate = Decimal(0)
    for accrual in accruals:
        eligible = accrual.programme.eligible_product_codes
        if eligible and line.product_code not in eligible:
            continue
        for _contract, net, strategic in contract_sums(
            accrual=accrual, contracts=[contract], line_watermark=line_watermark
        ):
            rate += contract_rebate(trace=accrual.trace, net=net, strategic_net=strategic)["rate"]
    if not rate:
        return Decimal(0)
    period = Quarter.parse(accruals[0].period)
    fx = accruals[0].trace.get("fx") or {}
    if line.currency == accrual_currency:
        line_rate = Decimal(1)
    elif line.currency in fx:
        line_rate = Decimal(fx[line.currency])
    else:
        line_rate = fx_rate(line.currency, accrual_currency, period.end)
    return -round_money(line.net_amount * line_rate * rate, accrual_currency)


# Not atomic as a whole: a sweep; each clawback is queued on its own and a rerun skips it.
def clawbacks_queue(*, today: datetime.date | None = None) -> int:
    """Queue a clawback for every return invoiced in a closed quarter but recorded after it closed.

    Idempotent: the settlement queue refuses a second entry for the same sales line.
    """
    today = today or timezone.localdate()
    queued = 0
    for close in QuarterClose.objects.order_by("period"):
        period = Quarter.parse(close.period)
        already = SettlementEntry.objects.filter(
            kind=EntryKind.CLAWBACK,
            source_type=CLAWBACK_SOURCE,
            source_id=Cast(OuterRef("pk"), models.CharField()),
        )
        lines = (
            SalesLine.objects.filter(
                kind=LineKind.RETURN,
                pk__gt=close.line_watermark,
                invoice_date__gte=period.start,
                invoice_date__lte=period.end,
            )
            .exclude(Exists(already))
            .select_related("partner")
            .order_by("pk")
        )
        accruals_by_partner: dict[int, list[Accrual]] = {}
        for line in lines.iterator(chunk_size=2000):
            if line.partner_id not in accruals_by_partner:
                accruals_by_partner[line.partner_id] = list(
                    # A sell-through programme never counted sales lines: a return takes
                    # nothing back from it.
                    Accrual.objects.filter(partner_id=line.partner_id, period=close.period)
                    .exclude(programme__revenue_source=RevenueSource.SELL_THROUGH)
                    .select_related("programme")
                    .order_by("programme_id")
                )
            try:
                amount = clawback_for_line(
                    line=line,
                    accruals=accruals_by_partner[line.partner_id],
                    line_watermark=close.line_watermark,
                )
            except FxRateMissing:
                # Retried by the next sweep, once finance has entered the rate.
                logger.warning("No FX rate for the late return %s yet", line.pk)
                continue
            if not amount:
                continue
            settlement_entry_queue(
                partner=line.partner,
                kind=EntryKind.CLAWBACK,
                amount=amount,
                currency=accruals_by_partner[line.partner_id][0].currency,
                description_key=CLAWBACK_SOURCE,
                description_params={
                    "period": close.period,
                    "invoice": line.invoice_number,
                    "line": line.line_number,
                    "contract": line.deal_reference or line.order_number,
                },
                source_type=CLAWBACK_SOURCE,
                source_id=line.pk,
                period=max(str(Quarter.containing(today)), str(period.next())),
            )
            queued += 1
    return queued
