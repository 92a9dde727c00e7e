"""Reads of credit ratings, lower-limit proposals (DESIGN §2.6) and NPS warnings (§2.4), scoped to
what the user may see."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User
from accounts.scoping import get_scoped_or_404
from core.periods import Quarter

from ..choices import NpsWarningLevel
from ..models import CreditLimitProposal, CreditRating, NpsWarning, Partner
from .programme import partner_nps_for_quarters

NPS_TREND_QUARTERS = 4


def credit_rating_list_for(*, user: User, partner: Partner | None = None) -> QuerySet:
    qs = CreditRating.objects.visible_to(user).select_related("partner", "rated_by")
    return qs.filter(partner=partner) if partner is not None else qs


def credit_limit_proposal_list_for(*, user: User, status: str = "") -> QuerySet:
    qs = CreditLimitProposal.objects.visible_to(user).select_related(
        "partner", "rating", "decided_by"
    )
    return qs.filter(status=status) if status else qs


def credit_limit_proposal_get_for(*, user: User, pk) -> CreditLimitProposal:
    return get_scoped_or_404(
        CreditLimitProposal.objects.select_related("partner", "rating", "decided_by"), user, pk=pk
    )


def nps_warning_list_for(*, user: User, quarter: str = "", level: str = "") -> QuerySet:
    """The warnings of the partners the user manages (all of them for administrators and
    directors)."""
    qs = NpsWarning.objects.manageable_by(user).select_related("partner")
    if quarter:
        qs = qs.filter(quarter=quarter)
    if level:
        qs = qs.filter(level=level)
    return qs


def nps_warning_latest_quarter_for(*, user: User) -> str | None:
    return (
        nps_warning_list_for(user=user)
        .order_by("-quarter")
        .values_list("quarter", flat=True)
        .first()
    )


def nps_trend_attach(warnings: list[NpsWarning]) -> list[NpsWarning]:
    """Set `trend` on each warning: its partner's NPS over the last four quarters up to the
    warning's, oldest first (None where nobody answered), in one query."""
    if not warnings:
        return warnings
    quarters = set()
    for warning in warnings:
        q = Quarter.parse(warning.quarter)
        for _ in range(NPS_TREND_QUARTERS):
            quarters.add(str(q))
            q = q.previous()
    nps = partner_nps_for_quarters(
        quarters=sorted(quarters), partner_ids={w.partner_id for w in warnings}
    )
    for warning in warnings:
        q = Quarter.parse(warning.quarter)
        trend = []
        for _ in range(NPS_TREND_QUARTERS):
            trend.insert(0, {"quarter": str(q), "nps": nps.get((warning.partner_id, str(q)))})
            q = q.previous()
        warning.trend = trend
        warning.spark_points = _sparkline(trend)
        warning.spark = " ".join(f"{x},{y}" for x, y in warning.spark_points)
    return warnings


def _sparkline(trend: list[dict]) -> list[tuple[str, str]]:
    """SVG coordinates of the known NPS values on a 100 × 24 box (NPS −100 at the bottom, 100 at
    the top), oldest first."""
    step = 100 / max(len(trend) - 1, 1)
    return [
        (f"{i * step:.0f}", f"{(100 - point['nps']) * 24 / 200:.1f}")
        for i, point in enumerate(trend)
        if point["nps"] is not None
    ]


def nps_warnings_alerting_for(*, user: User, limit: int = 8) -> dict:
    """The red and yellow warnings of the latest quarter graded, worst first, with their trend
    (the manager's dashboard card)."""
    quarter = nps_warning_latest_quarter_for(user=user)
    if quarter is None:
        return {"quarter": None, "warnings": [], "total": 0}
    qs = nps_warning_list_for(user=user, quarter=quarter).exclude(level=NpsWarningLevel.BLUE)
    warnings = list(qs.order_by("level", "nps", "pk")[:limit])
    return {
        "quarter": quarter,
        "warnings": nps_trend_attach(warnings),
        "total": qs.count(),
    }
