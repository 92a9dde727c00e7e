"""The inventory pages (DESIGN §11, §8.1): grouping and filters, a partner sees only its own
figures (a distributor its dealers'), exports follow the filters, query counts stay flat."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.choices import Role
from inventory.figures import inventory_figures_refresh
from tests.deals.factories import ProductFactory
from tests.factories import PartnerFactory, staff

from .stock_world import NOV, _line, _snapshot, build_stock_world, partner_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_stock_world()


def names(response, attr="display_name"):
    return [getattr(row, attr) for row in response.context["page"]]


def get(client, user, url, params=None):
    client.force_login(user)
    return client.get(url, params or {})


def test_overview_groups_by_partner_by_default_with_days_of_inventory(client, world):
    response = get(client, staff(), reverse("inventory:stock"), {"sort": "name"})
    assert response.status_code == 200
    assert names(response) == [
        "Dealer Inventory Ltd",
        "Home Inventory Ltd",
        "Other Inventory Ltd",
    ]
    rows = {row.label: row for row in response.context["page"]}
    # home: on hand 120 + 0, sold 180 + 10 in 90 days → 120 × 90 ÷ 190 = 56.8 days
    assert str(rows["Home Inventory Ltd"].days_of_inventory) == "56.8"
    assert "56.8" in response.text
    assert 'id="stock-trend"' in response.text and "<svg" in response.text


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"group": "product"}, ["INV-A Switch A", "INV-B Switch B"]),
        ({"group": "family"}, ["Inventory switches"]),
        ({"group": "region"}, ["Beijing", "Guangdong", "Shanghai"]),
        ({"region": "Beijing"}, ["Dealer Inventory Ltd"]),
        ({"region": "cn-sh"}, ["Home Inventory Ltd"]),
        ({"group": "product", "region": "CN-BJ"}, ["INV-A Switch A"]),
        ({"doi_min": "100"}, ["Dealer Inventory Ltd", "Other Inventory Ltd"]),
        ({"doi_max": "100"}, ["Home Inventory Ltd"]),
        ({"alerts": "stock_out"}, ["Home Inventory Ltd"]),
        ({"partner": "dealer"}, ["Dealer Inventory Ltd"]),
        ({"region": "Atlantis"}, []),
    ],
)
def test_overview_filters(client, world, params, expected):
    response = get(client, staff(), reverse("inventory:stock"), {"sort": "name", **params})
    assert response.status_code == 200
    assert names(response) == expected


def test_overview_family_filter_narrows_each_grouping(client, world):
    params = {"family": world.family.pk, "group": "region", "sort": "name"}
    response = get(client, staff(), reverse("inventory:stock"), params)
    assert names(response) == ["Beijing", "Guangdong", "Shanghai"]
    assert {row.family_id for row in response.context["page"]} == {world.family.pk}


def test_the_partner_filter_outside_partner_grouping_says_why(client, world):
    response = get(
        client, staff(), reverse("inventory:stock"), {"group": "product", "partner": "home"}
    )
    assert response.status_code == 200
    assert "The partner filter applies when grouping by partner" in response.text


def test_a_partner_sees_only_its_own_positions(client, world):
    user = partner_user(world.home, Role.PARTNER_SALES)
    response = get(client, user, reverse("inventory:positions"))
    assert response.status_code == 200
    assert {f.partner_id for f in response.context["page"]} == {world.home.pk}
    assert "Other Inventory Ltd" not in response.text
    assert response.context["summary"]["on_hand"] == 120


def test_a_partner_changing_the_id_gets_404(client, world):
    user = partner_user(world.home)
    for other in (world.other, world.dealer, world.distributor):
        url = reverse("inventory:partner_detail", args=[other.pk])
        assert get(client, user, url).status_code == 404
    own = get(client, user, reverse("inventory:partner_detail", args=[world.home.pk]))
    assert own.status_code == 200 and "60.0" in own.text
    product = reverse("inventory:product_detail", args=[world.product_a.pk])
    assert get(client, user, product).status_code == 403
    # filtering the list by another partner's id shows nothing of it
    response = get(client, user, reverse("inventory:positions"), {"partner_id": world.other.pk})
    assert list(response.context["page"]) == []


def test_a_distributor_sees_its_dealers_figures_and_a_dealer_not_its_distributors(client, world):
    distributor = partner_user(world.distributor)
    response = get(client, distributor, reverse("inventory:positions"))
    assert {f.partner_id for f in response.context["page"]} == {world.dealer.pk}
    assert [d.partner_id for d in response.context["dealers"]] == [world.dealer.pk]
    dealer_page = reverse("inventory:partner_detail", args=[world.dealer.pk])
    assert get(client, distributor, dealer_page).status_code == 200
    dealer = partner_user(world.dealer)
    own_parent = reverse("inventory:partner_detail", args=[world.distributor.pk])
    assert get(client, dealer, own_parent).status_code == 404
    alerts = get(client, distributor, reverse("inventory:alert_list"))
    assert {a.partner_id for a in alerts.context["page"]} == {world.dealer.pk}


def test_a_partner_export_holds_only_its_own_rows(client, world):
    user = partner_user(world.home)
    client.force_login(user)
    response = client.get(reverse("core:export", args=["inventory-positions"]), {"format": "csv"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert {row[0] for row in rows[1:]} == {"Home Inventory Ltd"}
    staff_export = client.get(reverse("core:export", args=["inventory-stock"]), {"format": "csv"})
    assert staff_export.status_code in (403, 404)


def test_staff_export_follows_the_filters(client, world):
    client.force_login(staff())
    response = client.get(
        reverse("core:export", args=["inventory-stock"]),
        {"format": "csv", "group": "partner", "doi_min": "100", "sort": "name"},
    )
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [row[1] for row in rows[1:]] == ["Dealer Inventory Ltd", "Other Inventory Ltd"]
    assert rows[1][8] == "400.0"
    xlsx = client.get(reverse("inventory:stock"), {"export": "xlsx"})
    assert xlsx.status_code == 200


def test_stock_that_did_not_sell_shows_infinity_and_is_ageing(client, world):
    product_c = ProductFactory(family=world.family, sku="INV-C", name="Switch C")
    _snapshot(world.home, product_c, 5, datetime.date(2026, 11, 30), month=NOV)
    inventory_figures_refresh([world.home.pk], through=NOV)
    user = partner_user(world.home)
    response = get(client, user, reverse("inventory:positions"), {"q": "INV-C"})
    [row] = response.context["page"]
    assert (row.on_hand, row.days_of_inventory, row.ageing) == (5, None, True)
    assert "∞" in response.text
    # and the DOI minimum counts it as above any number
    response = get(client, user, reverse("inventory:positions"), {"doi_min": "1000"})
    assert [f.product.sku for f in response.context["page"]] == ["INV-C"]


def test_product_page_lists_the_partners_holding_it(client, world):
    response = get(client, staff(), reverse("inventory:product_detail", args=[world.product_a.pk]))
    assert [f.partner.legal_name for f in response.context["positions"]] == [
        "Other Inventory Ltd",  # 990.0 days
        "Dealer Inventory Ltd",  # 400.0
        "Home Inventory Ltd",  # 60.0
    ]
    assert response.context["summary"].on_hand == 237


def _more_partners(world, count: int) -> None:
    """More partners holding both products: every list and group has more rows."""
    for n in range(count):
        partner = PartnerFactory(legal_name=f"Extra {n} Ltd", regions=["CN-ZJ"])
        for product in (world.product_a, world.product_b):
            _snapshot(partner, product, 10 + n, datetime.date(2026, 11, 30), month=NOV)
            _line(partner, product, 1 + n, datetime.date(2026, 11, 2))
    inventory_figures_refresh(through=NOV)


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("inventory:stock", {}),
        ("inventory:stock", {"group": "product", "region": "zhejiang"}),
        ("inventory:positions", {}),
        ("inventory:alert_list", {}),
        ("core:dashboard", {}),
    ],
)
def test_query_counts_do_not_grow_with_rows(
    client, django_assert_max_num_queries, world, name, params
):
    client.force_login(staff())
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse(name), params).status_code == 200
    _more_partners(world, 6)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse(name), params)
    assert response.status_code == 200


def test_product_and_partner_pages_query_counts(client, django_assert_max_num_queries, world):
    client.force_login(staff())
    urls = [
        reverse("inventory:product_detail", args=[world.product_a.pk]),
        reverse("inventory:partner_detail", args=[world.home.pk]),
    ]
    counts = []
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        counts.append(len(queries.captured_queries))
    _more_partners(world, 4)
    for url, count in zip(urls, counts, strict=True):
        with django_assert_max_num_queries(count):
            assert client.get(url).status_code == 200


def test_partner_pages_keep_their_query_counts(client, django_assert_max_num_queries, world):
    user = partner_user(world.distributor)
    client.force_login(user)
    for url in (
        reverse("inventory:positions"),
        reverse("inventory:partner_detail", args=[world.dealer.pk]),
        reverse("inventory:alert_list"),
        reverse("core:dashboard"),
    ):
        with django_assert_max_num_queries(30):
            assert client.get(url).status_code == 200


def test_dashboards_show_the_inventory_cards(client, world):
    response = get(client, staff(), reverse("core:dashboard"))
    assert 'id="inventory-card"' in response.text
    response = get(client, partner_user(world.home), reverse("core:dashboard"))
    assert 'id="inventory-partner-card"' in response.text
