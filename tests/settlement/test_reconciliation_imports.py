"""Imports of orders, deliveries and payments: COPY, set-based checks, all or nothing (§6.4, §9)."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from core.models import ImportBatch, ImportStatus
from settlement.models import Delivery, Order, Payment
from tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db

ORDERS = "partner_tax_id,order_number,order_date,amount,currency\n"
DELIVERIES = "partner_tax_id,delivery_number,order_number,delivery_date,amount,currency\n"
PAYMENTS = "partner_tax_id,transaction_id,reference,payment_date,amount,currency\n"


def upload(client, user, kind, content, committed, name="file.csv"):
    client.force_login(user)
    data = content.encode("utf-8") if isinstance(content, str) else content
    with committed():
        client.post(
            reverse("core:import_upload", args=[kind]),
            {"file": SimpleUploadedFile(name, data)},
        )
    return ImportBatch.objects.latest("pk")


def test_orders_are_imported_with_their_batch(client, finance_user, committed):
    # given
    partner = PartnerFactory(tax_id="T1")
    text = ORDERS + "T1,SO-1,2026-07-01,1000.50,cny\nT1,SO-2,2026-07-02,20,USD\n"
    # when
    batch = upload(client, finance_user, "settlement_orders", text, committed)
    # then
    assert batch.status == ImportStatus.IMPORTED and batch.imported_count == 2
    orders = list(Order.objects.order_by("reference"))
    assert [(o.partner_id, o.amount, o.currency, o.import_batch_id) for o in orders] == [
        (partner.pk, Decimal("1000.5000"), "CNY", batch.pk),
        (partner.pk, Decimal("20.0000"), "USD", batch.pk),
    ]


def test_deliveries_and_payments_with_optional_columns(client, finance_user, committed):
    PartnerFactory(tax_id="T1")
    upload(
        client,
        finance_user,
        "settlement_deliveries",
        DELIVERIES + "T1,DN-1,SO-1,2026-07-03,1000.50,CNY\nT1,DN-2,,2026-07-04,5,CNY\n",
        committed,
    )
    payments = "partner_tax_id,transaction_id,payment_date,amount,currency\n"
    batch = upload(
        client,
        finance_user,
        "settlement_payments",
        payments + "T1,TX-1,2026-07-05,1000.50,CNY\n",
        committed,
    )
    assert batch.status == ImportStatus.IMPORTED
    assert sorted(Delivery.objects.values_list("reference", "order_reference")) == [
        ("DN-1", "SO-1"),
        ("DN-2", ""),
    ]
    assert Payment.objects.get().reference == ""


def test_payments_from_xlsx(client, finance_user, committed):
    PartnerFactory(tax_id="T1")
    book = Workbook()
    sheet = book.active
    sheet.append(
        ["partner_tax_id", "transaction_id", "reference", "payment_date", "amount", "currency"]
    )
    sheet.append(["T1", "TX-9", "SO-9", "2026-07-05", 99.5, "CNY"])
    out = io.BytesIO()
    book.save(out)
    batch = upload(
        client, finance_user, "settlement_payments", out.getvalue(), committed, name="p.xlsx"
    )
    assert batch.status == ImportStatus.IMPORTED
    assert Payment.objects.get().amount == Decimal("99.5")


def test_xlsx_date_cells_are_read_as_dates(client, finance_user, committed):
    # Given a spreadsheet whose payment date is a real date cell (stored as midnight)
    PartnerFactory(tax_id="T1")
    book = Workbook()
    sheet = book.active
    sheet.append(
        ["partner_tax_id", "transaction_id", "reference", "payment_date", "amount", "currency"]
    )
    sheet.append(["T1", "TX-10", "SO-10", datetime.datetime(2026, 7, 5), 12, "CNY"])
    out = io.BytesIO()
    book.save(out)
    # When it is imported
    batch = upload(
        client, finance_user, "settlement_payments", out.getvalue(), committed, name="p.xlsx"
    )
    # Then the date cell is read as that day, as the sales-line import reads it
    assert batch.status == ImportStatus.IMPORTED, batch.errors
    assert Payment.objects.get().paid_on == datetime.date(2026, 7, 5)


def test_reimporting_the_same_file_adds_nothing(client, finance_user, committed):
    PartnerFactory(tax_id="T1")
    text = PAYMENTS + "T1,TX-1,SO-1,2026-07-05,10,CNY\n"
    upload(client, finance_user, "settlement_payments", text, committed)
    second = upload(client, finance_user, "settlement_payments", text, committed)
    assert second.status == ImportStatus.IMPORTED and second.imported_count == 0
    assert Payment.objects.count() == 1


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ("NOPE,TX-2,SO-1,2026-07-05,10,CNY", "partner_tax_id"),
        ("T1,,SO-1,2026-07-05,10,CNY", "transaction_id"),
        ("T1,TX-2,SO-1,2026-02-30,10,CNY", "payment_date"),
        ("T1,TX-2,SO-1,05/07/2026,10,CNY", "payment_date"),
        ("T1,TX-2,SO-1,2026-07-05,-10,CNY", "amount"),
        ("T1,TX-2,SO-1,2026-07-05,0,CNY", "amount"),
        ("T1,TX-2,SO-1,2026-07-05,1.23456,CNY", "amount"),
        ("T1,TX-2,SO-1,2026-07-05,ten,CNY", "amount"),
        ("T1,TX-2,SO-1,2026-07-05,10,XXX", "currency"),
        ("T1,TX-1,SO-1,2026-07-05,10,CNY", "transaction_id"),  # twice in the file
        ("T1,TX-2," + "R" * 61 + ",2026-07-05,10,CNY", "reference"),
    ],
)
def test_bad_payment_file_leaves_nothing_behind(client, finance_user, committed, row, column):
    # given a file with one good row and one bad row
    PartnerFactory(tax_id="T1")
    text = PAYMENTS + "T1,TX-1,SO-1,2026-07-05,10,CNY\n" + row + "\n"
    # when
    batch = upload(client, finance_user, "settlement_payments", text, committed)
    # then nothing is stored and the report names the row and column
    assert batch.status == ImportStatus.REJECTED
    assert Payment.objects.count() == 0
    assert {"row": 3, "column": column} in [
        {"row": e["row"], "column": e["column"]} for e in batch.errors
    ]


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("settlement_orders", "partner_tax_id,order_number,amount,currency\nT1,SO-1,1,CNY\n"),
        (
            "settlement_orders",
            ORDERS.replace("currency", "currency,colour") + "T1,SO,2026-07-01,1,CNY,red\n",
        ),
        ("settlement_orders", ORDERS),
        ("settlement_deliveries", DELIVERIES + 'T1,DN-1,SO-1,"2026-07-01\n'),
    ],
)
def test_malformed_files_are_rejected_whole(client, finance_user, committed, kind, text):
    PartnerFactory(tax_id="T1")
    batch = upload(client, finance_user, kind, text, committed)
    assert batch.status == ImportStatus.REJECTED
    assert batch.errors
    assert Order.objects.count() == Delivery.objects.count() == 0


def test_empty_upload_is_refused_on_the_form(client, finance_user):
    client.force_login(finance_user)
    response = client.post(
        reverse("core:import_upload", args=["settlement_orders"]),
        {"file": SimpleUploadedFile("empty.csv", b"")},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert ImportBatch.objects.count() == 0 and Order.objects.count() == 0


def test_partner_users_cannot_import(client, partner_user):
    client.force_login(partner_user)
    response = client.get(reverse("core:import_upload", args=["settlement_payments"]))
    assert response.status_code == 404
