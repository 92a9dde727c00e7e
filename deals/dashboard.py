"""Dashboard cards of deal registration and leads (DESIGN §8)."""

import copy
import datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.choices import CHANNEL_ROLES, PARTNER_ROLES, Role
from accounts.scoping import scope_filter
from core.dashboard import widget
from core.dashboard_charts import (
    PERCENT,
    ChartSpec,
    Series,
    by_month,
    chart_card,
    month_label,
    month_start_aware,
    month_starts,
    percent,
)
from core.fx import FxRateMissing, fx_convert
from core.money import round_money
from core.precomputed import per_scope_value, precomputed, precomputed_value
from partners.choices import PartnerStatus
from partners.models import Partner
from partners.regions import REGIONS

from .choices import OPEN_STATUSES, PENDING_STATUSES, DealStatus
from .customer_data import customer_data_shown
from .models import Deal, DealLine
from .permissions import deal_register_refusal
from .selectors import (
    deal_manager_stats_for,
    deal_protections_expiring_for,
    deal_stage_counts_for,
    deal_stats_all,
    lead_offer_count_for,
    won_line_amount,
)

STAGES = [
    DealStatus.DRAFT,
    DealStatus.SUBMITTED,
    DealStatus.IN_CONFLICT,
    DealStatus.APPROVED,
    DealStatus.WON,
    DealStatus.LOST,
    DealStatus.EXPIRED,
    DealStatus.REJECTED,
]
FUNNEL_LABELS = {
    "registered": pgettext_lazy("deal funnel", "Registered"),
    "approved": pgettext_lazy("deal funnel", "Approved"),
    "won": pgettext_lazy("deal funnel", "Won"),
}


@widget(roles=PARTNER_ROLES, order=200)
def partner_deals_card(request) -> dict | None:
    """Partner: deals by stage, protections ending within 14 days, leads waiting for an answer."""
    user = request.user
    if user.partner_id is None:
        return None
    counts = deal_stage_counts_for(user=user)
    return {
        "template": "deals/widgets/partner_deals.html",
        "title": _("Deal registrations"),
        "stages": [
            {"status": s.value, "label": s.label, "count": counts.get(s.value, 0)} for s in STAGES
        ],
        # Customer names of the company's deals: a read of customer data like any list (DESIGN §9).
        "expiring": customer_data_shown(
            user=user,
            records=deal_protections_expiring_for(user=user, days=14)[:10],
            view="list",
            door="dashboard",
        ),
        "leads": lead_offer_count_for(user=user),
        "can_register": user.role in (Role.PARTNER_ADMIN, Role.PARTNER_SALES)
        and deal_register_refusal(partner_id=user.partner_id) is None,
    }


@widget(roles=CHANNEL_ROLES | {Role.ADMIN}, order=200, width="full")
def manager_deals_card(request) -> dict:
    """Channel manager: approval queue, SLA breaches, conflicts waiting, win rate, funnel.

    A channel manager's own partners' registrations are counted live through the partner index;
    whoever manages every partner reads the vendor-wide figure precomputed each minute.
    """
    as_of = None
    if scope_filter(Deal, request.user, "manage") is None:
        stats, as_of = precomputed_value("deals.manager_stats")
        stats = copy.deepcopy(stats)
    else:
        user = request.user
        stats = per_scope_value(
            "deals.manager_stats", str(user.pk), lambda: deal_manager_stats_for(user=user)
        )
    for step in stats["funnel"]:
        step["label"] = FUNNEL_LABELS[step["key"]]
    return {
        "template": "deals/widgets/manager_deals.html",
        "title": _("Deal registrations"),
        "stats": stats,
        "as_of": as_of,
    }


@precomputed("deals.manager_stats")
def _all_deal_stats() -> dict:
    """Every registration by queue, SLA, conflict and outcome: a million rows, once a minute."""
    return deal_stats_all()


# --- Trends and the regional table (DESIGN §8) -------------------------------------------------
# Each chart's figures come from one selector below, over the deals the reader may see: every
# deal once a minute for whoever manages all partners (precomputed), a channel manager's own
# partners' per scope (kept a minute), one partner's live through the partner indexes.

CHART_TEAM = CHANNEL_ROLES | {Role.ADMIN}
REGIONS_CHARTED = 10  # the busiest regions drawn; the table lists every region with a figure


