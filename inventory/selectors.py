"""Reads of inventory (DESIGN §11).

# --- inventory stock: channel inventory figures, trends and alerts ---------------------------
Pages read the precomputed `InventoryFigure` (one partner × product × month) and `InventoryRollup`
(one group × month) rows, never the sell-through lines: at DESIGN §10's scale a page aggregates
at most twelve rows per trend. The formulas live in `inventory.models_figures`:

- days of inventory = on hand ÷ (sell-through quantity of the 90 days to the snapshot ÷ 90);
- turnover = sell-through quantity of the 12 months ÷ average on hand in those 12 months.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q, QuerySet, Subquery, Sum

from accounts.scoping import partner_ids_visible_to
from deals.models import ProductFamily

from .models import FamilyAlertLimit, InventoryAlert
from .models_figures import InventoryFigure, InventoryRollup, RollupDimension

TREND_MONTHS = 12


def _latest_month() -> Subquery:
    """The month of the newest refresh (a subquery: no extra round trip)."""
    return Subquery(
        InventoryRollup.objects.unrestricted("the newest refreshed month, no partner data")
        .filter(dimension=RollupDimension.TOTAL)
        .order_by("-month")
        .values("month")[:1]
    )


def latest_month() -> datetime.date | None:
    return (
        InventoryRollup.objects.unrestricted("the newest refreshed month, no partner data")
        .filter(dimension=RollupDimension.TOTAL)
        .order_by("-month")
        .values_list("month", flat=True)
        .first()
    )


def days_of_inventory(on_hand: int | None, sold_90d: int) -> Decimal | None:
    """On hand ÷ average daily sell-through of 90 days, one decimal (HALF_UP); None when stock
    is held and nothing sold (shown ∞), 0 when nothing is held."""
    if on_hand is None:
        return None
    if on_hand == 0:
        return Decimal("0.0")
    if not sold_90d:
        return None
    return (Decimal(on_hand) * 90 / Decimal(sold_90d)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def turnover(sold_12m: int, avg_on_hand: Decimal | None) -> Decimal | None:
    """Sell-through quantity of 12 months ÷ average on hand over them (None without stock)."""
    if not avg_on_hand:
        return None
    return (Decimal(sold_12m) / Decimal(avg_on_hand)).quantize(Decimal("0.01"), ROUND_HALF_UP)


# --- lists -----------------------------------------------------------------------------------
def stock_position_base_for(*, user) -> QuerySet[InventoryFigure]:
    """This month's figure of every partner × product the user may see: a partner user its own
    company's and, for a distributor, its dealers'. The month is a constant in the query, so the
    planner reads the (month, sort column) indexes in order."""
    month = latest_month()
    figures = InventoryFigure.objects.visible_to(user)
    if month is None:
        return figures.none()
    return figures.filter(month=month).select_related("partner", "product", "family")


def stock_rollup_base_for(*, user) -> QuerySet[InventoryRollup]:
    """This month's group sums (vendor staff only: partner users get no rows)."""
    month = latest_month()
    rollups = InventoryRollup.objects.visible_to(user)
    return rollups.filter(month=month) if month is not None else rollups.none()


def stock_alert_base_for(*, user) -> QuerySet[InventoryAlert]:
    """Alerts the user may see; a distributor also its dealers' (as their figures)."""
    alerts = InventoryAlert.objects.visible_to(user)
    if user.is_partner_user:
        alerts = InventoryAlert.objects.unrestricted(
            "narrowed to the partners whose figures the user reads, dealers included"
        ).filter(partner__in=partner_ids_visible_to(user, InventoryFigure))
    return alerts.select_related("partner", "product", "product__family")


# --- trends ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class TrendPoint:
    month: datetime.date
    on_hand: int
    sold_month: int
    days_of_inventory: Decimal | None
    turnover: Decimal | None


