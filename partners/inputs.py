"""The figures tiers and scorecards are computed from (DESIGN §2.3, §2.4), behind one small module.

Revenue comes from the rebates app's sales lines, certified staff from the training app, NPS from
the survey answers kept here, marketing return from the funds app, a credit exposure's orders and
payments from the settlement app. Where a source holds nothing for a partner the figure is zero
(NPS and marketing return: none), so the evaluations run whatever has been loaded so far.

Those apps sit above partners, so partners never imports them: each registers its figure here with
`partners.figures.figure_register` in its `AppConfig.ready()`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Count

from core.periods import Quarter

from .choices import ViolationStatus
from .figures import figure
from .models import ComplianceViolation
from .selectors import partner_nps_latest

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
    return figure("revenue")(partner_ids=partner_ids, quarter=quarter)


def revenue_target_by_partner(
    *, partner_ids: Iterable[int] | None, quarter: Quarter
) -> dict[int, Decimal]:
    """The partner's targets (DESIGN §5.1) over the same four quarters as the revenue, in the base
    currency; partners without a target are absent."""
    return figure("revenue_target")(partner_ids=partner_ids, quarter=quarter)


def certified_staff_by_partner(
    *, partner_ids: Iterable[int] | None, as_of: datetime.date
) -> dict[int, dict[str, int]]:
    """{partner id: {"total", "senior"}}: distinct users holding a valid certification, in one
    query; the same count as `certified_staff` for one partner."""
    return figure("certified_staff")(partner_ids=partner_ids, as_of=as_of)


def certified_staff_retention_by_partner(
    *, partner_ids: Iterable[int] | None, as_of: datetime.date
) -> dict[int, dict[str, int]]:
    """{partner id: {"cohort", "retained"}}: staff certified 12 months before `as_of` and those of
    them still active with the partner; absent when nobody was certified then."""
    return figure("certified_staff_retention")(partner_ids=partner_ids, as_of=as_of)


def certified_staff(*, partner, as_of: datetime.date) -> dict[str, int]:
    """{"total", "senior"} of one partner, zero when nobody is certified."""
    return figure("certified_staff_of")(partner=partner, as_of=as_of)


def nps_by_partner(*, partner_ids: Iterable[int] | None, quarter: Quarter) -> dict[int, int]:
    """Each partner's NPS of the latest quarter up to `quarter` that has survey answers."""
    return partner_nps_latest(partner_ids=partner_ids, up_to=quarter)


def marketing_roi_by_partner(*, partner_ids: Iterable[int]) -> dict[int, Decimal]:
    """{partner id: return on marketing funds} exactly as the funds app reports it; partners that
    have used no funds are absent."""
    return figure("marketing_roi")(partner_ids=partner_ids)


def inventory_health_by_partner(
    *, partner_ids: Iterable[int] | None, as_of: datetime.date
) -> dict[int, dict]:
    """{partner id: {"as_of", "products", "healthy", "score"}}: how much of the partner's stock
    lies within its families' days-of-inventory limits, from the inventory app (DESIGN §2.4, §11);
    partners that reported no stock in the 90 days before `as_of` are absent."""
    return figure("inventory_health")(partner_ids=partner_ids, as_of=as_of)


def violations_by_partner(
    *, partner_ids: Iterable[int], since: datetime.date, until: datetime.date
) -> dict[int, int]:
    """Violations confirmed (open or closed, not drafts) and recorded between the two days."""
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
    violations = ComplianceViolation.objects.filter(status=ViolationStatus.OPEN)
    if partner_ids is not None:
        violations = violations.filter(partner_id__in=list(partner_ids))
    rows = violations.values("partner_id").annotate(n=Count("id")).order_by()
    return {row["partner_id"]: row["n"] for row in rows}


def payment_behaviour_by_partner(
    *, partner_ids: Iterable[int] | None, as_of: datetime.date
) -> dict[int, dict]:
    """How each partner paid, from the settlement app's reconciliation (DESIGN §2.6): {partner id:
    {"orders_due", "orders_late", "days_late_total", "overdue": {currency: amount},
    "disputes_lost"}}; partners with nothing due and no dispute lost are absent."""
    return figure("payment_behaviour")(partner_ids=partner_ids, as_of=as_of)
