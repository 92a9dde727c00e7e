"""Every registered list export answers with a file of its list's rows, in both formats
(DESIGN §8.1), on the permission sweep's shared world (one object of every kind)."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from core.exports import export_keys
from tests.sweep_world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


def test_every_list_of_the_issue_has_an_export():
    assert {
        "deals",
        "leads",
        "partners",
        "statements",
        "mdf-requests",
        "accruals",
        "agreements",
        "certifications",
        "audit",
        "anomalies",
        "coverage",
        "rebate-programmes",
    } <= set(export_keys())


@pytest.mark.parametrize("key", export_keys())
def test_an_administrator_exports_every_list_in_both_formats(world, key):
    client = Client()
    client.force_login(world.users["admin"])
    url = reverse("core:export", args=[key])
    # when the administrator exports the whole list as CSV and as XLSX
    as_csv = client.get(url, {"format": "csv"})
    as_xlsx = client.get(url, {"format": "xlsx"})
    # then both hold the header and the world's rows, the same number in each
    assert as_csv.status_code == 200 and as_xlsx.status_code == 200
    csv_rows = list(csv.reader(io.StringIO(as_csv.getvalue().decode("utf-8-sig"))))
    xlsx_rows = list(load_workbook(io.BytesIO(as_xlsx.content)).active.values)
    assert len(csv_rows) >= 2, key
    assert len(csv_rows) == len(xlsx_rows)
    assert csv_rows[0] == [str(v) for v in xlsx_rows[0]]


@pytest.mark.parametrize("key", export_keys())
def test_the_other_company_exports_none_of_the_home_partners_rows(world, key):
    client = Client()
    client.force_login(world.users["other"])
    response = client.get(reverse("core:export", args=[key]), {"format": "csv"})
    if response.status_code in (403, 404):
        return
    assert response.status_code == 200
    text = response.getvalue().decode("utf-8-sig")
    assert world.home.legal_name not in text and world.home.tax_id not in text
