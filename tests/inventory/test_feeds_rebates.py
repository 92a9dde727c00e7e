"""Sell-through as rebate revenue (DESIGN §5.1 option, §11): a programme that says so counts the
partners' current sell-through lines (`inventory_sell_through_v`), under the same rules as sell-in."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from django.utils.translation import gettext as _

from core.models import FxRate
from inventory.choices import ReportKind
from rebates.calculation import contract_revenue_refresh, contract_sums
from rebates.choices import RevenueSource
from rebates.models import Accrual, Programme
from rebates.rules import trace_facts, trace_summary
from rebates.services import accruals_calculate
from tests.deals.factories import ProductFactory
from tests.factories import PartnerFactory, tier
from tests.rebates.factories import PERIOD, line, programme, target

from .factories import InventoryReportFactory, SellThroughLineFactory

pytestmark = pytest.mark.django_db

M = 1_000_000
SELL_THROUGH = RevenueSource.SELL_THROUGH


def run() -> int:
    return accruals_calculate(period=PERIOD, partner_range=(0, 2**62))


def sold(partner, amount, *, report=None, product=None, customer="C-1", day=None, **fields):
    """One sell-through line worth `amount` (one unit at that price) in the quarter 2026Q3."""
    report = report or InventoryReportFactory(
        partner=partner, month=datetime.date(2026, 8, 1), kind=ReportKind.SELL_THROUGH
    )
    return SellThroughLineFactory(
        report=report,
        partner=partner,
        product=product or ProductFactory(),
        quantity=fields.pop("quantity", 1),
        unit_price=Decimal(str(amount)),
        customer_tax_id=customer,
        sold_on=day or datetime.date(2026, 8, 15),
        is_current=report.is_current,
        **fields,
    )


def accrual_of(partner, prog) -> Accrual:
    return Accrual.objects.get(partner=partner, programme=prog, period=str(PERIOD))


def test_the_view_holds_current_lines_with_their_amount_and_product_code():
    # given a current line (3 × 250.50) and a superseded one
    partner = PartnerFactory()
    product = ProductFactory(sku="ST-VIEW")
    current = sold(partner, "250.50", product=product, quantity=3)
    old = InventoryReportFactory(partner=partner, version=1, is_current=False)
    sold(partner, 999, report=old)
    # when
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT line_id, partner_id, product_sku, quantity, amount, currency "
            "FROM inventory_sell_through_v WHERE partner_id = %s",
            [partner.pk],
        )
        rows = cursor.fetchall()
    # then only the current line, amount = quantity × unit price
    assert rows == [(current.pk, partner.pk, "ST-VIEW", 3, Decimal("751.50"), "CNY")]


def test_sell_through_programme_counts_sell_through_and_sell_in_programme_sales_lines():
    # given a silver partner (× 1) with 800,000 invoiced and 1,200,000 sold through, target 1M
    partner = PartnerFactory(tier=tier("silver"))
    sell_in = programme(name="Sell-in")
    sell_through = programme(name="Sell-through", revenue_source=SELL_THROUGH)
    target(sell_in, partner, M)
    target(sell_through, partner, M)
    line(partner, 800_000)
    report = InventoryReportFactory(partner=partner, month=datetime.date(2026, 8, 1))
    sold(partner, 600_000, report=report, customer="A")
    sold(partner, 300_000, report=report, customer="B")
    sold(partner, 300_000, report=report, customer="C", day=datetime.date(2026, 9, 30))
    # a sale outside the quarter counts for neither
    october = InventoryReportFactory(partner=partner, month=datetime.date(2026, 10, 1))
    sold(partner, 500_000, report=october, day=datetime.date(2026, 10, 1))
    # when
    run()
    # then sell-in: 80% → 5% of 800,000; sell-through: 120% → 15% of 1,200,000
    assert accrual_of(partner, sell_in).amount == Decimal("40000.00")
    st = accrual_of(partner, sell_through)
    assert st.amount == Decimal("180000.00")
    assert Decimal(st.trace["revenue"]) == Decimal("1200000")
    # and the trace says where the revenue came from, in the reader's language
    assert st.trace["revenue_source"] == "sell_through"
    assert accrual_of(partner, sell_in).trace["revenue_source"] == "sell_in"
    assert (_("Revenue from"), str(RevenueSource.SELL_THROUGH.label)) in trace_facts(st.trace)
    # and the contracts are the end customers
    assert [c for c, _net, _s in contract_sums(accrual=st)] == ["A", "B", "C"]


def test_superseded_sell_through_lines_do_not_count():
    # given a first report superseded by a corrected one
    partner = PartnerFactory(tier=tier("silver"))
    prog = programme(revenue_source=SELL_THROUGH)
    target(prog, partner, M)
    old = InventoryReportFactory(
        partner=partner, month=datetime.date(2026, 7, 1), version=1, is_current=False
    )
    sold(partner, 1_500_000, report=old)
    new = InventoryReportFactory(partner=partner, month=datetime.date(2026, 7, 1), version=2)
    sold(partner, 1_000_000, report=new, day=datetime.date(2026, 7, 20))
    # when
    run()
    # then 100% → 10% of 1,000,000
    assert accrual_of(partner, prog).amount == Decimal("100000.00")


def test_eligible_and_strategic_products_by_code_and_the_cap_per_end_customer():
    # given a diamond partner (× 1.2), a strategic product, one big customer
    partner = PartnerFactory(tier=tier("diamond"))
    strategic = ProductFactory(sku="ST-STRAT")
    other = ProductFactory(sku="ST-OTHER")
    prog = programme(
        revenue_source=SELL_THROUGH,
        eligible_product_codes=["ST-STRAT", "ST-PLAIN"],
        strategic_product_codes=["ST-STRAT"],
    )
    target(prog, partner, M)
    report = InventoryReportFactory(partner=partner, month=datetime.date(2026, 9, 1))
    sold(partner, 1_200_000, report=report, product=strategic, customer="BIG")
    sold(partner, 100_000, report=report, product=ProductFactory(sku="ST-PLAIN"), customer="S")
    sold(partner, 700_000, report=report, product=other, customer="S")  # not eligible
    # when
    run()
    # then 1.3M = 130% → 15%; BIG: 1.2M × 18% × 1.2 = 259,200 capped at 240,000;
    # S: 100,000 × 15% × 1.2 = 18,000
    accrual = accrual_of(partner, prog)
    assert accrual.amount == Decimal("258000.00")
    assert (accrual.trace["contract_count"], accrual.trace["capped_contracts"]) == (2, 1)


def test_sell_through_in_another_currency_converts_at_the_quarters_last_day():
    # given a USD partner whose sell-through is in CNY; rates around the quarter's end
    partner = PartnerFactory(tier=tier("silver"), contract_currency="USD")
    for day, rate in (("2026-06-30", "9"), ("2026-09-30", "8"), ("2026-10-05", "7")):
        FxRate.objects.create(
            base_currency="CNY",
            quote_currency="USD",
            rate_date=day,
            rate=Decimal(1) / Decimal(rate),
        )
    prog = programme(revenue_source=SELL_THROUGH)
    target(prog, partner, 100_000)
    sold(partner, 880_000, currency="CNY")
    # when
    run()
    # then 880,000 CNY ÷ 8 = 110,000 USD = 110% → 10% = 11,000.00 USD
    accrual = accrual_of(partner, prog)
    assert accrual.currency == "USD"
    assert accrual.amount == Decimal("11000.00")
    assert "CNY" in accrual.trace["fx"]


def test_a_new_report_rebuilds_the_quarter_and_nothing_else_does():
    # given a built sell-through quarter
    partner = PartnerFactory(tier=tier("silver"))
    prog = programme(revenue_source=SELL_THROUGH)
    target(prog, partner, M)
    sold(partner, 800_000)
    run()
    assert accrual_of(partner, prog).amount == Decimal("40000.00")
    # when nothing arrived, then nothing is rebuilt (a sales line is not sell-through, and a
    # report of a month before the quarter cannot hold its sales)
    line(partner, 5_000_000)
    InventoryReportFactory(partner=partner, month=datetime.date(2026, 6, 1))
    assert contract_revenue_refresh(programme_id=prog.pk, period=PERIOD) == "current"
    # when a corrected report replaces the first
    first = partner.inventory_reports.get(month=datetime.date(2026, 8, 1))
    first.is_current = False
    first.save()
    first.lines.update(is_current=False)
    correction = InventoryReportFactory(partner=partner, month=first.month, version=2)
    sold(partner, 1_000_000, report=correction)
    # then an import's refresh leaves it to the calculation, which rebuilds it
    assert contract_revenue_refresh(programme_id=prog.pk, period=PERIOD, build=False) == "stale"
    run()
    assert accrual_of(partner, prog).amount == Decimal("100000.00")
    assert contract_revenue_refresh(programme_id=prog.pk, period=PERIOD) == "current"


def test_a_first_report_of_another_month_adds_its_lines():
    # given a built sell-through quarter with August's report
    partner = PartnerFactory(tier=tier("silver"))
    prog = programme(revenue_source=SELL_THROUGH)
    target(prog, partner, M)
    sold(partner, 500_000, customer="A")
    run()
    # when September's first report arrives (one customer again, one new)
    september = InventoryReportFactory(partner=partner, month=datetime.date(2026, 9, 1))
    sold(partner, 300_000, report=september, customer="A", day=datetime.date(2026, 9, 3))
    sold(partner, 200_000, report=september, customer="B", day=datetime.date(2026, 9, 4))
    # then its lines are added to what was summed, without a rebuild
    assert contract_revenue_refresh(programme_id=prog.pk, period=PERIOD, build=False) == "added"
    run()
    accrual = accrual_of(partner, prog)
    assert accrual.amount == Decimal("100000.00")
    assert [(c, n) for c, n, _s in contract_sums(accrual=accrual)] == [
        ("A", Decimal("800000.00")),
        ("B", Decimal("200000.00")),
    ]
    # and the same as a build from scratch
    Programme.objects.filter(pk=prog.pk).update(strategic_product_codes=["NONE"])
    assert contract_revenue_refresh(programme_id=prog.pk, period=PERIOD) == "built"
    Programme.objects.filter(pk=prog.pk).update(strategic_product_codes=[])
    run()
    assert accrual_of(partner, prog).amount == Decimal("100000.00")


def test_switching_a_programme_to_sell_through_rebuilds_its_revenue():
    # given a sell-in programme already calculated
    partner = PartnerFactory(tier=tier("silver"))
    prog = programme()
    target(prog, partner, M)
    line(partner, 800_000)
    sold(partner, 1_000_000)
    run()
    assert accrual_of(partner, prog).amount == Decimal("40000.00")
    # when it switches to sell-through
    Programme.objects.filter(pk=prog.pk).update(revenue_source=SELL_THROUGH)
    run()
    # then its revenue is the sell-through
    assert accrual_of(partner, prog).amount == Decimal("100000.00")


@pytest.mark.django_db(transaction=True)
def test_sell_through_calculation_outside_a_test_transaction_is_idempotent():
    # given
    partner = PartnerFactory(tier=tier("silver"))
    prog = programme(revenue_source=SELL_THROUGH)
    target(prog, partner, M)
    sold(partner, 1_000_000)
    # when run twice
    run()
    first = accrual_of(partner, prog)
    written = run()
    # then the same accrual, nothing rewritten
    assert written == 0
    assert accrual_of(partner, prog).amount == first.amount == Decimal("100000.00")


def test_programme_page_and_api_carry_the_revenue_source(client, api_client, finance_user):
    # given
    client.force_login(finance_user)
    data = {
        "name": "Sell-through Q",
        "mode": "retroactive",
        "revenue_source": "sell_through",
        "strategic_bonus": "0.03",
        "nps_low_below": "0",
        "nps_low_factor": "0.9",
        "nps_high_from": "50",
        "nps_high_factor": "1.05",
        "contract_cap": "0.2",
        "base_amount": "0",
        "share_rate": "0",
        "is_active": "on",
        "brackets-TOTAL_FORMS": "1",
        "brackets-INITIAL_FORMS": "0",
        "brackets-0-lower": "0",
        "brackets-0-upper": "",
        "brackets-0-rate": "0.05",
    }
    # when
    response = client.post(reverse("rebates:programme_create"), data)
    # then
    assert response.status_code == 302
    assert Programme.objects.get().revenue_source == SELL_THROUGH
    page = client.get(reverse("rebates:programme_list")).content.decode()
    assert str(RevenueSource.SELL_THROUGH.label) in page
    api_client.force_authenticate(finance_user)
    body = api_client.get("/api/v1/rebates/programmes/").json()
    assert body["results"][0]["revenue_source"] == "sell_through"


def test_the_accrual_page_shows_the_source_and_the_end_customers(client, partner_user):
    # given a sell-through accrual of the partner user's company
    partner = partner_user.partner
    prog = programme(revenue_source=SELL_THROUGH)
    target(prog, partner, M)
    report = InventoryReportFactory(partner=partner, month=datetime.date(2026, 8, 1))
    sold(partner, 700_000, report=report, customer="91310000MA1CUSTOM1")
    sold(partner, 300_000, report=report, customer="91310000MA1CUSTOM2")
    run()
    accrual = accrual_of(partner, prog)
    # when the partner opens it
    client.force_login(partner_user)
    page = client.get(reverse("rebates:accrual_detail", args=[accrual.pk])).content.decode()
    # then it says where the revenue came from, contract by end customer
    assert "Revenue from" in page and "Sell-through (sales to end customers)" in page
    assert "91310000MA1CUSTOM1" in page and "91310000MA1CUSTOM2" in page
    # and the statement's one-line summary says so too
    assert "revenue from sell-through" in trace_summary(accrual.trace)
