"""Trend charts on the dashboards (DESIGN §8): each chart's selector gives exact figures on small
data, every dashboard keeps a fixed number of queries whatever the rows, a partner's charts never
carry another partner's figures, and a chart ships its data as JSON plus a table (no inline
script under the CSP)."""

import datetime
import json
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from core.dashboard_charts import last_quarters, month_starts, percent
from core.money import round_money
from core.periods import Quarter
from deals.choices import DealStatus
from deals.dashboard import deal_regional_figures, deal_trend_by_month
from deals.models import Deal, DealLine
from funds.choices import LedgerKind
from funds.dashboard import mdf_by_quarter
from funds.models import MdfLedgerEntry
from partners.dashboard import nps_warning_counts_by_quarter
from partners.models import NpsWarning, Partner
from rebates.dashboard import rebate_by_quarter
from rebates.models import Accrual
from rebates.services import accruals_calculate
from settlement.dashboard import finance_trends
from settlement.models import ReconciliationAnomaly, ReconciliationRun, Statement
from tests.conftest import login
from tests.deals.factories import DealFactory
from tests.factories import PartnerFactory, PartnerUserFactory, UserFactory, staff
from tests.funds.factories import allocation
from tests.rebates.factories import line, programme, target
from tests.settlement.factories import published_statement
from tests.training.factories import CertificationFactory
from training.dashboard import certified_staff_by_quarter_end

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
MONTHS = month_starts()
THIS_MONTH, LAST_MONTH = MONTHS[-1], MONTHS[-2]


def at(day: datetime.date, hour: int = 12) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def deal(partner, status, region="CN-SH", **fields) -> Deal:
    made = DealFactory(partner=partner, customer_region=region)
    Deal.objects.filter(pk=made.pk).update(status=status, **fields)
    return made


def cards(response) -> dict:
    return {c.get("chart", {}).get("id", c["template"]): c for c in response.context["widgets"]}


# --- selectors: exact figures --------------------------------------------------------------------


def test_deal_trend_counts_registrations_wins_and_sla_by_month(partner):
    # given two registrations last month (one decided late), one this month, one won, one lost
    deal(
        partner,
        DealStatus.APPROVED,
        submitted_at=at(LAST_MONTH),
        decided_at=at(LAST_MONTH, 13),
        sla_due_at=at(LAST_MONTH, 14),
    )
    deal(
        partner,
        DealStatus.WON,
        submitted_at=at(LAST_MONTH),
        decided_at=at(LAST_MONTH + datetime.timedelta(days=5)),
        sla_due_at=at(LAST_MONTH + datetime.timedelta(days=2)),
        closed_on=THIS_MONTH,
    )
    deal(partner, DealStatus.LOST, submitted_at=at(THIS_MONTH), closed_on=THIS_MONTH)
    deal(partner, DealStatus.DRAFT)
    # when
    trend = deal_trend_by_month(Deal.objects.unrestricted("test"), months=MONTHS)
    # then
    assert trend["registered"][-2:] == [2, 1]
    assert trend["won"][-1] == 1 and trend["lost"][-1] == 1
    assert trend["decided"][-2] == 2 and trend["on_time"][-2] == 1
    assert sum(trend["registered"]) == 3


def test_regional_figures_count_partners_pipeline_breaches_and_won_revenue():
    # given two partners in Shanghai (one also in Beijing), open and won deals
    shanghai = PartnerFactory(regions=["CN-SH", "CN-BJ"])
    PartnerFactory(regions=["CN-SH"])
    now = timezone.now()
    deal(shanghai, DealStatus.SUBMITTED, sla_due_at=now - datetime.timedelta(hours=1))
    deal(shanghai, DealStatus.APPROVED)
    deal(shanghai, DealStatus.WON, region="CN-BJ", closed_on=TODAY)  # 2 × 900.00
    deal(shanghai, DealStatus.WON, region="CN-BJ", closed_on=TODAY - datetime.timedelta(days=800))
    DealLine.objects.update(final=True)  # the order as won
    # when
    figures = deal_regional_figures(
        Deal.objects.unrestricted("test"),
        Partner.objects.unrestricted("test"),
        since=MONTHS[0],
    )
    # then
    assert figures["partners"] == {"CN-SH": 2, "CN-BJ": 1}
    assert figures["open"] == {"CN-SH": (2, 1)}
    assert figures["won"] == {"CN-BJ": {"CNY": Decimal("1800.00")}}


def test_mdf_by_quarter_sums_allocated_and_used_per_quarter(partner):
    # given 10,000 allocated this quarter, 3,000 reserved of which 1,000 released
    quarters = ["2026Q1", "2026Q2"]
    allocation(partner, "10000.00", quarter="2026Q2")
    allocation(partner, "500.00", quarter="2025Q4")  # outside the window
    for kind, amount in ((LedgerKind.RESERVATION, "-3000.00"), (LedgerKind.RELEASE, "1000.00")):
        MdfLedgerEntry.objects.create(
            partner=partner, kind=kind, amount=Decimal(amount), currency="CNY", quarter="2026Q2"
        )
    # when
    figures = mdf_by_quarter(MdfLedgerEntry.objects.unrestricted("test"), quarters=quarters)
    # then
    assert figures["allocated"] == [Decimal("0.00"), Decimal("10000.00")]
    assert figures["used"] == [Decimal("0.00"), Decimal("2000.00")]


