"""Accruals and clawbacks reach settlement; won deals reach the calculation (DESIGN §4.5, §5.1)."""

import datetime
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.choices import Role
from core.models import AuditEvent, FxRate, JobRun
from deals.choices import DealStatus
from deals.services import deal_close_won
from rebates.calculation import contract_sums
from rebates.choices import LineSource
from rebates.models import Accrual, QuarterClose, SalesLine
from rebates.services import (
    accruals_calculate,
    clawbacks_queue,
    quarter_close,
    sales_lines_from_won_deals,
)
from rebates.tasks import rebate_calculate_period_task
from settlement import services as settlement
from settlement.choices import EntryKind, StatementState
from settlement.models import SettlementEntry
from settlement.pdf import statement_pdf_render
from settlement.selectors import statement_pdf_batch
from tests.deals.factories import DealFactory, ProductFactory
from tests.factories import PartnerFactory, staff, tier

from .factories import PERIOD, line, programme, target

pytestmark = pytest.mark.django_db


def pdftotext(pdf: bytes) -> str:
    return subprocess.run(  # noqa: S603 (poppler's pdftotext on our own PDF)
        [shutil.which("pdftotext"), "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


M = 1_000_000
AFTER_Q3 = "2026-10-05T08:00:00Z"


def run() -> int:
    return accruals_calculate(period=PERIOD, partner_range=(0, 2**62))


def approve(statement):
    settlement.statement_submit(statement=statement, actor=staff(Role.FINANCE))
    statement.refresh_from_db()
    for _ in range(statement.required_approvals):
        settlement.statement_approve(statement=statement, actor=staff(Role.FINANCE))
    statement.refresh_from_db()
    return statement


@pytest.fixture
def worked_example():
    """DESIGN §5.1's worked example: Gold, T = 1,000,000, one contract SO-1, accrual 133,100.00."""
    partner = PartnerFactory(tier=tier("gold"))
    prog = programme(strategic_product_codes=["STRAT"])
    target(prog, partner, M)
    line(partner, 950_000)
    line(partner, 200_000, sku="STRAT")
    return partner


def test_closing_a_quarter_queues_each_positive_accrual_for_the_next_statement(
    worked_example, time_machine
):
    # given a second partner whose quarter earns nothing
    idle = PartnerFactory(tier=tier("silver"))
    target(programme(), idle, M)
    time_machine.move_to(AFTER_Q3)
    # when
    close = quarter_close(period=PERIOD, actor=staff(Role.FINANCE))
    # then one entry, for the accrual that earned something
    [entry] = SettlementEntry.objects.all()
    accrual = Accrual.objects.get(partner=worked_example)
    assert (entry.partner_id, entry.kind, entry.amount, entry.currency, entry.period) == (
        worked_example.pk,
        EntryKind.REBATE_ACCRUAL,
        Decimal("133100.00"),
        "CNY",
        "2026Q3",
    )
    assert entry.source_type == "rebates.accrual" and entry.source_id == str(accrual.pk)
    assert close.accruals_queued == 1
    assert AuditEvent.objects.filter(action="rebate_quarter.closed").exists()
    # and the statement of the quarter carries it
    statement = settlement.statement_build(partner=worked_example, period="2026Q3")
    assert statement.subtotal == Decimal("133100.00")


@pytest.mark.parametrize("moment", ["2026-09-30T08:00:00Z", "2026-08-01T08:00:00Z"])
def test_an_open_quarter_cannot_be_closed(worked_example, time_machine, moment):
    time_machine.move_to(moment)
    with pytest.raises(ValidationError) as caught:
        quarter_close(period=PERIOD)
    assert "period" in caught.value.message_dict
    assert not QuarterClose.objects.exists() and not SettlementEntry.objects.exists()


def test_a_quarter_is_closed_only_once(worked_example, time_machine):
    time_machine.move_to(AFTER_Q3)
    quarter_close(period=PERIOD)
    with pytest.raises(ValidationError):
        quarter_close(period=PERIOD)
    assert SettlementEntry.objects.count() == 1


def test_a_closed_quarter_is_never_recomputed(worked_example, time_machine):
    # given a closed quarter
    time_machine.move_to(AFTER_Q3)
    quarter_close(period=PERIOD)
    before = list(Accrual.objects.values())
    # when a late sale arrives and the nightly run recomputes
    line(worked_example, 500_000, order="SO-LATE")
    written = run()
    # then nothing changes
    assert written == 0
    assert list(Accrual.objects.values()) == before


def test_a_return_after_the_statement_was_approved_is_clawed_back_on_the_next_statement(
    worked_example, time_machine
):
    # given Q3 closed, its statement built and approved
    time_machine.move_to(AFTER_Q3)
    quarter_close(period=PERIOD)
    statement = approve(settlement.statement_build(partner=worked_example, period="2026Q3"))
    assert statement.state == StatementState.APPROVED
    accrual_before = Accrual.objects.get().amount
    # when 11,500 of contract SO-1, invoiced in Q3, is returned and recorded afterwards
    line(worked_example, 11_500, kind="return", day="2026-09-28")
    queued = clawbacks_queue()
    # then a clawback at the contract's effective rate (133,100 / 1,150,000) lands on Q4
    assert queued == 1
    entry = SettlementEntry.objects.get(kind=EntryKind.CLAWBACK)
    assert entry.amount == Decimal("-1331.00")
    assert entry.period == "2026Q4"
    assert "SO-1" in entry.description
    # and the approved quarter's accrual is untouched
    assert Accrual.objects.get().amount == accrual_before
    # and a second sweep queues nothing more
    assert clawbacks_queue() == 0
    assert SettlementEntry.objects.filter(kind=EntryKind.CLAWBACK).count() == 1
    # and the next statement carries it
    time_machine.move_to("2027-01-05T08:00:00Z")
    next_statement = settlement.statement_build(partner=worked_example, period="2026Q4")
    assert next_statement.subtotal == Decimal("-1331.00")


def test_a_return_in_the_open_quarter_reduces_that_quarter_not_the_closed_one(
    worked_example, time_machine
):
    time_machine.move_to(AFTER_Q3)
    quarter_close(period=PERIOD)
    line(worked_example, 11_500, kind="return", day="2026-10-02")
    assert clawbacks_queue() == 0


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        ({"order": "SO-UNKNOWN"}, "a contract that earned nothing"),
        ({"sku": "OTHER"}, "a product outside the programme"),
    ],
)
def test_no_clawback_for_a_return_that_earned_nothing(time_machine, options, reason):
    partner = PartnerFactory(tier=tier("silver"))
    prog = programme(eligible_product_codes=["SKU-A"])
    target(prog, partner, M)
    line(partner, 900_000)
    time_machine.move_to(AFTER_Q3)
    quarter_close(period=PERIOD)
    line(partner, 10_000, kind="return", day="2026-09-20", **options)
    assert clawbacks_queue() == 0, reason


