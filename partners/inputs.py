"""The figures tiers and scorecards are computed from (DESIGN §2.3, §2.4), behind one small module.

Revenue comes from the rebates app's sales lines, certified staff from the training app, NPS from
the survey answers kept here, marketing return from the funds app. Where a source holds nothing
for a partner the figure is zero (NPS and marketing return: none), so the evaluations run whatever
has been loaded so far.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.db.models import Case, Count, DecimalField, F, Q, Sum, When

from core.fx import fx_rate
from core.money import round_money
from core.periods import Quarter

ZERO = Decimal("0")


def trailing_quarters(quarter: Quarter, count: int = 4) -> list[Quarter]:
    """`quarter` and the `count - 1` before it, oldest first."""
    quarters = [quarter]
    for _ in range(count - 1):
        quarters.insert(0, quarters[0].previous())
    return quarters


def revenue_by_partner(
    *, partner_ids: Iterable[int] | None, quarter: Quarter
) -> dict[int, Decimal]:
    """Net invoiced revenue (sales less returns) over the four quarters ending with `quarter`, in
    the base currency (CNY) at the FX rate of the quarter's last day, rounded once per partner."""
    from rebates.choices import LineKind
    from rebates.models import SalesLine

    first = trailing_quarters(quarter)[0]
    lines = SalesLine.objects.filter(invoice_date__range=(first.start, quarter.end))
    if partner_ids is not None:
        lines = lines.filter(partner_id__in=list(partner_ids))
    signed = Case(
        When(kind=LineKind.RETURN, then=-F("net_amount")),
        default=F("net_amount"),
        output_field=DecimalField(max_digits=24, decimal_places=4),
    )
    rows = lines.values("partner_id", "currency").annotate(net=Sum(signed)).order_by()
    base = settings.PRM_BASE_CURRENCY
    rates: dict[str, Decimal] = {}
    totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for row in rows:
        currency = row["currency"]
        if currency not in rates:
            rates[currency] = fx_rate(currency, base, quarter.end)
        totals[row["partner_id"]] += row["net"] * rates[currency]
    return {pid: round_money(total, base) for pid, total in totals.items()}


def certified_staff_by_partner(
    *, partner_ids: Iterable[int] | None, as_of: datetime.date
) -> dict[int, dict[str, int]]:
    """{partner id: {"total", "senior"}}: distinct users holding a valid certification, in one
    query; the same count as `training.selectors.certified_staff_counts` for one partner."""
    from training.choices import Level
    from training.selectors import valid_certifications

    certs = valid_certifications(as_of=as_of)
    if partner_ids is not None:
        certs = certs.filter(partner_id__in=list(partner_ids))
    rows = (
        certs.values("partner_id")
        .annotate(
            total=Count("user", distinct=True),
            senior=Count("user", filter=Q(level=Level.SENIOR), distinct=True),
        )
        .order_by()
    )
    return {row["partner_id"]: {"total": row["total"], "senior": row["senior"]} for row in rows}


def certified_staff(*, partner, as_of: datetime.date) -> dict[str, int]:
    from training.selectors import certified_staff_counts

    counts = certified_staff_counts(partner=partner, as_of=as_of)
    return {"total": counts["total"] or 0, "senior": counts["senior"] or 0}


def nps_by_partner(*, partner_ids: Iterable[int] | None, quarter: Quarter) -> dict[int, int]:
    """Each partner's NPS of the latest quarter up to `quarter` that has survey answers."""
    from .selectors import partner_nps_latest

    return partner_nps_latest(partner_ids=partner_ids, up_to=quarter)


def marketing_roi_by_partner(*, partner_ids: Iterable[int]) -> dict[int, Decimal]:
    """{partner id: return on marketing funds} exactly as the funds app reports it; partners that
    have used no funds are absent."""
    from funds.selectors import roi_by_partner

    return roi_by_partner(partner_ids=partner_ids)


def violations_by_partner(
    *, partner_ids: Iterable[int], since: datetime.date, until: datetime.date
) -> dict[int, int]:
    """Violations confirmed (open or closed, not drafts) and recorded between the two days."""
    from .choices import ViolationStatus
    from .models import ComplianceViolation

    rows = (
        ComplianceViolation.objects.filter(
            partner_id__in=list(partner_ids),
            status__in=[ViolationStatus.OPEN, ViolationStatus.CLOSED],
            created_at__date__gte=since,
            created_at__date__lte=until,
        )
        .values("partner_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["partner_id"]: row["n"] for row in rows}


def open_violations_by_partner(*, partner_ids: Iterable[int] | None) -> dict[int, int]:
    from .choices import ViolationStatus
    from .models import ComplianceViolation

    violations = ComplianceViolation.objects.filter(status=ViolationStatus.OPEN)
    if partner_ids is not None:
        violations = violations.filter(partner_id__in=list(partner_ids))
    rows = violations.values("partner_id").annotate(n=Count("id")).order_by()
    return {row["partner_id"]: row["n"] for row in rows}
