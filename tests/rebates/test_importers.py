"""Sales-line import: COPY into staging, set-based validation, one INSERT, all or nothing."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse

from core.models import AuditEvent, ImportBatch, ImportStatus
from rebates.models import SalesLine
from tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db

HEADER = (
    "partner_tax_id,order_number,invoice_number,line,invoice_date,product_code,quantity,"
    "net_amount,currency,kind,deal_reference\n"
)


def upload(client, user, text: str, committed, name="lines.csv"):
    client.force_login(user)
    with committed():
        client.post(
            reverse("core:import_upload", args=["sales_lines"]),
            {"file": SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")},
        )
    return ImportBatch.objects.latest("pk")


def test_valid_file_is_imported_with_its_batch(client, finance_user, committed):
    # given
    partner = PartnerFactory(tax_id="T1")
    text = HEADER + (
        "T1,SO-1,INV-1,1,2026-07-15,SKU-A,10,1000.50,CNY,sale,\n"
        "T1,SO-1,INV-1,2,2026-07-15,SKU-B,1,200,usd,RETURN,D-9\n"
    )
    # when
    batch = upload(client, finance_user, text, committed)
    # then
    assert batch.status == ImportStatus.IMPORTED
    assert batch.imported_count == 2
    lines = list(SalesLine.objects.order_by("line_number"))
    assert [(ln.partner_id, ln.net_amount, ln.currency, ln.kind) for ln in lines] == [
        (partner.pk, Decimal("1000.5000"), "CNY", "sale"),
        (partner.pk, Decimal("200.0000"), "USD", "return"),
    ]
    assert lines[1].deal_reference == "D-9" and lines[0].deal_reference == ""
    assert {ln.import_batch_id for ln in lines} == {batch.pk}


def test_reimporting_the_same_file_adds_nothing(client, finance_user, committed):
    PartnerFactory(tax_id="T1")
    text = HEADER + "T1,SO-1,INV-1,1,2026-07-15,SKU-A,10,1000,CNY,sale,\n"
    upload(client, finance_user, text, committed)
    second = upload(client, finance_user, text, committed)
    assert second.status == ImportStatus.IMPORTED
    assert second.imported_count == 0
    assert SalesLine.objects.count() == 1


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ("NOPE,SO-1,INV-1,1,2026-07-15,SKU-A,1,10,CNY,sale,", "partner_tax_id"),
        ("T1,SO-1,INV-1,1,2026-02-30,SKU-A,1,10,CNY,sale,", "invoice_date"),
        ("T1,SO-1,INV-1,1,2026-13-01,SKU-A,1,10,CNY,sale,", "invoice_date"),
        ("T1,SO-1,INV-1,1,15/07/2026,SKU-A,1,10,CNY,sale,", "invoice_date"),
        ("T1,SO-1,INV-1,1,2026-02-29,SKU-A,1,10,CNY,sale,", "invoice_date"),
        ("T1,SO-1,INV-1,1,2026-7-15,SKU-A,1,10,CNY,sale,", "invoice_date"),
        ("T1,SO-1,INV-1,1,1899-12-31,SKU-A,1,10,CNY,sale,", "invoice_date"),
        ("T1,SO-1,INV-1,1,2026-07-15T00:00,SKU-A,1,10,CNY,sale,", "invoice_date"),
        ("T1,SO-1,INV-1,1,2026-07-15,SKU-A,1,12abc,CNY,sale,", "net_amount"),
        ("T1,SO-1,INV-1,1,2026-07-15,SKU-A,1,-5,CNY,sale,", "net_amount"),
        ("T1,SO-1,INV-1,1,2026-07-15,SKU-A,1,10,XXX,sale,", "currency"),
        ("T1,SO-1,INV-1,1,2026-07-15,SKU-A,1,10,CNY,gift,", "kind"),
        ("T1,SO-1,INV-1,x,2026-07-15,SKU-A,1,10,CNY,sale,", "line"),
        ("T1,,INV-1,1,2026-07-15,SKU-A,1,10,CNY,sale,", "order_number"),
        ("T1,SO-1,INV-1,1,2026-07-15,SKU-A,one,10,CNY,sale,", "quantity"),
        ("T1,SO-1,INV-1,1,2026-07-15,SKU-A,1.2345,10,CNY,sale,", "quantity"),
        ("T1,SO-1,INV-1,1,2026-07-15,SKU-A,123456789012,10,CNY,sale,", "quantity"),
        ("T1,SO-1,INV-1,1,2026-07-15,SKU-A,--1,10,CNY,sale,", "quantity"),
        ("T1,SO-1,INV-1,1,2026-07-15,SKU-A,1,10.12345,CNY,sale,", "net_amount"),
        ("T1,SO-1,INV-1,1,2026-07-15,SKU-A,1,12345678901234567,CNY,sale,", "net_amount"),
        ("T1,SO-1,INV-1,1,2026-07-15,SKU-A,1,10.,CNY,sale,", "net_amount"),
        ("T1,SO-1,INV-1,1,2026-07-15,SKU-A,1,.5,CNY,sale,", "net_amount"),
        ("T1,SO-1,INV-1,1,2026-07-15,SKU-A,1,1.2.3,CNY,sale,", "net_amount"),
        ("T1,SO-1,INV-1,1234567890,2026-07-15,SKU-A,1,10,CNY,sale,", "line"),
        ("T1,SO-1,INV-1,-1,2026-07-15,SKU-A,1,10,CNY,sale,", "line"),
        ("T1,SO-1,INV-1,1 2,2026-07-15,SKU-A,1,10,CNY,sale,", "line"),
        (",SO-1,INV-1,1,2026-07-15,SKU-A,1,10,CNY,sale,", "partner_tax_id"),
        ("T1,SO-1,INV-1,1,2026-07-15,SKU-A,1,10,CNY,sale," + "D" * 61, "deal_reference"),
        ("T1,SO-1," + "I" * 61 + ",1,2026-07-15,SKU-A,1,10,CNY,sale,", "invoice_number"),
    ],
)
def test_a_bad_row_is_reported_by_line_and_nothing_is_imported(
    client, finance_user, committed, row, column
):
    # given a good first row and a bad second row (file line 3)
    PartnerFactory(tax_id="T1")
    text = HEADER + "T1,SO-0,INV-0,1,2026-07-15,SKU-A,1,10,CNY,sale,\n" + row + "\n"
    # when
    batch = upload(client, finance_user, text, committed)
    # then
    assert batch.status == ImportStatus.REJECTED
    assert (3, column) in {(e["row"], e["column"]) for e in batch.errors}
    assert SalesLine.objects.count() == 0


def test_a_leap_day_and_padded_cells_are_accepted(client, finance_user, committed):
    # given a 29 February of a leap year, and cells with spaces around them
    PartnerFactory(tax_id="T1")
    text = HEADER + "T1,SO-1,INV-1,1,2028-02-29,SKU-A,1,10,CNY,sale,\n"
    text += " T1 , SO-1 , INV-1 , 2 , 2099-12-31 , SKU-A , 1 , 10 , cny , Sale ,\n"
    # when
    batch = upload(client, finance_user, text, committed)
    # then
    assert batch.status == ImportStatus.IMPORTED
    days = sorted(str(d) for d in SalesLine.objects.values_list("invoice_date", flat=True))
    assert days == ["2028-02-29", "2099-12-31"]


def test_extreme_but_valid_numbers_are_accepted(client, finance_user, committed):
    # the documented maximums: 9 digits of quantity, an amount below one trillion
    PartnerFactory(tax_id="T1")
    text = HEADER + (
        "T1,SO-1,INV-1,999999999,2026-07-15,SKU-A,-123456789.125,999999999999.9999,CNY,return,\n"
    )
    batch = upload(client, finance_user, text, committed)
    assert batch.status == ImportStatus.IMPORTED, batch.errors
    line = SalesLine.objects.get()
    assert (line.line_number, line.quantity, line.net_amount) == (
        999999999,
        Decimal("-123456789.125"),
        Decimal("999999999999.9999"),
    )


def test_duplicate_lines_in_one_file_are_reported(client, finance_user, committed):
    # given one partner's invoice line twice (once written with a padded, zero-led line number),
    # and the same invoice and line number from another partner
    PartnerFactory(tax_id="T1")
    PartnerFactory(tax_id="T2")
    text = HEADER + (
        "T1,SO-1,INV-1,1,2026-07-15,SKU-A,1,10,CNY,sale,\n"
        "T2,SO-1,INV-1,1,2026-07-15,SKU-A,1,10,CNY,sale,\n"
        "T1,SO-2,INV-1, 01 ,2026-07-16,SKU-B,2,20,CNY,sale,\n"
    )
    # when
    batch = upload(client, finance_user, text, committed)
    # then both of the partner's rows are reported, nothing is imported
    assert batch.status == ImportStatus.REJECTED
    assert [(e["row"], e["column"]) for e in batch.errors] == [(2, "line"), (4, "line")]
    assert batch.errors[0]["message"] == "This invoice line appears more than once in the file."
    assert SalesLine.objects.count() == 0


def test_duplicates_are_reported_with_the_other_errors_in_row_order(
    client, finance_user, committed
):
    PartnerFactory(tax_id="T1")
    text = HEADER + (
        "T1,SO-1,INV-1,1,2026-07-15,SKU-A,1,10,CNY,sale,\n"
        "NOPE,SO-1,INV-2,1,2026-07-15,SKU-A,1,10,CNY,sale,\n"
        "T1,SO-1,INV-1,1,2026-07-15,SKU-A,1,-5,XXX,sale,\n"
    )
    batch = upload(client, finance_user, text, committed)
    assert batch.status == ImportStatus.REJECTED
    assert [(e["row"], e["column"]) for e in batch.errors] == [
        (2, "line"),
        (3, "partner_tax_id"),
        (4, "currency"),
        (4, "line"),
        (4, "net_amount"),
    ]


def test_the_same_invoice_line_of_two_partners_imports_both(client, finance_user, committed):
    # given two partners whose ERPs number their invoices alike
    first = PartnerFactory(tax_id="T1")
    second = PartnerFactory(tax_id="T2")
    text = HEADER + (
        "T1,SO-1,INV-1,1,2026-07-15,SKU-A,1,10,CNY,sale,\n"
        "T2,SO-9,INV-1,1,2026-07-20,SKU-B,3,30,CNY,sale,\n"
    )
    # when
    batch = upload(client, finance_user, text, committed)
    # then
    assert batch.status == ImportStatus.IMPORTED
    assert batch.imported_count == 2
    assert set(SalesLine.objects.values_list("partner_id", "invoice_number", "line_number")) == {
        (first.pk, "INV-1", 1),
        (second.pk, "INV-1", 1),
    }


def test_a_file_overlapping_an_earlier_import_adds_only_the_new_lines(
    client, finance_user, committed
):
    # given a first file already imported
    PartnerFactory(tax_id="T1")
    PartnerFactory(tax_id="T2")
    first = "T1,SO-1,INV-1,1,2026-07-15,SKU-A,1,10,CNY,sale,\n"
    upload(client, finance_user, HEADER + first, committed)
    # when a second file repeats that line and brings two new ones
    text = (
        HEADER
        + first
        + (
            "T1,SO-1,INV-1,2,2026-07-15,SKU-A,1,10,CNY,sale,\n"
            "T2,SO-1,INV-1,1,2026-07-15,SKU-A,1,10,CNY,sale,\n"
        )
    )
    batch = upload(client, finance_user, text, committed)
    # then only the new lines are stored
    assert batch.status == ImportStatus.IMPORTED
    assert batch.imported_count == 2
    assert SalesLine.objects.count() == 3
    assert SalesLine.objects.filter(import_batch=batch).count() == 2


def test_the_staging_tables_do_not_outlive_the_import(client, finance_user, committed):
    from django.db import connection

    PartnerFactory(tax_id="T1")
    good = HEADER + "T1,SO-1,INV-1,1,2026-07-15,SKU-A,1,10,CNY,sale,\n"
    bad = HEADER + "T1,SO-1,INV-2,1,2026-07-15,SKU-A,1,ten,CNY,sale,\n"
    assert upload(client, finance_user, good, committed).status == ImportStatus.IMPORTED
    assert upload(client, finance_user, bad, committed).status == ImportStatus.REJECTED
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relname LIKE 'rebates\\_stage\\_%%'"
            " OR relname = 'rebates_import_lines'"
        )
        assert cursor.fetchall() == []


@pytest.mark.parametrize(
    "text",
    [
        "",
        "partner_tax_id,order_number\nT1,SO-1\n",
        HEADER.replace("kind", "colour"),
        HEADER + 'T1,"SO-1,INV-1\n',
        HEADER,
    ],
)
def test_malformed_files_are_rejected_without_a_500(client, finance_user, committed, text):
    PartnerFactory(tax_id="T1")
    batch = upload(client, finance_user, text or "\n", committed)
    assert batch.status == ImportStatus.REJECTED
    assert batch.errors
    assert SalesLine.objects.count() == 0


def test_an_xlsx_file_is_imported_like_csv(client, finance_user, committed):
    import io

    from openpyxl import Workbook

    partner = PartnerFactory(tax_id="T1")
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER.strip().split(","))
    sheet.append(["T1", "SO-1", "INV-1", 1, "2026-07-15", "SKU-A", 10, 1000.5, "CNY", "sale"])
    # a real date cell, as spreadsheets store them (a date-time at midnight)
    day = datetime.datetime(2026, 7, 16)
    sheet.append(["T1", "SO-1", "INV-1", 2, day, "SKU-B", -1, 20, "CNY", "return", "D-1"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    client.force_login(finance_user)
    with committed():
        client.post(
            reverse("core:import_upload", args=["sales_lines"]),
            {"file": SimpleUploadedFile("lines.xlsx", buffer.getvalue())},
        )
    batch = ImportBatch.objects.latest("pk")
    assert batch.status == ImportStatus.IMPORTED, batch.errors
    assert list(
        SalesLine.objects.order_by("line_number").values_list(
            "partner_id", "invoice_date", "quantity", "net_amount", "kind", "deal_reference"
        )
    ) == [
        (
            partner.pk,
            datetime.date(2026, 7, 15),
            Decimal("10.000"),
            Decimal("1000.5000"),
            "sale",
            "",
        ),
        (
            partner.pk,
            datetime.date(2026, 7, 16),
            Decimal("-1.000"),
            Decimal("20.0000"),
            "return",
            "D-1",
        ),
    ]


def test_example_file_imports(client, finance_user, committed):
    PartnerFactory(tax_id="91310000MA1FL8TQ3K")
    text = Path("rebates/examples/sales_lines.csv").read_text()
    batch = upload(client, finance_user, text, committed)
    assert batch.status == ImportStatus.IMPORTED
    assert batch.imported_count == 4


def test_sales_lines_are_append_only(partner):
    line = SalesLine.objects.create(
        partner=partner,
        order_number="SO",
        invoice_number="I",
        line_number=1,
        invoice_date="2026-07-01",
        product_code="A",
        quantity=1,
        net_amount=Decimal("1"),
        currency="CNY",
        kind="sale",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        SalesLine.objects.filter(pk=line.pk).update(net_amount=Decimal("2"))
    with pytest.raises(IntegrityError), transaction.atomic():
        SalesLine.objects.filter(pk=line.pk).delete()


def test_partner_users_cannot_import_sales_lines(client, partner_user):
    client.force_login(partner_user)
    response = client.get(reverse("core:import_upload", args=["sales_lines"]))
    assert response.status_code in (403, 404)


def test_targets_import_with_field_errors_then_success(client, finance_user, committed):
    from rebates.models import Target

    from .factories import programme

    programme(name="Standard")
    PartnerFactory(tax_id="T1", contract_currency="CNY")
    client.force_login(finance_user)
    bad = "programme,partner_tax_id,period,amount,currency\nStandard,T1,2026Q9,100,USD\n"
    with committed():
        client.post(
            reverse("core:import_upload", args=["rebate_targets"]),
            {"file": SimpleUploadedFile("t.csv", bad.encode(), content_type="text/csv")},
        )
    batch = ImportBatch.objects.latest("pk")
    assert batch.status == ImportStatus.REJECTED
    assert (2, "period") in {(e["row"], e["column"]) for e in batch.errors}
    good = "programme,partner_tax_id,period,amount,currency\nStandard,T1,2026Q3,100,CNY\n"
    with committed():
        client.post(
            reverse("core:import_upload", args=["rebate_targets"]),
            {"file": SimpleUploadedFile("t.csv", good.encode(), content_type="text/csv")},
        )
    assert Target.objects.get().amount == Decimal("100")


def test_example_targets_file_imports(client, finance_user, committed):
    from rebates.models import Target

    from .factories import programme

    programme(name="Standard quarterly rebate")
    PartnerFactory(tax_id="91310000MA1FL8TQ3K", contract_currency="CNY")
    client.force_login(finance_user)
    text = Path("rebates/examples/targets.csv").read_text()
    with committed():
        client.post(
            reverse("core:import_upload", args=["rebate_targets"]),
            {"file": SimpleUploadedFile("t.csv", text.encode(), content_type="text/csv")},
        )
    assert ImportBatch.objects.latest("pk").status == ImportStatus.IMPORTED
    assert Target.objects.get().amount == Decimal("2000000")
    assert AuditEvent.objects.filter(action="rebate_target.imported").exists()


def test_the_documented_columns_are_the_importers_columns():
    from rebates.importers import STAGE_COLUMNS

    readme = Path("rebates/examples/README.md").read_text()
    header = Path("rebates/examples/sales_lines.csv").read_text().splitlines()[0].split(",")
    assert header == STAGE_COLUMNS
    for column in STAGE_COLUMNS:
        assert f"`{column}`" in readme