def test_a_clawback_converts_a_foreign_currency_return_at_the_quarters_end_rate(time_machine):
    # given a USD partner at 100% (10%) and the rate of the quarter's last day 8 CNY per USD
    partner = PartnerFactory(tier=tier("silver"), contract_currency="USD")
    FxRate.objects.create(
        base_currency="USD", quote_currency="CNY", rate_date="2026-09-30", rate=Decimal("8")
    )
    target(programme(), partner, 100_000)
    line(partner, 100_000)
    time_machine.move_to(AFTER_Q3)
    quarter_close(period=PERIOD)
    # when 1,000.04 CNY is returned late: 125.005 USD × 10% = 12.5005 → 12.50
    line(partner, Decimal("1000.04"), kind="return", currency="CNY", day="2026-09-01")
    clawbacks_queue()
    entry = SettlementEntry.objects.get(kind=EntryKind.CLAWBACK)
    assert (entry.amount, entry.currency) == (Decimal("-12.50"), "USD")


def test_a_late_return_without_an_fx_rate_waits_for_the_rate(time_machine):
    # given a CNY partner whose closed quarter had no foreign lines
    partner = PartnerFactory(tier=tier("silver"))
    target(programme(), partner, 1_000)
    line(partner, 1_000)
    time_machine.move_to(AFTER_Q3)
    quarter_close(period=PERIOD)
    # when a USD return arrives and no USD rate exists yet
    line(partner, 10, kind="return", currency="USD", day="2026-09-10")
    # then the sweep skips it without failing, and queues it once the rate is entered
    assert clawbacks_queue() == 0
    FxRate.objects.create(
        base_currency="USD", quote_currency="CNY", rate_date="2026-09-30", rate=Decimal("7")
    )
    assert clawbacks_queue() == 1
    assert SettlementEntry.objects.get(kind=EntryKind.CLAWBACK).amount == Decimal("-7.00")


