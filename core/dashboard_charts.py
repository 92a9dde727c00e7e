"""Trend charts on the dashboards (DESIGN §8): one card shape for every app's chart.

An app's `dashboard.py` reads its figures (precomputed vendor-wide, per scope for a manager, live
for one partner: core/precomputed.py) and hands them to `chart_card`, which returns the card the
template `core/dashboard_chart.html` draws. The page carries the data twice: as JSON for the
chart (`json_script`, drawn by static/js/charts.js with the vendored Chart.js, no inline script
under the CSP) and as a table, which is all a page without JavaScript or a screen reader gets.

Figures are stored with period keys (month starts, quarter names), never labels: labels are made
at render time, so one stored copy serves both languages.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import formats, timezone

from .money import format_money
from .periods import Quarter

MONTHS = 12
QUARTERS = 6

COUNT = "count"
PERCENT = "percent"
MONEY = "money"


def month_starts(
    *, months: int = MONTHS, today: datetime.date | None = None
) -> list[datetime.date]:
    """The first days of the last `months` months, oldest first, the current month last."""
    today = today or timezone.localdate()
    year, month = today.year, today.month
    starts = []
    for _i in range(months):
        starts.append(datetime.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


def month_start_aware(day: datetime.date) -> datetime.datetime:
    """Midnight of `day` in the project's time zone (where TruncMonth cuts its months)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def last_quarters(*, quarters: int = QUARTERS, today: datetime.date | None = None) -> list[str]:
    """The names ("2026Q1") of the last `quarters` quarters, oldest first, the current one last."""
    quarter = Quarter.containing(today or timezone.localdate())
    names = []
    for _i in range(quarters):
        names.append(str(quarter))
        quarter = quarter.previous()
    return names[::-1]


def month_label(day: datetime.date) -> str:
    """ "Mar 2026" / "2026年3月": the active language's year-month format."""
    return formats.date_format(day, "YEAR_MONTH_FORMAT")


def by_month(rows: Iterable[tuple[Any, Any]]) -> dict[datetime.date, Any]:
    """{month start: value} from (TruncMonth value, figure) rows; datetimes become their dates."""
    out = {}
    for month, value in rows:
        if month is None:
            continue
        if isinstance(month, datetime.datetime):
            month = timezone.localtime(month).date() if timezone.is_aware(month) else month.date()
        out[month.replace(day=1)] = value
    return out


def per_month(
    queryset: QuerySet, date_field: str, since: datetime.datetime, figure: Any = None
) -> dict[datetime.date, Any]:
    """{month start: figure} of the rows of `queryset` whose `date_field` (a date-time) is on or
    after `since`, grouped by its month; the figure counts the rows unless another aggregate is
    given. One grouped query."""
    rows = (
        queryset.filter(**{f"{date_field}__gte": since})
        .annotate(month=TruncMonth(date_field))
        .values_list("month")
        .annotate(n=figure if figure is not None else Count("pk"))
        .order_by()
    )
    return by_month(rows)


def percent(part: int | Decimal, whole: int | Decimal) -> int | None:
    """A whole percentage, None when there is nothing to divide by (the chart leaves a gap)."""
    if not whole:
        return None
    return int((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("1"), ROUND_HALF_UP))


@dataclass
class Series:
    """One line or set of bars; `values` aligned with the chart's labels (None: no figure)."""

    label: Any
    values: Sequence[int | Decimal | None]
    kind: str = ""  # "bar" or "line"; empty: the chart's kind
    stack: str = ""  # series naming the same stack are drawn on top of each other
    tone: str = ""  # "ok", "warn" or "bad": the page's colour of that name; empty: next in turn


@dataclass
class ChartSpec:
    key: str
    title: Any
    labels: Sequence[Any]
    series: list[Series]
    kind: str = "bar"  # "bar" or "line"
    unit: str = COUNT
    currency: str = ""
    horizontal: bool = False
    description: Any = ""
    axis: Any = ""  # the table's first column head; empty: "Period"
    extra: dict = field(default_factory=dict)


def _json_number(value: int | Decimal | None) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value)
    return value


def _cell(value: int | Decimal | None, unit: str, currency: str) -> str:
    if value is None:
        return "—"
    if unit == PERCENT:
        return f"{value}%"
    if unit == MONEY:
        return format_money(Decimal(value), currency)
    return formats.number_format(value, force_grouping=True)


def chart_card(spec: ChartSpec, *, as_of: datetime.datetime | None = None, **context) -> dict:
    """The card of one chart: the JSON the script draws and the same figures as a table."""
    labels = [str(label) for label in spec.labels]
    config = {
        "kind": spec.kind,
        "unit": spec.unit,
        "currency": spec.currency,
        "horizontal": spec.horizontal,
        "labels": labels,
        "series": [
            {
                "label": str(s.label),
                "kind": s.kind or spec.kind,
                "stack": s.stack,
                "tone": s.tone,
                "values": [_json_number(v) for v in s.values],
            }
            for s in spec.series
        ],
    }
    rows = [
        {
            "label": label,
            "cells": [_cell(s.values[i], spec.unit, spec.currency) for s in spec.series],
        }
        for i, label in enumerate(labels)
    ]
    return {
        "template": "core/dashboard_chart.html",
        "title": spec.title,
        "chart": {
            "id": f"chart-{spec.key}",
            "data_id": f"chart-{spec.key}-data",
            "config": config,
            "description": spec.description,
            "axis": spec.axis,
            "columns": [str(s.label) for s in spec.series],
            "rows": rows,
            "empty": not any(v for s in spec.series for v in s.values),
        },
        "as_of": as_of,
        **context,
    }
