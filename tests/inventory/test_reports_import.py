"""Reports in by import (DESIGN §9, §11): CSV (UTF-8, GB18030) and XLSX through the staged,
all-or-nothing pipeline; each partner and month a new version; every bad input a row-level
message with nothing written."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from accounts.choices import Role
from core.models import FxRate, ImportBatch, ImportStatus, OutboxMessage
from inventory.choices import ReportKind
from inventory.models import InventoryReport, InventorySnapshot, SellThroughLine, SoldSerial
from partners.choices import PartnerType
from tests.deals.factories import ProductFactory
from tests.factories import PartnerFactory, PartnerUserFactory, staff

pytestmark = pytest.mark.django_db

HEADER = (
    "partner_tax_id,sold_on,sku,quantity,unit_price,currency,customer_name,customer_tax_id,"
    "customer_region,serial_numbers\n"
)
SNAPSHOT_HEADER = "partner_tax_id,sku,as_of,on_hand\n"


@pytest.fixture
def world():
    distributor = PartnerFactory(partner_type=PartnerType.DISTRIBUTOR, tax_id="DIST0001")
    dealer = PartnerFactory(parent=distributor, tax_id="DEAL0001")
    other = PartnerFactory(tax_id="OTHR0001")
    product = ProductFactory(sku="RT-100")
    FxRate.objects.create(
        base_currency="USD",
        quote_currency="CNY",
        rate_date=datetime.date(2026, 1, 1),
        rate=Decimal("7.1"),
    )
    return {
        "distributor": distributor,
        "dealer": dealer,
        "other": other,
        "product": product,
        "dealer_user": PartnerUserFactory(partner=dealer, role=Role.PARTNER_ADMIN),
        "distributor_user": PartnerUserFactory(partner=distributor, role=Role.PARTNER_SALES),
        "other_user": PartnerUserFactory(partner=other, role=Role.PARTNER_ADMIN),
    }


def line(
    *,
    tax="",
    day="2026-11-15",
    sku="RT-100",
    qty="2",
    price="800.00",
    cur="CNY",
    name="上海某某科技有限公司",
    ctax="91310000MA1FL00001",
    region="CN-SH",
    serials="",
) -> str:
    return f"{tax},{day},{sku},{qty},{price},{cur},{name},{ctax},{region},{serials}\n"


def upload(client, user, content: bytes, committed, *, kind="sell_through", name="st.csv"):
    client.force_login(user)
    with committed():
        response = client.post(
            reverse("core:import_upload", args=[kind]),
            {"file": SimpleUploadedFile(name, content)},
        )
    assert response.status_code == 302, response.content.decode()[:500]
    return ImportBatch.objects.latest("pk")


def state() -> tuple:
    return (
        InventoryReport.objects.count(),
        SellThroughLine.objects.count(),
        InventorySnapshot.objects.count(),
        SoldSerial.objects.count(),
    )


def test_a_partner_imports_its_sell_through_as_one_report_per_month(client, world, committed):
    # given a dealer's file of two lines in November and one in October, with serial numbers
    content = HEADER + line(serials="SN1;SN2") + line(qty="1", name="Beta Ltd")
    content += line(day="2026-10-03", region="Shanghai")
    # when its administrator uploads it
    batch = upload(client, world["dealer_user"], content.encode(), committed)
    # then it is imported: one current report per month, the lines and serials stored
    batch.refresh_from_db()
    assert batch.status == ImportStatus.IMPORTED, batch.errors
    reports = InventoryReport.objects.order_by("month")
    assert [(r.month.month, r.line_count, r.version, r.is_current) for r in reports] == [
        (10, 1, 1, True),
        (11, 2, 1, True),
    ]
    assert {r.partner for r in reports} == {world["dealer"]}
    assert reports[0].reported_by == world["dealer_user"]
    assert reports[0].import_batch == batch
    assert SellThroughLine.objects.get(report=reports[0]).customer_region == "CN-SH"
    assert sorted(SoldSerial.objects.values_list("serial", flat=True)) == ["SN1", "SN2"]
    # and the scan of the new reports was queued through the outbox
    queued = OutboxMessage.objects.get(task="inventory.tasks.inventory_reports_scan_task")
    assert sorted(queued.args[0]) == sorted(r.pk for r in reports)


def test_a_corrected_report_supersedes_and_keeps_the_old_rows(client, world, committed):
    # given a November report with a serial number
    upload(client, world["dealer_user"], (HEADER + line(serials="SN1")).encode(), committed)
    first = InventoryReport.objects.get()
    # when a corrected November file comes
    content = HEADER + line(qty="5", serials="SN9") + line(qty="1", name="Beta")
    upload(client, world["dealer_user"], content.encode(), committed)
    # then it is version 2, current; version 1 and its rows stay, not current
    first.refresh_from_db()
    second = InventoryReport.objects.exclude(pk=first.pk).get()
    assert (first.version, first.is_current) == (1, False)
    assert (second.version, second.is_current, second.line_count) == (2, True, 2)
    assert list(first.lines.values_list("quantity", "is_current")) == [(2, False)]
    assert set(second.lines.values_list("is_current", flat=True)) == {True}
    assert dict(SoldSerial.objects.values_list("serial", "is_current")) == {
        "SN1": False,
        "SN9": True,
    }


def test_inventory_snapshots_import_and_a_new_version(client, world, committed):
    content = SNAPSHOT_HEADER + "DEAL0001,RT-100,2026-11-30,40\n"
    upload(
        client, world["distributor_user"], content.encode(), committed, kind="inventory_snapshots"
    )
    upload(
        client,
        world["distributor_user"],
        (SNAPSHOT_HEADER + "DEAL0001,RT-100,2026-11-30,38\n").encode(),
        committed,
        kind="inventory_snapshots",
    )
    current = InventoryReport.objects.get(is_current=True)
    assert (current.kind, current.version, current.partner) == (
        ReportKind.INVENTORY,
        2,
        world["dealer"],
    )
    assert current.reported_by_partner == world["distributor"]
    assert list(
        InventorySnapshot.objects.filter(is_current=True).values_list("on_hand", flat=True)
    ) == [38]
    assert InventorySnapshot.objects.count() == 2


def future() -> str:
    return str(timezone.localdate() + datetime.timedelta(days=2))


BAD = [
    ("unknown product", line(sku="NOPE-1"), "sku", "No product has this SKU."),
    ("future date", line(day="FUTURE"), "sold_on", "The date is in the future."),
    ("not a date", line(day="2026-02-30"), "sold_on", "Not a date (YYYY-MM-DD)."),
    (
        "currency without FX",
        line(cur="EUR"),
        "currency",
        "No FX rate for this currency on or before the sale date: ask finance.",
    ),
    (
        "USD before its first rate",
        line(cur="USD", day="2025-12-31"),
        "currency",
        "No FX rate for this currency on or before the sale date: ask finance.",
    ),
    ("zero quantity", line(qty="0"), "quantity", "The quantity must be greater than zero."),
    ("negative quantity", line(qty="-3"), "quantity", "The quantity must be greater than zero."),
    ("fractional quantity", line(qty="1.5"), "quantity", "Not a whole number (at most 9 digits)."),
    ("negative price", line(price="-1.00"), "unit_price", "The unit price must not be negative."),
    (
        "price with 3 decimals",
        line(price="1.005"),
        "unit_price",
        "Not a price: a number from 0 to 999,999,999,999.99 (at most 2 decimals).",
    ),
    ("unknown currency", line(cur="XXX"), "currency", "Not a supported currency."),
    (
        "unknown region",
        line(region="Atlantis"),
        "customer_region",
        "Not a region code or name (for example CN-SH or Shanghai).",
    ),
    ("no customer", line(name=""), "customer_name", "This value is required."),
    ("unknown partner", line(tax="NOBODY"), "partner_tax_id", "No partner has this tax ID."),
    (
        "another partner's tax ID",
        line(tax="OTHR0001"),
        "partner_tax_id",
        "You may report only for your own company (and, for a distributor, its dealers).",
    ),
    (
        "a serial twice",
        line(serials="SN1") + line(qty="1", serials="SN1"),
        "serial_numbers",
        "A serial number appears more than once in the file.",
    ),
]


@pytest.mark.parametrize(("case", "rows", "column", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_a_row_message_and_nothing_is_written(
    client, world, committed, case, rows, column, message
):
    # given a good line and a bad one from the dealer
    before = state()
    content = HEADER + line(qty="7", name="Good Customer") + rows.replace("FUTURE", future())
    # when it is uploaded
    batch = upload(client, world["dealer_user"], content.encode(), committed)
    # then the file is rejected with the row's message, and nothing is written
    batch.refresh_from_db()
    assert batch.status == ImportStatus.REJECTED
    assert {"row": 3, "column": column, "message": message} in batch.errors, batch.errors
    assert state() == before


def test_a_line_twice_in_the_file_is_refused(client, world, committed):
    content = HEADER + line() + line(name="Other") + line()
    batch = upload(client, world["dealer_user"], content.encode(), committed)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.REJECTED
    message = "This line appears more than once in the file."
    assert [e["row"] for e in batch.errors if e["message"] == message] == [2, 4]
    assert state() == (0, 0, 0, 0)


def test_negative_on_hand_and_duplicates_are_refused_in_inventory_files(client, world, committed):
    content = (
        SNAPSHOT_HEADER + ",RT-100,2026-11-30,-1\n,RT-100,2026-11-29,5\n,RT-100,2026-11-29,6\n"
    )
    batch = upload(
        client, world["dealer_user"], content.encode(), committed, kind="inventory_snapshots"
    )
    batch.refresh_from_db()
    assert batch.status == ImportStatus.REJECTED
    assert {
        "row": 2,
        "column": "on_hand",
        "message": "The on-hand quantity must not be negative.",
    } in batch.errors
    assert {e["row"] for e in batch.errors if e["column"] == "sku"} == {3, 4}
    assert state() == (0, 0, 0, 0)


def test_a_distributor_reports_for_its_dealer_but_must_name_it(client, world, committed):
    # given the distributor's file naming its dealer, and one row naming nobody
    content = HEADER + line(tax="DEAL0001") + line(qty="1")
    batch = upload(client, world["distributor_user"], content.encode(), committed)
    batch.refresh_from_db()
    assert batch.errors == [
        {
            "row": 3,
            "column": "partner_tax_id",
            "message": "Give the partner's tax ID: this file may report for several.",
        }
    ]
    # when the dealer is named on every row, it is imported for the dealer
    content = HEADER + line(tax="DEAL0001") + line(tax="DEAL0001", qty="1")
    batch = upload(client, world["distributor_user"], content.encode(), committed)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.IMPORTED
    report = InventoryReport.objects.get()
    assert (report.partner, report.reported_by_partner) == (world["dealer"], world["distributor"])


def test_a_dealer_may_not_report_for_its_distributor(client, world, committed):
    batch = upload(
        client, world["dealer_user"], (HEADER + line(tax="DIST0001")).encode(), committed
    )
    batch.refresh_from_db()
    assert batch.status == ImportStatus.REJECTED
    assert batch.errors[0]["column"] == "partner_tax_id"
    assert state() == (0, 0, 0, 0)


def test_staff_import_on_behalf_of_several_partners(client, world, committed):
    # given a channel manager's file for two partners, the tax ID required on each row
    content = HEADER + line(tax="DEAL0001") + line(tax="OTHR0001") + line()
    batch = upload(client, staff(Role.CHANNEL_MANAGER), content.encode(), committed)
    batch.refresh_from_db()
    assert batch.errors[0]["row"] == 4
    assert batch.errors[0]["column"] == "partner_tax_id"
    content = HEADER + line(tax="DEAL0001") + line(tax="OTHR0001")
    batch = upload(client, staff(Role.CHANNEL_MANAGER), content.encode(), committed)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.IMPORTED
    assert set(InventoryReport.objects.values_list("partner__tax_id", "reported_by_partner")) == {
        ("DEAL0001", None),
        ("OTHR0001", None),
    }


def test_a_gb18030_file_is_read(client, world, committed):
    content = HEADER + line(name="杭州华东数码有限公司", region="浙江")
    batch = upload(client, world["dealer_user"], content.encode("gb18030"), committed)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.IMPORTED, batch.errors
    stored = SellThroughLine.objects.get()
    assert (stored.customer_name, stored.customer_region) == ("杭州华东数码有限公司", "CN-ZJ")


def test_an_xlsx_file_is_read(client, world, committed):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.strip().split(","))
    sheet.append(
        ["", datetime.date(2026, 11, 15), "RT-100", 3, 99.5, "USD", "Acme", "", "CN-BJ", "A1;A2"]
    )
    data = io.BytesIO()
    book.save(data)
    batch = upload(client, world["dealer_user"], data.getvalue(), committed, name="st.xlsx")
    batch.refresh_from_db()
    assert batch.status == ImportStatus.IMPORTED, batch.errors
    stored = SellThroughLine.objects.get()
    assert (stored.sold_on, stored.quantity, stored.unit_price, stored.currency) == (
        datetime.date(2026, 11, 15),
        3,
        Decimal("99.50"),
        "USD",
    )
    assert stored.serial_numbers == ["A1", "A2"]


def test_a_partner_sees_only_its_own_uploads_on_the_import_pages(client, world, committed):
    batch = upload(client, world["dealer_user"], (HEADER + line()).encode(), committed)
    client.force_login(world["other_user"])
    assert client.get(reverse("core:import_detail", args=[batch.pk])).status_code == 404
    assert client.get(reverse("core:job_detail", args=[batch.job_id])).status_code == 404
    page = client.get(reverse("core:import_list")).content.decode()
    assert "st.csv" not in page
    client.force_login(world["dealer_user"])
    assert client.get(reverse("core:import_detail", args=[batch.pk])).status_code == 200