def test_finance_trends_count_statements_anomalies_and_outstanding(partner):
    # given two published statements, one paid this month, two anomalies (one closed)
    published_statement(partner, "300.00")
    paid = published_statement(PartnerFactory(), "100.00")
    Statement.objects.filter(pk=paid.pk).update(state="confirmed")
    Statement.objects.filter(pk=paid.pk).update(state="paid", paid_at=timezone.now())
    run = ReconciliationRun.objects.create(
        matched_by_reference=6, matched_by_window=2, finished_at=timezone.now()
    )
    for i, state in enumerate(("open", "resolved")):
        ReconciliationAnomaly.objects.create(
            kind="payment_without_order",
            partner=partner,
            run=run,
            currency="CNY",
            state=state,
            closed_at=timezone.now() if i else None,
        )
    # when
    trends = finance_trends()
    # then
    assert trends["published"][-1] == 2 and trends["paid"][-1] == 1
    assert trends["raised"][-1] == 2 and trends["closed"][-1] == 1
    assert trends["matched"][-1] == 8
    assert dict(trends["outstanding"])["published"] == Decimal("300.00")
    assert sum(trends["published"][:-1]) == 0


# The current quarter: always in the charts' window.
REBATE_PERIOD = last_quarters()[-1]


def _accruals(*partners) -> dict:
    prog = programme(name="Standard", strategic_product_codes=["STRAT"])
    for i, p in enumerate(partners):
        target(prog, p, 1_000_000, period=REBATE_PERIOD)
        line(p, 900_000 + 100_000 * i, day=str(TODAY))
    accruals_calculate(period=Quarter.parse(REBATE_PERIOD), partner_range=(0, 2**62))
    return {a.partner_id: a for a in Accrual.objects.unrestricted("test")}


def test_rebate_by_quarter_sums_one_company_per_currency(partner, other_partner):
    # given accruals of two companies this quarter
    accruals = _accruals(partner, other_partner)
    ours = accruals[partner.pk]
    # when
    figures = rebate_by_quarter(
        Accrual.objects.unrestricted("test").filter(partner=partner),
        quarters=[last_quarters()[-2], REBATE_PERIOD],
    )
    # then
    assert ours.amount > 0
    assert figures["by_currency"] == {"CNY": [Decimal("0"), round_money(ours.amount, "CNY")]}


def test_nps_warning_counts_by_quarter_count_red_and_yellow_only():
    # given red, yellow and blue warnings over two quarters
    for quarter, level in (
        ("2026Q2", "red"),
        ("2026Q3", "red"),
        ("2026Q3", "yellow"),
        ("2026Q3", "blue"),
        ("2025Q1", "red"),  # outside the window
    ):
        NpsWarning.objects.create(partner=PartnerFactory(), quarter=quarter, level=level, nps=5)
    # when
    figures = nps_warning_counts_by_quarter(
        NpsWarning.objects.unrestricted("test"), quarters=["2026Q2", "2026Q3"]
    )
    # then
    assert figures["red"] == [1, 1] and figures["yellow"] == [0, 1]


def test_certified_staff_by_quarter_end_counts_valid_certifications_on_each_day(partner):
    # given one certification valid since 100 days ago, one issued today, one detached
    old = CertificationFactory(
        user=PartnerUserFactory(partner=partner),
        issued_on=TODAY - datetime.timedelta(days=100),
    )
    CertificationFactory(user=PartnerUserFactory(partner=partner), issued_on=TODAY)
    CertificationFactory(
        user=PartnerUserFactory(partner=partner),
        issued_on=TODAY - datetime.timedelta(days=100),
        detached_on=TODAY - datetime.timedelta(days=10),
    )
    CertificationFactory(issued_on=TODAY - datetime.timedelta(days=100))  # another partner
    # when
    counts = certified_staff_by_quarter_end(
        partner=partner, days=[TODAY - datetime.timedelta(days=50), TODAY]
    )
    # then
    assert counts["total"] == [2, 2]
    assert old.partner_id == partner.pk


# --- pages: queries, scope, markup ---------------------------------------------------------------


def _world(n: int, manager) -> None:
    for _i in range(n):
        partner = PartnerFactory(channel_manager=manager, regions=["CN-SH", "CN-GD"])
        deal(partner, DealStatus.SUBMITTED, submitted_at=timezone.now())
        deal(partner, DealStatus.WON, submitted_at=at(LAST_MONTH), closed_on=TODAY)
        allocation(partner, "1000.00")
        published_statement(partner, "100.00")