def _month_add(month: datetime.date, months: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def stock_trend(condition: Q, *, through: datetime.date | None = None) -> list[TrendPoint]:
    """Twelve months of the rollup rows matching `condition`, summed per month (one query)."""
    through = through or latest_month()
    if through is None:
        return []
    start = _month_add(through, -(TREND_MONTHS - 1))
    rows = (
        InventoryRollup.objects.unrestricted("sums of rows the caller chose for this reader")
        .filter(condition, month__range=(start, through))
        .values("month")
        .annotate(
            reported_sum=Sum("reported"),
            on_hand_sum=Sum("on_hand"),
            sold_month_sum=Sum("sold_month"),
            sold_90d_sum=Sum("sold_90d"),
            sold_12m_sum=Sum("sold_12m"),
            avg_sum=Sum("avg_on_hand_12m"),
        )
        .order_by("month")
    )
    by_month = {row["month"]: row for row in rows}
    points = []
    for i in range(TREND_MONTHS):
        month = _month_add(start, i)
        row = by_month.get(month)
        if row is None:
            points.append(TrendPoint(month, 0, 0, None, None))
            continue
        points.append(
            TrendPoint(
                month=month,
                on_hand=row["on_hand_sum"],
                sold_month=row["sold_month_sum"],
                days_of_inventory=days_of_inventory(
                    row["on_hand_sum"] if row["reported_sum"] else None, row["sold_90d_sum"]
                ),
                turnover=turnover(row["sold_12m_sum"], row["avg_sum"]),
            )
        )
    return points


def total_trend_condition(*, family_id: int | None = None, region: str = "") -> Q:
    """The overview's trend: everything, or one family and/or region as filtered."""
    if family_id and region:
        return Q(dimension=RollupDimension.REGION, region=region, family_id=family_id)
    if family_id:
        return Q(dimension=RollupDimension.FAMILY, family_id=family_id, region="")
    if region:
        return Q(dimension=RollupDimension.REGION, region=region, family__isnull=True)
    return Q(dimension=RollupDimension.TOTAL)


def partners_trend_condition(partner_ids) -> Q:
    return Q(dimension=RollupDimension.PARTNER, partner_id__in=partner_ids, family__isnull=True)


def product_trend_condition(product_id: int) -> Q:
    return Q(dimension=RollupDimension.PRODUCT, product_id=product_id, region="")


CHART_WIDTH, CHART_HEIGHT, CHART_PAD = 600, 160, 18


def trend_chart(points: list[TrendPoint]) -> dict:
    """Server-side geometry of the trend chart: bars of the month's sell-through, a line of the
    on-hand quantity (each scaled to its own maximum); no script needed."""
    if not points:
        return {}
    n = len(points)
    slot = CHART_WIDTH / n
    top_sold = max(p.sold_month for p in points) or 1
    top_hand = max(p.on_hand for p in points) or 1
    usable = CHART_HEIGHT - 2 * CHART_PAD
    bars, line = [], []
    for i, p in enumerate(points):
        height = round(usable * p.sold_month / top_sold, 1)
        x = round(i * slot + slot * 0.2, 1)
        bars.append(
            {
                "x": x,
                "y": round(CHART_HEIGHT - CHART_PAD - height, 1),
                "width": round(slot * 0.6, 1),
                "height": height,
                "label": f"{p.month:%m}",
                "label_x": round(i * slot + slot / 2, 1),
                "point": p,
            }
        )
        cy = round(CHART_HEIGHT - CHART_PAD - usable * p.on_hand / top_hand, 1)
        line.append(f"{round(i * slot + slot / 2, 1)},{cy}")
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "baseline": CHART_HEIGHT - CHART_PAD,
        "label_y": CHART_HEIGHT - 4,
        "bars": bars,
        "line": " ".join(line),
    }


# --- summaries for pages and cards -----------------------------------------------------------
def partner_summary(*, partner_ids) -> dict:
    """This month's sums over the given partners (their own rows or a distributor's dealers)."""
    totals = (
        InventoryRollup.objects.unrestricted("sums of partners the caller authorised")
        .filter(partners_trend_condition(partner_ids), month=_latest_month())
        .aggregate(
            reported=Sum("reported"),
            on_hand=Sum("on_hand"),
            sold_90d=Sum("sold_90d"),
            sold_12m=Sum("sold_12m"),
            avg=Sum("avg_on_hand_12m"),
            ageing=Sum("ageing_count"),
            stock_out=Sum("stock_out_count"),
            positions=Sum("positions"),
        )
    )
    if totals["positions"] is None:
        return {}
    return {
        "on_hand": totals["on_hand"],
        "days_of_inventory": days_of_inventory(
            totals["on_hand"] if totals["reported"] else None, totals["sold_90d"]
        ),
        "turnover": turnover(totals["sold_12m"], totals["avg"]),
        "ageing": totals["ageing"],
        "stock_out": totals["stock_out"],
        "positions": totals["positions"],
    }


def total_summary() -> InventoryRollup | None:
    """Everyone's sums this month (the staff card)."""
    return (
        InventoryRollup.objects.unrestricted("vendor-wide sums for staff")
        .filter(dimension=RollupDimension.TOTAL)
        .order_by("-month")
        .first()
    )


def dealer_rollups_for(*, partner) -> QuerySet[InventoryRollup]:
    """A distributor's dealers with this month's sums (read through the dealers it may see)."""
    return (
        InventoryRollup.objects.unrestricted("a distributor's own dealers, chosen by parent")
        .filter(
            dimension=RollupDimension.PARTNER,
            family__isnull=True,
            partner__parent=partner,
            month=_latest_month(),
        )
        .order_by("label")
    )


def product_positions_for(*, user, product_id: int, limit: int = 100) -> list[InventoryFigure]:
    """The partners holding a product this month, most days of inventory first."""
    return list(
        stock_position_base_for(user=user)
        .filter(product_id=product_id)
        .order_by("-days_of_inventory", "partner__legal_name", "pk")[:limit]
    )


def partner_positions_for(*, user, partner_id: int, limit: int = 100) -> list[InventoryFigure]:
    return list(
        stock_position_base_for(user=user)
        .filter(partner_id=partner_id)
        .order_by("-days_of_inventory", "product__sku", "pk")[:limit]
    )


def alert_limits() -> list[tuple[ProductFamily, FamilyAlertLimit | None]]:
    """Every family with its limits (None: the defaults apply)."""
    limits = {limit.family_id: limit for limit in FamilyAlertLimit.objects.all()}
    return [(family, limits.get(family.pk)) for family in ProductFamily.objects.order_by("name")]
