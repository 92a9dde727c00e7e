"""Every CSV/XLSX export neutralises text a spreadsheet would run as a formula (DESIGN §8.1)."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core.exports import csv_bytes, export_cell, xlsx_bytes
from core.models import ImportBatch, ImportStatus
from rebates.services import accruals_calculate
from settlement import services as settlement_services
from tests.factories import PartnerFactory
from tests.rebates.factories import PERIOD, line, programme, target
from tests.settlement.factories import queue_entry

pytestmark = pytest.mark.django_db

HOSTILE_NAME = '=HYPERLINK("http://x","y")'


def _csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+86 21 5555", "'+86 21 5555"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Contoso = fine", "Contoso = fine"),
        ("华东智联", "华东智联"),
        (Decimal("-12.50"), Decimal("-12.50")),
        (-3, -3),
        (None, None),
    ],
)
def test_export_cell_quotes_formula_text_and_keeps_numbers(value, expected):
    assert export_cell(value) == expected


def test_xlsx_keeps_negative_decimals_numeric_and_formula_text_as_text():
    # given a row with a hostile name and a negative Decimal amount
    content = xlsx_bytes([[HOSTILE_NAME, Decimal("-150.25")]], sheet_title="S-1")
    # when it is read back
    sheet = load_workbook(io.BytesIO(content)).active
    name, amount = sheet.cell(row=1, column=1), sheet.cell(row=1, column=2)
    # then the name is text, not a formula, and the amount is a number
    assert name.data_type == "s" and name.value == "'" + HOSTILE_NAME
    assert amount.data_type == "n" and amount.value == pytest.approx(-150.25)


def test_csv_writes_negative_amounts_as_plain_numbers():
    rows = _csv_rows(csv_bytes([["x", Decimal("-5.00")]]))
    assert rows == [["x", "-5.00"]]


def test_rebate_accrual_csv_neutralises_a_hostile_partner_name(client, finance_user):
    # given a partner whose legal name (from the public form) is a spreadsheet formula
    partner = PartnerFactory(legal_name=HOSTILE_NAME)
    prog = programme(name="Standard")
    target(prog, partner, 1_000_000)
    line(partner, 900_000)
    accruals_calculate(period=PERIOD, partner_range=(0, 2**62))
    client.force_login(finance_user)
    # when finance exports the accrual list
    response = client.get(reverse("rebates:accrual_list"), {"export": "csv"})
    # then the name is quoted text and the amounts are plain numbers
    rows = _csv_rows(response.getvalue())
    assert rows[1][1] == "'" + HOSTILE_NAME
    Decimal(rows[1][7])  # the accrued rebate is still a number


def test_statement_line_csv_and_xlsx_neutralise_and_keep_negative_amounts(client, finance_user):
    # given a statement of a hostile-named partner with a negative (clawback) line
    partner = PartnerFactory(legal_name=HOSTILE_NAME)
    queue_entry(partner, "500.00", period=str(PERIOD), description=HOSTILE_NAME)
    queue_entry(partner, "-120.00", period=str(PERIOD), description="-clawback")
    statement = settlement_services.statement_build(partner=partner, period=str(PERIOD))
    client.force_login(finance_user)
    # when finance downloads its lines as CSV and XLSX
    csv_rows = _csv_rows(
        client.get(reverse("settlement:statement_csv", args=[statement.pk])).content
    )
    xlsx = client.get(reverse("settlement:statement_xlsx", args=[statement.pk])).content
    sheet = load_workbook(io.BytesIO(xlsx)).active
    # then text is neutralised in both and the negative amount stays a number in the workbook
    descriptions = {row[2] for row in csv_rows[1:]}
    assert "'" + HOSTILE_NAME in descriptions and "'-clawback" in descriptions
    xlsx_rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert "'" + HOSTILE_NAME in {r[2] for r in xlsx_rows}
    amounts = {r[6] for r in xlsx_rows}
    assert all(isinstance(a, int | float) for a in amounts)
    assert any(a < 0 for a in amounts)


def test_import_error_report_neutralises_the_uploaded_cells(client, finance_user):
    # given a rejected import whose error message quotes a hostile cell
    batch = ImportBatch.objects.create(
        kind="fx_rates",
        original_name="rates.csv",
        status=ImportStatus.REJECTED,
        uploaded_by=finance_user,
        errors=[{"row": 2, "column": "rate", "message": "=1+cmd|' /C calc'!A0"}],
    )
    client.force_login(finance_user)
    # when its error report is downloaded
    response = client.get(reverse("core:import_error_report", args=[batch.pk]))
    # then the quoted cell cannot run
    assert _csv_rows(response.content)[1] == ["2", "rate", "'=1+cmd|' /C calc'!A0"]
