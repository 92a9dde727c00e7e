from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from settlement import services
from settlement.choices import EntryKind, StatementState
from settlement.models import PartnerTaxProfile, SettlementEntry, Statement
from settlement.tasks import statement_build_period_task

from .factories import PERIOD, fx, queue_entry

pytestmark = pytest.mark.django_db


def test_period_job_builds_one_statement_per_partner_in_contract_currency(partner, other_partner):
    # given
    other_partner.contract_currency = "EUR"
    other_partner.save()
    queue_entry(partner, "100.00")
    queue_entry(partner, "-20.00", kind=EntryKind.CLAWBACK)
    queue_entry(other_partner, "50.00", currency="EUR", kind=EntryKind.MDF_REIMBURSEMENT)
    # when
    built = services.statement_build_period(period=PERIOD)
    # then
    assert len(built) == 2
    mine = Statement.objects.get(partner=partner)
    assert mine.currency == "CNY"
    assert mine.state == StatementState.DRAFT
    assert mine.lines.count() == 2
    assert mine.payable == Decimal("80.00")
    assert Statement.objects.get(partner=other_partner).currency == "EUR"


def test_rerunning_the_period_job_never_duplicates(partner):
    queue_entry(partner, "100.00")
    statement_build_period_task.delay(PERIOD)
    statement_build_period_task.delay(PERIOD)
    assert Statement.objects.filter(partner=partner, period=PERIOD).count() == 1


def test_database_refuses_a_second_statement_for_the_same_partner_and_period(partner):
    queue_entry(partner)
    statement = services.statement_build(partner=partner, period=PERIOD)
    with pytest.raises(IntegrityError), transaction.atomic():
        Statement.objects.create(
            partner=partner, period=PERIOD, number="dup", currency="CNY", revision=1
        )
    assert statement.pk


def test_foreign_amounts_convert_at_the_period_end_rate_and_round_half_up(partner):
    # given: a rate after the period end must not be used
    import datetime

    fx("USD", "CNY", "7.12345")
    fx("USD", "CNY", "9.0", on=datetime.date(2026, 10, 2))
    queue_entry(partner, "10.005", currency="USD")
    # when
    statement = services.statement_build(partner=partner, period=PERIOD)
    # then
    line = statement.lines.get()
    assert line.fx_rate == Decimal("7.12345")
    assert line.original_amount == Decimal("10.005")
    assert line.original_currency == "USD"
    assert line.amount == Decimal("71.27")  # 71.2701... rounded to fen


def test_entries_of_a_later_period_wait(partner):
    queue_entry(partner, "10.00", period="2026Q4")
    assert services.statement_build_period(period=PERIOD) == []


def test_withholding_tax_is_deducted_from_the_payable(partner):
    PartnerTaxProfile.objects.create(partner=partner, tax_rate=Decimal("0.06"))
    queue_entry(partner, "1000.00")
    statement = services.statement_build(partner=partner, period=PERIOD)
    assert statement.tax_rate == Decimal("0.06")
    assert statement.tax_amount == Decimal("60.00")
    assert statement.payable == Decimal("940.00")


def test_a_negative_payable_carries_to_the_next_statement(partner):
    # given: Q3 ends negative
    queue_entry(partner, "-300.00", kind=EntryKind.CLAWBACK)
    q3 = services.statement_build(partner=partner, period=PERIOD)
    assert q3.payable == Decimal("-300.00")
    assert q3.tax_amount == Decimal("0")
    # when: Q4 has 1000 of accruals
    queue_entry(partner, "1000.00", period="2026Q4")
    q4 = services.statement_build(partner=partner, period="2026Q4")
    # then
    assert q4.carried_balance == Decimal("-300.00")
    assert q4.payable == Decimal("700.00")


def test_carried_balance_alone_builds_a_statement(partner):
    queue_entry(partner, "-50.00", kind=EntryKind.CLAWBACK)
    services.statement_build_period(period=PERIOD)
    built = services.statement_build_period(period="2026Q4")
    assert [s.payable for s in built] == [Decimal("-50.00")]


def test_period_job_takes_the_quarters_rebate_accruals_once(partner):
    # given a programme, a target of 1,000,000 and 1,000,000 of sales: 10 per cent bracket
    from core.periods import Quarter
    from rebates.services import accruals_calculate
    from tests.rebates.factories import line, programme, target

    prog = programme(name="Standard")
    target(prog, partner, "1000000")
    line(partner, "1000000")
    accruals_calculate(period=Quarter.parse("2026Q3"), partner_range=(partner.pk, partner.pk))
    # when the period job runs twice
    services.statement_build_period(period="2026Q3")
    services.statement_build_period(period="2026Q3")
    # then one statement carries the accrual as a rebate line
    statement = Statement.objects.get(partner=partner, period="2026Q3")
    [rebate] = statement.lines.filter(kind=EntryKind.REBATE_ACCRUAL)
    assert rebate.amount == Decimal("100000.00")
    assert "Standard" in rebate.description
    assert SettlementEntry.objects.filter(source_type="rebates.accrual").count() == 1
