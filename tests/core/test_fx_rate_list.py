"""The FX rate list on the list framework (DESIGN §8.1): one FilterSet for the page, the API and
the export; read by finance and the channel team, nobody else."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.choices import Role
from core.models import FxRate
from tests.factories import staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates():
    day = datetime.date(2026, 11, 30)
    return [
        FxRate.objects.create(
            rate_date=day, base_currency="USD", quote_currency="CNY", rate=Decimal("7.1234")
        ),
        FxRate.objects.create(
            rate_date=day, base_currency="EUR", quote_currency="CNY", rate=Decimal("7.8001")
        ),
        FxRate.objects.create(
            rate_date=day - datetime.timedelta(days=1),
            base_currency="JPY",
            quote_currency="USD",
            rate=Decimal("0.0067"),
        ),
    ]


def test_the_page_and_the_api_filter_alike(client, rates):
    reader = staff(Role.CHANNEL_MANAGER)
    client.force_login(reader)
    # when a manager asks for the rates from or to USD, newest first
    page = client.get(reverse("core:fxrate_list"), {"currency": "USD"})
    api = APIClient()
    api.force_authenticate(reader)
    listed = api.get("/api/v1/fx-rates/", {"currency": "USD", "sort": "-date"}).json()
    # then both show USD→CNY and JPY→USD, not EUR→CNY
    text = page.content.decode()
    assert page.status_code == 200
    assert "7.1234" in text and "0.0067" in text and "7.8001" not in text
    pairs = [(r["base_currency"], r["quote_currency"]) for r in listed["results"]]
    assert pairs == [("USD", "CNY"), ("JPY", "USD")]


def test_sorting_by_rate_and_an_unknown_currency_is_a_field_error(client, rates):
    client.force_login(staff(Role.FINANCE))
    page = client.get(reverse("core:fxrate_list"), {"sort": "rate"})
    text = page.content.decode()
    assert text.index("0.0067") < text.index("7.1234") < text.index("7.8001")
    api = APIClient()
    api.force_authenticate(staff(Role.FINANCE))
    response = api.get("/api/v1/fx-rates/", {"currency": "XXX"})
    assert response.status_code == 400 and "currency" in response.json()


def test_the_export_is_what_the_filter_shows(client, rates):
    client.force_login(staff(Role.FINANCE))
    response = client.get(
        reverse("core:export", args=["fx-rates"]), {"format": "csv", "quote_currency": "CNY"}
    )
    rows = list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
    assert rows[0] == ["Date", "From", "To", "Exchange rate"]
    assert sorted(r[1] for r in rows[1:]) == ["EUR", "USD"]


@pytest.mark.parametrize("role", [Role.LEGAL])
def test_other_staff_read_no_rates(client, rates, role):
    client.force_login(staff(role))
    assert client.get(reverse("core:fxrate_list")).status_code == 403
    response = client.get(reverse("core:export", args=["fx-rates"]), {"format": "csv"})
    assert response.status_code in (403, 404)
