"""Inventory report pages (DESIGN §11, §8.1): the list of versions with filters and export, one
report with its lines and its month's versions; a partner sees its own (a distributor also its
dealers'), never another's; a fixed number of queries."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from accounts.choices import Role
from partners.choices import PartnerType
from tests.conftest import login
from tests.deals.factories import ProductFactory
from tests.factories import PartnerFactory, PartnerUserFactory, staff
from tests.inventory.factories import (
    InventoryReportFactory,
    InventorySnapshotFactory,
    SellThroughLineFactory,
)

pytestmark = pytest.mark.django_db
NOV = datetime.date(2026, 11, 1)


@pytest.fixture
def world():
    distributor = PartnerFactory(partner_type=PartnerType.DISTRIBUTOR, legal_name="Dist Co")
    dealer = PartnerFactory(parent=distributor, legal_name="Dealer Co")
    other = PartnerFactory(legal_name="Elsewhere Co")
    old = InventoryReportFactory(partner=dealer, month=NOV, is_current=False)
    current = InventoryReportFactory(partner=dealer, month=NOV, version=2, line_count=1)
    SellThroughLineFactory(report=current, customer_name="Visible Customer Ltd")
    foreign = InventoryReportFactory(partner=other, month=NOV)
    SellThroughLineFactory(report=foreign, customer_name="Foreign Customer Ltd")
    return {
        "dealer": dealer,
        "old": old,
        "current": current,
        "foreign": foreign,
        "dealer_user": PartnerUserFactory(partner=dealer, role=Role.PARTNER_SALES),
        "distributor_user": PartnerUserFactory(partner=distributor, role=Role.PARTNER_ADMIN),
        "other_user": PartnerUserFactory(partner=other, role=Role.PARTNER_ADMIN),
    }


def test_the_list_shows_current_versions_and_all_on_request(client, world):
    login(client, world["dealer_user"])
    url = reverse("inventory:report_list")
    html = client.get(url).content.decode()
    assert reverse("inventory:report_detail", args=[world["current"].pk]) in html
    assert reverse("inventory:report_detail", args=[world["old"].pk]) not in html
    assert "Elsewhere Co" not in html
    html = client.get(url, {"versions": "all"}).content.decode()
    assert reverse("inventory:report_detail", args=[world["old"].pk]) in html
    assert reverse("core:import_upload", args=["sell_through"]) in html


def test_the_detail_shows_lines_and_the_months_versions(client, world):
    login(client, world["distributor_user"])
    html = client.get(reverse("inventory:report_detail", args=[world["old"].pk])).content.decode()
    assert "Superseded" in html
    assert reverse("inventory:report_detail", args=[world["current"].pk]) in html
    html = client.get(
        reverse("inventory:report_detail", args=[world["current"].pk])
    ).content.decode()
    assert "Visible Customer Ltd" in html and "Current version" in html


def test_another_partner_gets_404_and_an_empty_list(client, world):
    login(client, world["other_user"])
    url = reverse("inventory:report_detail", args=[world["current"].pk])
    assert client.get(url).status_code == 404
    html = client.get(reverse("inventory:report_list"), {"versions": "all"}).content.decode()
    assert "Dealer Co" not in html


def test_a_dealer_does_not_see_its_distributors_reports(client, world):
    distributor = world["distributor_user"].partner
    own = InventoryReportFactory(partner=distributor, month=NOV)
    login(client, world["dealer_user"])
    assert client.get(reverse("inventory:report_detail", args=[own.pk])).status_code == 404


def test_an_inventory_report_shows_its_on_hand_rows(client, world):
    snapshot = InventorySnapshotFactory(
        report__partner=world["dealer"], product=ProductFactory(sku="INV-77"), on_hand=321
    )
    login(client, world["dealer_user"])
    html = client.get(
        reverse("inventory:report_detail", args=[snapshot.report.pk])
    ).content.decode()
    assert "INV-77" in html and "321" in html


def test_staff_see_every_partner_and_the_on_behalf_hint(client, world):
    login(client, staff(Role.CHANNEL_MANAGER))
    html = client.get(reverse("inventory:report_list")).content.decode()
    assert "Dealer Co" in html and "Elsewhere Co" in html
    assert 'id="on-behalf"' in html


def test_filters_by_partner_kind_and_month(client, world):
    login(client, staff(Role.FINANCE))
    html = client.get(
        reverse("inventory:report_list"),
        {"partner": "Elsewhere", "kind": "sell_through", "month": "2026-11"},
    ).content.decode()
    assert "Elsewhere Co" in html and "Dealer Co" not in html
    html = client.get(reverse("inventory:report_list"), {"month": "2026-10"}).content.decode()
    assert "Elsewhere Co" not in html


def test_the_export_holds_the_filtered_reports(client, world):
    login(client, world["distributor_user"])
    response = client.get(reverse("inventory:report_list"), {"export": "csv"})
    body = response.getvalue().decode("utf-8-sig")
    assert "Dealer Co" in body and "Elsewhere Co" not in body


def test_pages_answer_in_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    for n in range(30):
        month = datetime.date(2024 + n // 12, 1 + n % 12, 1)
        SellThroughLineFactory(report=InventoryReportFactory(partner=world["dealer"], month=month))
    login(client, world["distributor_user"])
    with django_assert_max_num_queries(14):
        assert client.get(reverse("inventory:report_list"), {"versions": "all"}).status_code == 200
    with django_assert_max_num_queries(14):
        url = reverse("inventory:report_detail", args=[world["current"].pk])
        assert client.get(url).status_code == 200
