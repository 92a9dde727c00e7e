"""The inventory stock API (DESIGN §11, §9): the page's filters, scoped like the pages; alert
limits read by staff and changed by directors and administrators only."""

import pytest

from accounts.choices import Role
from inventory.models import FamilyAlertLimit
from tests.factories import staff

from .stock_world import build_stock_world, partner_user

pytestmark = pytest.mark.django_db
V1 = "/api/v1/inventory"


@pytest.fixture
def world():
    return build_stock_world()


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_positions_are_scoped_and_filtered_as_the_page(api_client, world):
    api_client.force_authenticate(partner_user(world.home, Role.PARTNER_SALES))
    rows = results(api_client.get(f"{V1}/positions/"))
    assert {row["partner_name"] for row in rows} == {"Home Inventory Ltd"}
    rows = results(api_client.get(f"{V1}/positions/", {"alerts": "ageing"}))
    [row] = rows
    assert (row["sku"], row["days_of_inventory"], row["turnover"]) == ("INV-A", "60.0", "2.12")
    assert results(api_client.get(f"{V1}/positions/", {"partner_id": world.other.pk})) == []
    assert api_client.get(f"{V1}/stock/").status_code == 403


def test_a_distributor_reads_its_dealers_positions(api_client, world):
    api_client.force_authenticate(partner_user(world.distributor))
    rows = results(api_client.get(f"{V1}/positions/"))
    assert {row["partner"] for row in rows} == {world.dealer.pk}
    alerts = results(api_client.get(f"{V1}/alerts/"))
    assert {row["partner"] for row in alerts} == {world.dealer.pk}


def test_staff_read_the_groups_with_the_page_filters(api_client, world):
    api_client.force_authenticate(staff())
    rows = results(api_client.get(f"{V1}/stock/", {"group": "region", "sort": "doi"}))
    assert [(row["region"], row["days_of_inventory"]) for row in rows] == [
        ("CN-SH", "56.8"),
        ("CN-BJ", "400.0"),
        ("CN-GD", "990.0"),
    ]
    bad = api_client.get(f"{V1}/stock/", {"group": "planet"})
    assert bad.status_code == 400 and "group" in bad.json()


def test_alert_limits_read_by_staff_changed_by_directors(api_client, world):
    api_client.force_authenticate(staff(Role.FINANCE))
    listed = api_client.get(f"{V1}/alert-limits/").json()
    mine = next(row for row in listed if row["family"] == world.family.pk)
    assert (mine["ageing_days"], mine["stock_out_days"], mine["is_default"]) == (50, 7, False)
    url = f"{V1}/alert-limits/{world.family.pk}/"
    assert api_client.patch(url, {"ageing_days": 80}).status_code == 403
    api_client.force_authenticate(staff(Role.CHANNEL_DIRECTOR))
    bad = api_client.patch(url, {"stock_out_days": 60})
    assert bad.status_code == 400 and "stock_out_days" in bad.json()
    assert FamilyAlertLimit.objects.get(family=world.family).stock_out_days == 7
    good = api_client.patch(url, {"ageing_days": 80})
    assert good.status_code == 200 and good.json()["ageing_days"] == 80
    api_client.force_authenticate(partner_user(world.home))
    assert api_client.get(f"{V1}/alert-limits/").status_code == 403