def test_importing_a_late_return_queues_its_clawback(
    client, worked_example, time_machine, committed
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    time_machine.move_to(AFTER_Q3)
    quarter_close(period=PERIOD)
    text = (
        "partner_tax_id,order_number,invoice_number,line,invoice_date,product_code,quantity,"
        "net_amount,currency,kind\n"
        f"{worked_example.tax_id},SO-1,CN-9,1,2026-09-29,SKU-A,1,11500,CNY,return\n"
    )
    client.force_login(staff(Role.FINANCE))
    with committed():
        client.post(
            reverse("core:import_upload", args=["sales_lines"]),
            {"file": SimpleUploadedFile("r.csv", text.encode(), content_type="text/csv")},
        )
    assert SettlementEntry.objects.get(kind=EntryKind.CLAWBACK).amount == Decimal("-1331.00")


def test_finance_closes_a_quarter_from_the_page_as_a_job(
    client, finance_user, worked_example, time_machine, committed
):
    time_machine.move_to(AFTER_Q3)
    client.force_login(finance_user)
    with committed():
        response = client.post(reverse("rebates:quarter_close"), {"period": "2026q3"})
    assert response.status_code == 302
    job = JobRun.objects.get(kind="rebates.close")
    assert job.status == "succeeded" and job.result["accruals_queued"] == 1
    assert QuarterClose.objects.get().closed_by == finance_user
    page = client.get(reverse("rebates:accrual_detail", args=[Accrual.objects.get().pk]))
    assert "Final: handed to settlement" in page.content.decode()


@pytest.mark.parametrize("period", ["2026Q9", "2026Q4", ""])
def test_closing_a_bad_or_open_quarter_from_the_page_says_why(
    client, finance_user, time_machine, period
):
    time_machine.move_to(AFTER_Q3)
    client.force_login(finance_user)
    response = client.post(reverse("rebates:quarter_close"), {"period": period}, follow=True)
    assert response.status_code == 200
    assert response.context["messages"]
    assert not JobRun.objects.filter(kind="rebates.close").exists()
    assert not QuarterClose.objects.exists()


def test_partners_and_managers_cannot_close_a_quarter(client, partner_user, manager):
    for user in (partner_user, manager):
        client.force_login(user)
        assert (
            client.post(reverse("rebates:quarter_close"), {"period": "2026Q3"}).status_code == 403
        )


def won_deal(partner, *, closed_on=datetime.date(2026, 8, 20), amount=Decimal("400000.00")):
    deal = DealFactory(partner=partner, status=DealStatus.APPROVED, lines=[])
    product = ProductFactory(sku="STRAT")
    return deal_close_won(
        deal=deal,
        actor=deal.registered_by,
        order_number="PO-77",
        closed_on=closed_on,
        lines=[
            {"product": product, "quantity": 4, "unit_price": amount / 4},
        ],
    )


def test_a_won_deal_becomes_sales_lines_once_and_counts_as_one_contract():
    # given a Silver partner at 90% from invoices and a won deal of 400,000 on a strategic product
    partner = PartnerFactory(tier=tier("silver"))
    prog = programme(strategic_product_codes=["STRAT"])
    target(prog, partner, M)
    line(partner, 900_000)
    deal = won_deal(partner)
    # when the quarter is calculated (twice)
    rebate_calculate_period_task.delay(str(PERIOD)).get()
    rebate_calculate_period_task.delay(str(PERIOD)).get()
    # then the deal's order line is one sales line, and the deal is its contract
    [from_deal] = SalesLine.objects.filter(source=LineSource.DEAL)
    assert (from_deal.partner_id, from_deal.net_amount, from_deal.invoice_date) == (
        partner.pk,
        Decimal("400000.0000"),
        datetime.date(2026, 8, 20),
    )
    assert from_deal.order_number == "PO-77" and from_deal.deal_reference == f"DEAL-{deal.pk}"
    # R = 1,300,000 → 120% → 15%, strategic +3 points on the deal
    accrual = Accrual.objects.get()
    assert accrual.amount == Decimal("1300000") * Decimal("0.15") + Decimal("400000") * Decimal(
        "0.03"
    )
    contracts = {contract for contract, _net, _strategic in contract_sums(accrual=accrual)}
    assert contracts == {"SO-1", f"DEAL-{deal.pk}"}
    assert accrual.trace["contract_count"] == 2


def test_deals_not_won_or_won_in_another_quarter_are_not_sales_lines():
    partner = PartnerFactory()
    won_deal(partner, closed_on=datetime.date(2026, 10, 1))
    DealFactory(partner=partner, status=DealStatus.APPROVED)
    assert sales_lines_from_won_deals(period=PERIOD) == 0
    assert not SalesLine.objects.exists()


@pytest.mark.parametrize("batch", [False, True])
def test_the_statement_pdf_prints_how_the_rebate_line_was_calculated(
    worked_example, time_machine, batch
):
    time_machine.move_to(AFTER_Q3)
    quarter_close(period=PERIOD, actor=staff(Role.FINANCE))
    statement = settlement.statement_build(partner=worked_example, period="2026Q3")
    if batch:
        [statement] = statement_pdf_batch(ids=[statement.pk])

    text = " ".join(pdftotext(statement_pdf_render(statement=statement, language="en")).split())

    assert "Revenue CNY 1,150,000.00, attainment 115.00 %, rate 10.00 %, tier × 1.1" in text
    assert "CNY 133,100.00" in text