ROLES = [Role.CHANNEL_MANAGER, Role.CHANNEL_DIRECTOR, Role.ADMIN, Role.FINANCE]


@pytest.mark.parametrize("role", ROLES)
def test_staff_dashboard_queries_do_not_grow_with_rows(client, role, django_assert_max_num_queries):
    manager = UserFactory(role=Role.CHANNEL_MANAGER)
    user = manager if role == Role.CHANNEL_MANAGER else staff(role)
    login(client, user)
    _world(1, manager)
    cache.clear()
    with django_assert_max_num_queries(200) as small:
        assert client.get(reverse("core:dashboard")).status_code == 200
    _world(4, manager)
    cache.clear()
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(reverse("core:dashboard")).status_code == 200


def test_partner_dashboard_queries_do_not_grow_with_rows(
    client, partner, partner_user, django_assert_max_num_queries
):
    login(client, partner_user)
    deal(partner, DealStatus.WON, submitted_at=timezone.now(), closed_on=TODAY)
    with django_assert_max_num_queries(200) as small:
        assert client.get(reverse("core:dashboard")).status_code == 200
    for _i in range(5):
        deal(partner, DealStatus.WON, submitted_at=timezone.now(), closed_on=TODAY)
        CertificationFactory(user=PartnerUserFactory(partner=partner))
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(reverse("core:dashboard")).status_code == 200


def test_partner_charts_carry_only_the_own_company_figures(
    client, partner, partner_user, other_partner
):
    # given three registrations of another company this month and one of ours
    for _i in range(3):
        deal(other_partner, DealStatus.SUBMITTED, submitted_at=timezone.now())
    deal(partner, DealStatus.SUBMITTED, submitted_at=timezone.now())
    # when
    response = login(client, partner_user).get(reverse("core:dashboard"))
    # then
    chart = cards(response)["chart-own-registrations"]["chart"]
    assert chart["config"]["series"][0]["values"][-1] == 1
    assert "chart-pipeline-by-region" not in cards(response)
    assert "chart-statements-by-month" not in cards(response)


def test_partner_rebate_chart_shows_only_the_own_accruals(client, partner, other_partner):
    # given both companies accrued this quarter, ours less than theirs
    accruals = _accruals(partner, other_partner)
    finance = PartnerUserFactory(partner=partner, role=Role.PARTNER_FINANCE)
    # when
    response = login(client, finance).get(reverse("core:dashboard"))
    # then
    config = cards(response)["chart-rebate-by-quarter"]["chart"]["config"]
    values = [v for s in config["series"] for v in s["values"] if v]
    assert values == [float(round_money(accruals[partner.pk].amount, "CNY"))]


def test_partner_sales_gets_no_rebate_amounts(client, partner):
    sales = PartnerUserFactory(partner=partner, role=Role.PARTNER_SALES)
    response = login(client, sales).get(reverse("core:dashboard"))
    assert "chart-rebate-by-quarter" not in cards(response)
    assert "chart-own-registrations" in cards(response)


def test_manager_regional_table_counts_only_managed_partners(client, manager):
    # given one managed partner in Guangdong and another manager's in Shanghai
    mine = PartnerFactory(channel_manager=manager, regions=["CN-GD"])
    PartnerFactory(channel_manager=UserFactory(), regions=["CN-SH"])
    deal(mine, DealStatus.SUBMITTED, region="CN-GD")
    # when
    card = cards(login(client, manager).get(reverse("core:dashboard")))["chart-pipeline-by-region"]
    # then
    assert [(r["code"], r["partners"], r["pipeline"]) for r in card["rows"]] == [("CN-GD", 1, 1)]


def test_chart_ships_json_and_a_table_and_no_inline_script(client, finance_user):
    published_statement(PartnerFactory(), "100.00")
    html = login(client, finance_user).get(reverse("core:dashboard")).text
    data = re.search(
        r'<script id="chart-statements-by-month-data" type="application/json">(.*?)</script>',
        html,
        re.S,
    )
    config = json.loads(data.group(1))
    assert config["series"][0]["values"][-1] == 1
    assert 'id="chart-statements-by-month-table"' in html
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag


def test_chart_labels_follow_the_reader_language(client, finance_user):
    published_statement(PartnerFactory(), "100.00")
    finance_user.language = "zh-hans"
    finance_user.save()
    html = (
        login(client, finance_user)
        .get(reverse("core:dashboard"), HTTP_ACCEPT_LANGUAGE="zh-hans")
        .text
    )
    assert f"{THIS_MONTH.year}年{THIS_MONTH.month}月" in html


@pytest.mark.parametrize(
    ("part", "whole", "expected"), [(1, 2, 50), (1, 8, 13), (5, 8, 63), (0, 3, 0), (1, 0, None)]
)
def test_chart_percentages_round_half_up_and_leave_a_gap_without_a_whole(part, whole, expected):
    assert percent(part, whole) == expected
