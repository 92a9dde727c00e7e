"""Reads of the rebates app: a `*_for(user=...)` read starts from what the user may see; the
reads for services (net sales, a quarter's close) take no user."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.db import connections
from django.db.models import Case, DecimalField, F, Q, QuerySet, Subquery, Sum, When

from accounts.scoping import get_scoped_or_404
from core.bilingual import localized_expression
from core.fx import fx_rate
from core.money import round_money
from core.periods import Quarter
from partners.inputs import trailing_quarters

from .choices import LineKind
from .models import Accrual, AccrualFailure, Programme, QuarterClose, SalesLine, Target
from .rules import trace_summary


def accrual_list_for(*, user, filters: dict | None = None) -> QuerySet:
    filters = filters or {}
    qs = Accrual.objects.visible_to(user).select_related("partner", "programme")
    if filters.get("period"):
        qs = qs.filter(period=filters["period"])
    if filters.get("programme"):
        qs = qs.filter(programme=filters["programme"])
    if filters.get("partner"):
        qs = qs.filter(
            Q(partner__legal_name__icontains=filters["partner"])
            | Q(partner__tax_id__iexact=filters["partner"])
        )
    return qs.order_by("-period", "partner__legal_name", "programme__name")


def _keys_first(rows: QuerySet, start: int, stop: int) -> list:
    """Rows start..stop, their keys sorted first (narrow rows: a third of the time when the
    planner sorts a whole quarter), then the rows by key, in one statement."""
    return list(rows.filter(pk__in=rows.values("pk")[start:stop]))


class QuarterPages:
    """`accrual_list_for` rows for the pager, each page read from the quarter(s) it falls in.

    The list's order (newest quarter, then partner and programme by name) joins the accruals of
    every quarter before the page to their partners to sort them (20,000 a quarter at full scale:
    50 ms for the newest, 165 ms for a page of the second, more further back), as the quarter
    boundaries are not known in advance. Asked for one quarter, PostgreSQL walks the partners'
    name index instead and stops after the page (1 ms at its start). So the first page is read
    from the newest quarter; any other first locates itself — the quarters of its first and last
    rows, and how many rows come before the first one's quarter, counted from the period index —
    and is read from those quarters with the offset inside them: same rows, same order (DESIGN
    §10). A short list (a partner's own) is read the general way, as fast in one query.
    """

    ordered = True
    SHORT = 1_000

    def __init__(self, queryset: QuerySet) -> None:
        self.queryset = queryset
        self._count: int | None = None

    def count(self) -> int:
        if self._count is None:
            self._count = self.queryset.count()
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __iter__(self):
        return iter(self.queryset)

    def __getitem__(self, index):
        if not isinstance(index, slice) or index.stop is None or index.step is not None:
            return self.queryset[index]
        start = index.start or 0
        if self.count() <= self.SHORT or index.stop <= start:
            return list(self.queryset[index])
        if start == 0:
            newest = self.queryset.order_by("-period").values("period")[:1]
            rows = list(self.queryset.filter(period=Subquery(newest))[index])
            if len(rows) == index.stop:
                return rows
            return list(self.queryset[index])
        located = self._locate(start)
        if located is None:
            return list(self.queryset[index])
        first, before, in_first = located
        offset, stop = start - before, index.stop - before
        if stop > in_first:  # the page runs into the next quarter (one page in 400 at full scale)
            return _keys_first(self.queryset.filter(period__lte=first), offset, stop)
        # An equality, which the planner estimates well: it walks the partners' names from the
        # nearer end of the quarter (the end's rows read backwards, then turned round).
        rows = self.queryset.filter(period=first)
        if offset * 2 <= in_first:
            return _keys_first(rows, offset, stop)
        return list(reversed(_keys_first(rows.reverse(), in_first - stop, in_first - offset)))

    def _locate(self, start: int) -> tuple[str, int, int] | None:
        """(period of row `start`, rows before that period's, rows of that period), in one
        statement read from the period index, from the nearer end of the list; None when the
        rows are not there (any more)."""
        total = self.count()
        newer_half = start * 2 < total
        if newer_half:
            periods = self.queryset.order_by("-period").values("period")
            first = periods[start : start + 1]
            before = self.queryset.filter(period__gt=Subquery(first))
        else:  # counted from the oldest row
            periods = self.queryset.order_by("period").values("period")
            first = periods[total - 1 - start : total - start]
            before = self.queryset.filter(period__lte=Subquery(first))
        same = self.queryset.filter(period=Subquery(first))
        parts, params = [], []
        for queryset in (first, before.order_by().values("pk"), same.order_by().values("pk")):
            sql, sql_params = queryset.query.get_compiler(using=queryset.db).as_sql()
            parts.append(sql)
            params.extend(sql_params)
        # The ORM's own compiled SQL, its parameters passed apart.
        statement = (
            f"SELECT ({parts[0]}), (SELECT COUNT(*) FROM ({parts[1]}) AS b),"  # noqa: S608
            f" (SELECT COUNT(*) FROM ({parts[2]}) AS s)"
        )
        with connections[self.queryset.db].cursor() as cursor:
            cursor.execute(statement, params)
            first_period, counted, in_first = cursor.fetchone()
        before = counted if newer_half else total - counted
        if first_period is None or not before <= start < before + in_first:
            return None  # written meanwhile: read the general way
        return first_period, before, in_first


def accrual_failure_list_for(*, user, limit: int = 50) -> list[AccrualFailure]:
    """The partners the last calculations could not compute, newest quarter first."""
    return list(
        AccrualFailure.objects.visible_to(user)
        .select_related("partner", "programme")
        .order_by("-period", "partner__legal_name", "programme__name")[:limit]
    )


def accrual_get_for(*, user, pk: int) -> Accrual:
    return get_scoped_or_404(
        Accrual.objects.select_related("partner", "programme"), user, "view", pk=pk
    )


def accrual_what_if_for(*, user, period: str) -> QuerySet:
    """The own company's accruals of a quarter behind the dashboard what-if, which every partner
    role sees (DESIGN §5.3), partner sales included; never a dealer's."""
    return (
        Accrual.objects.restrict(user, "what_if")
        .filter(period=period)
        .select_related("programme")
        .prefetch_related("programme__brackets")
        .order_by(localized_expression("programme__name"), "pk")
    )


def programme_list_base_for(*, user) -> QuerySet:
    """Programmes with their brackets and `sort_name`, the name as the reader reads it (English or
    Chinese); `rebates.lists.PROGRAMME_LIST` filters and sorts them."""
    return (
        Programme.objects.visible_to(user)
        .prefetch_related("brackets")
        .annotate(sort_name=localized_expression("name"))
    )


def programme_list_for(*, user) -> QuerySet:
    """Programmes in the order of their names as the reader reads them (English or Chinese)."""
    return programme_list_base_for(user=user).order_by("sort_name", "pk")


def target_list_for(*, user, period: str | None = None) -> QuerySet:
    qs = Target.objects.visible_to(user).select_related("partner", "programme")
    if period:
        qs = qs.filter(period=period)
    return qs.order_by("-period", "partner__legal_name")


# Net revenue, defined once: invoiced sales lines less returns (DESIGN §5.1), per partner and line
# currency. The MDF accrual and the tier and scorecard figure "revenue" read it from here.
NET_AMOUNT = Case(
    When(kind=LineKind.RETURN, then=-F("net_amount")),
    default=F("net_amount"),
    output_field=DecimalField(max_digits=24, decimal_places=4),
)


def _net_sales(*, reason: str, partner_ids: Iterable[int] | None, start, end) -> QuerySet:
    lines = SalesLine.objects.unrestricted(reason).filter(invoice_date__range=(start, end))
    if partner_ids is not None:
        lines = lines.filter(partner_id__in=list(partner_ids))
    return lines.values("partner_id", "currency").annotate(net=Sum(NET_AMOUNT))


def revenue_target_by_partner(
    *, partner_ids: Iterable[int] | None, quarter: Quarter
) -> dict[int, Decimal]:
    """The partners' targets (DESIGN §5.1) over the four quarters ending with `quarter`, summed
    over their programmes, in the base currency at the FX rate of the quarter's last day, rounded
    once per partner like `revenue_by_partner`. The scorecard figure "revenue_target"; partners
    without a target are absent."""
    periods = [str(q) for q in trailing_quarters(quarter)]
    targets = Target.objects.unrestricted("scorecard inputs, by partner ids").filter(
        period__in=periods
    )
    if partner_ids is not None:
        targets = targets.filter(partner_id__in=list(partner_ids))
    rows = targets.values("partner_id", "currency").annotate(total=Sum("amount")).order_by()
    base = settings.PRM_BASE_CURRENCY
    rates: dict[str, Decimal] = {}
    totals: dict[int, Decimal] = defaultdict(lambda: Decimal("0"))
    for row in rows:
        currency = row["currency"]
        if currency not in rates:
            rates[currency] = fx_rate(currency, base, quarter.end)
        totals[row["partner_id"]] += row["total"] * rates[currency]
    return {pid: round_money(total, base) for pid, total in totals.items()}


def net_sales_by_currency(*, partner_ids, start, end) -> QuerySet:
    """Net invoiced sales per partner and currency between two dates (returns subtracted).

    Unscoped, for services of other apps (the MDF accrual reads the previous quarter's net revenue
    through it). Rows: `partner_id`, `currency`, `net`.
    """
    return _net_sales(
        reason="MDF accrual, a service", partner_ids=partner_ids, start=start, end=end
    ).order_by("partner_id", "currency")


def quarter_closes_for(*, user) -> QuerySet:
    """Closed quarters (staff only: the model has no partner)."""
    return QuarterClose.objects.visible_to(user).select_related("closed_by").order_by("-period")


def quarter_close_get(*, period: str) -> QuarterClose | None:
    """The close of a quarter, if it is closed (its accruals are final)."""
    return QuarterClose.objects.filter(period=period).first()


def revenue_by_partner(
    *, partner_ids: Iterable[int] | None, quarter: Quarter
) -> dict[int, Decimal]:
    """Net invoiced revenue (sales less returns) over the four quarters ending with `quarter`, in
    the base currency (CNY) at the FX rate of the quarter's last day, rounded once per partner.
    The tier and scorecard figure "revenue" (registered into `partners.figures`)."""
    first = trailing_quarters(quarter)[0]
    rows = _net_sales(
        reason="tier inputs of every partner, for the evaluations",
        partner_ids=partner_ids,
        start=first.start,
        end=quarter.end,
    ).order_by()
    base = settings.PRM_BASE_CURRENCY
    rates: dict[str, Decimal] = {}
    totals: dict[int, Decimal] = defaultdict(lambda: Decimal("0"))
    for row in rows:
        currency = row["currency"]
        if currency not in rates:
            rates[currency] = fx_rate(currency, base, quarter.end)
        totals[row["partner_id"]] += row["net"] * rates[currency]
    return {pid: round_money(total, base) for pid, total in totals.items()}


def accrual_trace_summaries(source_ids: list[str]) -> dict[str, str]:
    """{accrual id as text: its calculation in one line}, for the statement lines that carry an
    accrual (registered in settlement's line details; one query for any number of lines)."""
    ids = [int(source_id) for source_id in source_ids if str(source_id).isdigit()]
    traces = Accrual.objects.unrestricted("the calculation printed on a statement line").filter(
        pk__in=ids
    )
    return {str(pk): trace_summary(trace) for pk, trace in traces.values_list("pk", "trace")}