def deal_trend_by_month(deals, *, months: list[datetime.date]) -> dict:
    """Registrations by month submitted; won and lost by close date; decisions by month decided
    and how many came before their SLA due time. One pass over the registrations touching the
    window (one heap read per registration, grouped by the three months at once).

    Assumption: a registration decided without an SLA due time (none was set) is left out of the
    SLA share rather than counted as on time."""
    first = months[0]
    start = month_start_aware(first)
    closing = Q(status__in=[DealStatus.WON, DealStatus.LOST], closed_on__gte=first)
    deciding = Q(decided_at__gte=start, sla_due_at__isnull=False)
    rows = (
        deals.filter(Q(submitted_at__gte=start) | closing | deciding)
        .annotate(
            submitted=TruncMonth("submitted_at"),
            closed=TruncMonth("closed_on"),
            decided=TruncMonth("decided_at"),
            with_sla=ExpressionWrapper(Q(sla_due_at__isnull=False), output_field=BooleanField()),
            on_time=ExpressionWrapper(
                Q(decided_at__lte=F("sla_due_at")), output_field=BooleanField()
            ),
        )
        .values_list("submitted", "closed", "decided", "status", "with_sla", "on_time")
        .annotate(n=Count("pk"))
        .order_by()
    )
    figures = {key: dict.fromkeys(months, 0) for key in FIGURES}
    for submitted, closed, decided, status, with_sla, on_time, n in rows:
        submitted, closed, decided = (_month_of(v) for v in (submitted, closed, decided))
        if submitted in figures["registered"]:
            figures["registered"][submitted] += n
        if closed in figures["won"] and status in (DealStatus.WON, DealStatus.LOST):
            figures["won" if status == DealStatus.WON else "lost"][closed] += n
        if decided in figures["decided"] and with_sla:
            figures["decided"][decided] += n
            if on_time:
                figures["on_time"][decided] += n
    return {"months": months} | {key: list(figures[key].values()) for key in FIGURES}


FIGURES = ("registered", "won", "lost", "decided", "on_time")


def _month_of(value) -> datetime.date | None:
    """The month start of a TruncMonth value (an aware datetime, or a date for a date field)."""
    if value is None:
        return None
    return next(iter(by_month([(value, None)])))


@precomputed("deals.trend_by_month")
def _trend_all() -> dict:
    """Every registration's monthly trend: grouped over the last twelve months once a minute."""
    return deal_trend_by_month(
        Deal.objects.unrestricted("vendor-wide dashboard figure, no user"), months=month_starts()
    )


def _staff_figure(request, name: str, compute) -> tuple[dict, datetime.datetime | None]:
    """The vendor-wide precomputed copy for whoever manages every partner, else the user's own
    scope kept a minute (deals/dashboard.py `manager_deals_card` reads the same way)."""
    user = request.user
    if scope_filter(Deal, user, "manage") is None:
        return precomputed_value(name)
    return per_scope_value(
        name, str(user.pk), lambda: compute(Deal.objects.manageable_by(user))
    ), None


@widget(roles=CHART_TEAM, order=201)
def registrations_trend_chart(request) -> dict:
    """Staff: registrations and wins by month."""
    trend, as_of = _staff_figure(
        request,
        "deals.trend_by_month",
        lambda deals: deal_trend_by_month(deals, months=month_starts()),
    )
    return _registrations_chart(trend, as_of=as_of, key="registrations")


@widget(roles=CHART_TEAM, order=202)
def sla_and_win_rate_chart(request) -> dict:
    """Staff: the share of decisions made within the approval SLA and the win rate, by month."""
    trend, as_of = _staff_figure(
        request,
        "deals.trend_by_month",
        lambda deals: deal_trend_by_month(deals, months=month_starts()),
    )
    spec = ChartSpec(
        key="sla-win-rate",
        title=_("Approval SLA and win rate by month"),
        description=_(
            "Decisions made before their SLA due time, and won ÷ (won + lost) by close date."
        ),
        labels=[month_label(m) for m in trend["months"]],
        kind="line",
        unit=PERCENT,
        series=[
            Series(
                _("Decided within SLA"),
                [percent(a, b) for a, b in zip(trend["on_time"], trend["decided"], strict=True)],
            ),
            Series(
                _("Win rate"),
                [percent(w, w + lo) for w, lo in zip(trend["won"], trend["lost"], strict=True)],
            ),
        ],
    )
    return chart_card(spec, as_of=as_of)


def _registrations_chart(trend: dict, *, as_of, key: str) -> dict:
    spec = ChartSpec(
        key=key,
        title=_("Registrations and wins by month"),
        labels=[month_label(m) for m in trend["months"]],
        series=[
            Series(pgettext_lazy("deal funnel", "Registered"), trend["registered"]),
            Series(pgettext_lazy("deal funnel", "Won"), trend["won"]),
        ],
    )
    return chart_card(spec, as_of=as_of)


