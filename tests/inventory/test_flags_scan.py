"""The diversion and price scan (DESIGN §11): which lines it flags, with what evidence, once."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from core.models import FxRate, JobRun, JobStatus
from inventory import scans, tasks
from inventory.choices import FlagKind, FlagStatus
from inventory.models import InventoryFlag, InventoryReport, SellThroughLine, SoldSerial
from tests.deals.factories import ProductFactory
from tests.factories import PartnerFactory
from tests.inventory.factories import InventoryReportFactory, SellThroughLineFactory

pytestmark = pytest.mark.django_db

NOV = datetime.date(2026, 11, 1)


def sell(partner, *, serials=(), report=None, **fields):
    """A current sell-through line with its serial numbers indexed, as the import writes it."""
    sold_on = fields.get("sold_on", datetime.date(2026, 11, 15))
    if report is None:
        report = InventoryReport.objects.filter(
            partner=partner, month=sold_on.replace(day=1), is_current=True
        ).first() or InventoryReportFactory(partner=partner, month=sold_on.replace(day=1))
    line = SellThroughLineFactory(
        report=report, partner=partner, serial_numbers=list(serials), **fields
    )
    SoldSerial.objects.bulk_create(
        SoldSerial(line=line, partner=partner, serial=s, is_current=line.is_current)
        for s in serials
    )
    return line


def flags(**filters):
    return list(InventoryFlag.objects.filter(**filters).order_by("pk"))


# --- cross-region -----------------------------------------------------------------------------
def test_a_sale_outside_the_territory_is_flagged_with_both_sides_of_the_comparison():
    # given a partner of Shanghai and Jiangsu that sold once in Beijing and once at home
    partner = PartnerFactory(regions=["CN-SH", "CN-JS"])
    away = sell(partner, customer_region="CN-BJ")
    sell(partner, customer_region="CN-JS")
    # when the month is scanned
    raised = scans.flags_raise(month=NOV)
    # then exactly the Beijing sale is flagged, showing the territory and the customer's region
    [flag] = flags(kind=FlagKind.CROSS_REGION)
    assert raised == 1 and flag.line == away and flag.status == FlagStatus.OPEN
    assert flag.evidence["territory"] == ["CN-SH", "CN-JS"]
    assert flag.evidence["customer_region"] == "CN-BJ"


def test_a_partner_without_territory_has_every_sale_flagged():
    partner = PartnerFactory(regions=[])
    sell(partner, customer_region="CN-SH")
    scans.flags_raise(month=NOV)
    assert len(flags(kind=FlagKind.CROSS_REGION)) == 1


def test_superseded_lines_and_other_months_are_not_scanned():
    # given a Beijing sale of a superseded report version, and one of October
    partner = PartnerFactory(regions=["CN-SH"])
    old = InventoryReportFactory(partner=partner, is_current=False, version=9)
    sell(partner, report=old, customer_region="CN-BJ", is_current=False)
    sell(partner, customer_region="CN-BJ", sold_on=datetime.date(2026, 10, 31))
    # when November is scanned, then nothing is flagged
    assert scans.flags_raise(month=NOV) == 0 and not flags()


def test_a_rerun_raises_nothing_new_and_keeps_a_dismissed_flag_dismissed():
    partner = PartnerFactory(regions=["CN-SH"])
    sell(partner, customer_region="CN-BJ")
    scans.flags_raise(month=NOV)
    InventoryFlag.objects.update(status=FlagStatus.DISMISSED)
    # when the month and the report are scanned again
    again = scans.flags_raise(month=NOV) + scans.flags_raise(
        report_ids=list(InventoryFlag.objects.values_list("line__report_id", flat=True))
    )
    # then no flag is raised again and the dismissal stands
    assert again == 0
    assert [f.status for f in flags()] == [FlagStatus.DISMISSED]


def test_the_report_scan_checks_only_the_given_reports():
    partner = PartnerFactory(regions=["CN-SH"])
    mine = sell(partner, customer_region="CN-BJ")
    sell(PartnerFactory(regions=["CN-SH"]), customer_region="CN-BJ")
    assert scans.flags_raise(report_ids=[mine.report_id]) == 1
    assert [f.line for f in flags()] == [mine]


def test_a_partner_range_scans_only_its_partners():
    first, second = PartnerFactory(regions=["CN-SH"]), PartnerFactory(regions=["CN-SH"])
    sell(first, customer_region="CN-BJ")
    sell(second, customer_region="CN-BJ")
    scans.flags_raise(month=NOV, partner_range=(first.pk, first.pk))
    assert [f.partner for f in flags()] == [first]


# --- serial clash -----------------------------------------------------------------------------
def test_a_serial_reported_by_two_partners_flags_both_lines_naming_the_other_side():
    # given one serial sold by two partners, and a serial sold by one partner only
    a, b = PartnerFactory(), PartnerFactory()
    line_a = sell(a, serials=["SN-1", "SN-2"], quantity=3)
    line_b = sell(b, serials=["SN-1"], sold_on=datetime.date(2026, 11, 20), quantity=1)
    # when the month is scanned
    scans.flags_raise(month=NOV)
    # then each line is flagged once, with the other line's date and quantity as evidence
    clash = {f.line_id: f for f in flags(kind=FlagKind.SERIAL_CLASH)}
    assert set(clash) == {line_a.pk, line_b.pk}
    assert clash[line_a.pk].other_partner == b and clash[line_a.pk].other_line == line_b
    assert clash[line_a.pk].evidence["other_sold_on"] == "2026-11-20"
    assert clash[line_a.pk].evidence["other_quantity"] == 1
    assert clash[line_a.pk].evidence["serial"] == "SN-1"
    # and the evidence never names the other partner
    assert str(b.pk) not in str(clash[line_a.pk].evidence.values())
    assert b.legal_name not in str(clash[line_a.pk].evidence)


def test_an_import_flags_the_earlier_line_of_the_other_partner_too():
    # given an October line of partner B, then a November import of partner A with its serial
    a, b = PartnerFactory(), PartnerFactory()
    october = sell(b, serials=["SN-9"], sold_on=datetime.date(2026, 10, 3))
    november = sell(a, serials=["SN-9"])
    # when the new report is scanned after its import
    scans.flags_raise(report_ids=[november.report_id])
    # then both lines are flagged
    assert {f.line_id for f in flags(kind=FlagKind.SERIAL_CLASH)} == {october.pk, november.pk}


def test_the_chunk_of_the_months_line_flags_both_sides_of_its_clash():
    # given partner B's October line and partner A's November line with the same serial
    a, b = PartnerFactory(), PartnerFactory()
    october = sell(b, serials=["SN-7"], sold_on=datetime.date(2026, 10, 3))
    november = sell(a, serials=["SN-7"])
    # when November is scanned in chunks: B's chunk has no November line, A's has one
    scans.flags_raise(month=NOV, partner_range=(b.pk, b.pk))
    assert not flags(kind=FlagKind.SERIAL_CLASH)
    scans.flags_raise(month=NOV, partner_range=(a.pk, a.pk))
    # then A's chunk flags both sides, each naming the other
    clash = {f.line_id: f for f in flags(kind=FlagKind.SERIAL_CLASH)}
    assert set(clash) == {october.pk, november.pk}
    assert clash[october.pk].other_line == november and clash[october.pk].partner == b


def test_one_partner_reporting_a_serial_twice_or_an_obsolete_clash_is_no_clash():
    a, b = PartnerFactory(), PartnerFactory()
    sell(a, serials=["SN-3"])
    sell(a, serials=["SN-3"])
    old = InventoryReportFactory(partner=b, is_current=False, version=9)
    sell(b, serials=["SN-3"], report=old, is_current=False)
    scans.flags_raise(month=NOV)
    assert not flags(kind=FlagKind.SERIAL_CLASH)


# --- below the floor --------------------------------------------------------------------------
def test_a_price_below_the_floor_in_the_same_currency_is_flagged():
    product = ProductFactory(floor_price=Decimal("600.00"), currency="CNY")
    partner = PartnerFactory()
    low = sell(partner, product=product, unit_price=Decimal("599.99"))
    sell(partner, product=product, unit_price=Decimal("600.00"))
    scans.flags_raise(month=NOV)
    [flag] = flags(kind=FlagKind.BELOW_FLOOR)
    assert flag.line == low
    assert flag.evidence["converted_floor"] == "600.00" and flag.evidence["rate"] == "1"
    assert flag.evidence["unit_price"] == "599.99" and flag.evidence["held"] is False


def test_the_floor_converts_with_the_rate_of_the_sale_date():
    # given a floor of 600 CNY; 1 USD = 7.00 CNY on Nov 10, 8.00 CNY on Nov 20
    product = ProductFactory(floor_price=Decimal("600.00"), currency="CNY")
    FxRate.objects.create(
        base_currency="USD",
        quote_currency="CNY",
        rate_date=datetime.date(2026, 11, 10),
        rate=Decimal("7.00"),
    )
    FxRate.objects.create(
        base_currency="USD",
        quote_currency="CNY",
        rate_date=datetime.date(2026, 11, 20),
        rate=Decimal("8.00"),
    )
    partner = PartnerFactory()
    # 80 USD: the floor is 85.71 USD at 7.00 (below), 75.00 USD at 8.00 (above)
    early = sell(
        partner,
        product=product,
        currency="USD",
        unit_price=Decimal("80.00"),
        sold_on=datetime.date(2026, 11, 15),
    )
    sell(
        partner,
        product=product,
        currency="USD",
        unit_price=Decimal("80.00"),
        sold_on=datetime.date(2026, 11, 21),
    )
    scans.flags_raise(month=NOV)
    [flag] = flags(kind=FlagKind.BELOW_FLOOR)
    assert flag.line == early
    assert Decimal(flag.evidence["rate"]).quantize(Decimal("0.000001")) == Decimal("0.142857")
    assert flag.evidence["converted_floor"] == "85.71"
    assert flag.evidence["floor"] == "600.00" and flag.evidence["floor_currency"] == "CNY"


def test_without_a_rate_the_price_check_is_held_in_a_flag_never_passed():
    product = ProductFactory(floor_price=Decimal("600.00"), currency="CNY")
    line = sell(PartnerFactory(), product=product, currency="EUR", unit_price=Decimal("9999"))
    scans.flags_raise(month=NOV)
    [flag] = flags(kind=FlagKind.BELOW_FLOOR)
    assert flag.line == line and flag.evidence["held"] is True
    assert flag.evidence["rate"] is None and flag.evidence["converted_floor"] is None


def test_a_held_check_is_settled_when_its_rate_arrives():
    product = ProductFactory(floor_price=Decimal("600.00"), currency="CNY")
    sell(PartnerFactory(), product=product, currency="EUR", unit_price=Decimal("9999"))
    scans.flags_raise(month=NOV)
    FxRate.objects.create(
        base_currency="EUR",
        quote_currency="CNY",
        rate_date=datetime.date(2026, 11, 1),
        rate=Decimal("8.00"),
    )
    scans.flags_raise(month=NOV)
    [flag] = flags(kind=FlagKind.BELOW_FLOOR)
    assert flag.evidence["held"] is False and flag.evidence["converted_floor"] == "75.00"
    assert flag.status == FlagStatus.DISMISSED and flag.reviewed_by is None


# --- the monthly job --------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_the_monthly_job_fans_out_in_partner_chunks_and_finishes(monkeypatch):
    # given two partners that sold outside their territory
    first, second = PartnerFactory(regions=["CN-SH"]), PartnerFactory(regions=["CN-SH"])
    sell(first, customer_region="CN-BJ")
    sell(second, customer_region="CN-BJ")
    # when the month's scan runs as a job of two chunks (eager: the chunks run inline)
    result = tasks.inventory_flags_scan_month_task("2026-11-01", chunks=2)
    # then each chunk ran once, the job succeeded and both lines are flagged
    job = JobRun.objects.get(kind=scans.FLAG_SCAN_JOB)
    assert result == {"chunks": 2} and job.status == JobStatus.SUCCEEDED
    assert job.chunks.count() == 2
    assert {f.partner for f in flags(kind=FlagKind.CROSS_REGION)} == {first, second}


def test_the_monthly_beat_scans_the_month_that_ended(monkeypatch):
    sent = []
    monkeypatch.setattr(tasks.inventory_flags_scan_month_task, "delay", sent.append)
    monkeypatch.setattr(tasks.timezone, "localdate", lambda: datetime.date(2026, 12, 6))
    assert tasks.inventory_flags_scan_monthly_task() == "2026-11-01" and sent == ["2026-11-01"]


def test_a_corrected_report_closes_the_open_flags_of_the_version_it_supersedes():
    # given a flagged line of version 1, then version 2 of the same month that sold at home
    partner = PartnerFactory(regions=["CN-SH"])
    first = InventoryReportFactory(partner=partner, version=1)
    sell(partner, report=first, customer_region="CN-BJ")
    scans.flags_raise(report_ids=[first.pk])
    InventoryReport.objects.filter(pk=first.pk).update(is_current=False)
    SellThroughLine.objects.filter(report=first).update(is_current=False)
    second = InventoryReportFactory(partner=partner, version=2)
    sell(partner, report=second, customer_region="CN-SH")
    # when the new version is scanned after its import
    scans.flags_raise(report_ids=[second.pk])
    # then the old flag is closed by the scan, marked superseded, and nothing new is raised
    [flag] = flags()
    assert flag.status == FlagStatus.DISMISSED and flag.evidence["superseded"] is True
    assert flag.reviewed_by is None