@widget(roles=PARTNER_ROLES, order=201)
def partner_registrations_chart(request) -> dict | None:
    """Partner: the company's own registrations and wins by month, read through the partner
    index and kept a minute for the company (every partner role sees the company's deals). A
    distributor's dealers' deals are not its own."""
    user = request.user
    if user.partner_id is None:
        return None
    deals = Deal.objects.visible_to(user).filter(partner_id=user.partner_id)
    trend = per_scope_value(
        "deals.trend_by_month",
        f"partner-{user.partner_id}",
        lambda: deal_trend_by_month(deals, months=month_starts()),
    )
    return _registrations_chart(trend, as_of=None, key="own-registrations")


def deal_regional_figures(deals, partners, *, since: datetime.date) -> dict:
    """Per customer region: partners covering it, open pipeline (submitted, in conflict,
    approved), SLA breaches among the pending ones, and won revenue since `since` by currency.

    Assumption: a partner whose territory names several regions counts in each; a deal counts in
    its customer's region, whichever partner registered it."""
    now = timezone.now()
    pending = Q(status__in=PENDING_STATUSES)
    open_rows = (
        deals.filter(status__in=OPEN_STATUSES)
        .values_list("customer_region")
        .annotate(
            pipeline=Count("pk"),
            breaches=Count("pk", filter=pending & Q(sla_due_at__lt=now)),
        )
        .order_by()
    )
    won_rows = (
        DealLine.objects.unrestricted("regional table, over the deals the reader sees")
        .filter(final=True, deal__in=deals.filter(status=DealStatus.WON, closed_on__gte=since))
        .values_list("deal__customer_region", "deal__currency")
        .annotate(total=Sum(won_line_amount()))
        .order_by()
    )
    covering: dict[str, int] = {}
    for regions in partners.filter(status=PartnerStatus.ACTIVE).values_list("regions", flat=True):
        for region in set(regions or ()):
            covering[region] = covering.get(region, 0) + 1
    won: dict[str, dict[str, Decimal]] = {}
    for region, currency, total in won_rows:
        won.setdefault(region, {})[currency] = total or Decimal("0")
    return {
        "open": {region: (n, breaches) for region, n, breaches in open_rows},
        "won": won,
        "partners": covering,
        "since": since,
    }


@precomputed("deals.regional")
def _regional_all() -> dict:
    return deal_regional_figures(
        Deal.objects.unrestricted("vendor-wide dashboard figure, no user"),
        Partner.objects.unrestricted("vendor-wide dashboard figure, no user"),
        since=month_starts()[0],
    )


@widget(roles=CHART_TEAM, order=203, width="full")
def regional_table(request) -> dict:
    """Staff: the regional table (partners, pipeline, won revenue, SLA breaches per region) with
    the pipeline by region drawn above it. Won revenue is summed in the base currency at today's
    rate; an amount in a currency without a rate is left out (and the table says so)."""
    user = request.user
    since = month_starts()[0]
    if scope_filter(Deal, user, "manage") is None:
        figures, as_of = precomputed_value("deals.regional")
    else:
        figures, as_of = (
            per_scope_value(
                "deals.regional",
                str(user.pk),
                lambda: deal_regional_figures(
                    Deal.objects.manageable_by(user),
                    Partner.objects.manageable_by(user),
                    since=since,
                ),
            ),
            None,
        )
    base = settings.PRM_BASE_CURRENCY
    today = timezone.localdate()
    unconverted = False
    rows = []
    for code, label in REGIONS:
        pipeline, breaches = figures["open"].get(code, (0, 0))
        revenue = Decimal("0")
        for currency, amount in figures["won"].get(code, {}).items():
            try:
                revenue += amount if currency == base else fx_convert(amount, currency, base, today)
            except FxRateMissing:
                unconverted = True
        partners = figures["partners"].get(code, 0)
        if pipeline or breaches or revenue or partners:
            rows.append(
                {
                    "code": code,
                    "label": label,
                    "partners": partners,
                    "pipeline": pipeline,
                    "breaches": breaches,
                    "revenue": round_money(revenue, base),
                }
            )
    rows.sort(key=lambda r: (-r["pipeline"], -r["revenue"], r["code"]))
    charted = rows[:REGIONS_CHARTED]
    spec = ChartSpec(
        key="pipeline-by-region",
        title=_("Pipeline by region"),
        labels=[r["label"] for r in charted],
        horizontal=True,
        axis=_("Region"),
        series=[Series(_("Open registrations"), [r["pipeline"] for r in charted])],
    )
    card = chart_card(spec, as_of=as_of)
    return card | {
        "template": "core/dashboard_regional.html",
        "title": _("Regional table"),
        "rows": rows,
        "currency": base,
        "unconverted": unconverted,
        "since": month_label(figures["since"]),
    }
