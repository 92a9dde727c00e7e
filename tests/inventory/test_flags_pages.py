"""Flag pages, API and export (DESIGN §11, §1, §8.1): staff review with the evidence side by side;
the flagged partner sees its flags and their outcome, never who the other partner of a serial
clash is; another partner gets 404."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.choices import Role
from inventory.choices import FlagKind, FlagStatus, PenaltyStep
from inventory.models import InventoryFlag, InventoryPenalty
from tests.conftest import login
from tests.factories import PartnerFactory, PartnerUserFactory, staff
from tests.inventory.factories import InventoryReportFactory, SellThroughLineFactory

pytestmark = pytest.mark.django_db

RIVAL = "Rival Trading Ltd"
RIVAL_CUSTOMER = "Rival Customer Co"


@pytest.fixture
def clash():
    """A serial clash of `home` with a rival: the home partner's flag names the rival for staff."""
    manager = staff(Role.CHANNEL_MANAGER)
    home = PartnerFactory(legal_name="Home Dealer Ltd", channel_manager=manager)
    rival = PartnerFactory(legal_name=RIVAL)
    line = SellThroughLineFactory(report=InventoryReportFactory(partner=home), partner=home)
    other_line = SellThroughLineFactory(
        report=InventoryReportFactory(partner=rival),
        partner=rival,
        customer_name=RIVAL_CUSTOMER,
        sold_on=datetime.date(2026, 11, 3),
    )
    flag = InventoryFlag.objects.create(
        partner=home,
        line=line,
        kind=FlagKind.SERIAL_CLASH,
        other_partner=rival,
        other_line=other_line,
        evidence={"serial": "SN-42", "other_sold_on": "2026-11-03", "other_quantity": 2},
    )
    return {
        "flag": flag,
        "home": home,
        "rival": rival,
        "manager": manager,
        "home_admin": PartnerUserFactory(partner=home, role=Role.PARTNER_ADMIN),
        "rival_admin": PartnerUserFactory(partner=rival, role=Role.PARTNER_ADMIN),
    }


def detail(flag) -> str:
    return reverse("inventory:flag_detail", args=[flag.pk])


# --- staff -------------------------------------------------------------------------------------
def test_staff_see_both_sides_of_the_clash(client, clash):
    page = login(client, clash["manager"]).get(detail(clash["flag"])).content.decode()
    assert RIVAL in page and RIVAL_CUSTOMER in page and "SN-42" in page
    assert 'id="flag-confirm"' in page


def test_a_manager_confirms_on_the_page_and_a_second_click_is_answered(client, clash):
    client = login(client, clash["manager"])
    response = client.post(
        reverse("inventory:flag_confirm", args=[clash["flag"].pk]), {"reason": "Same unit"}
    )
    assert response.status_code == 302
    clash["flag"].refresh_from_db()
    assert clash["flag"].status == FlagStatus.CONFIRMED
    again = client.post(
        reverse("inventory:flag_dismiss", args=[clash["flag"].pk]), {"reason": "x"}, follow=True
    )
    assert "already confirmed" in again.content.decode()


def test_a_confirmation_without_reason_shows_the_field_message(client, clash):
    response = login(client, clash["manager"]).post(
        reverse("inventory:flag_confirm", args=[clash["flag"].pk]), {"reason": ""}
    )
    assert response.status_code == 400 and "Give a reason." in response.content.decode()
    clash["flag"].refresh_from_db()
    assert clash["flag"].status == FlagStatus.OPEN


def test_the_queue_filters_by_kind_and_month_with_few_queries(
    client, clash, django_assert_max_num_queries
):
    client = login(client, clash["manager"])
    with django_assert_max_num_queries(12):
        response = client.get(
            reverse("inventory:flag_list"), {"kind": "serial_clash", "month": "2026-11"}
        )
    assert list(response.context["page"]) == [clash["flag"]]
    response = client.get(reverse("inventory:flag_list"), {"month": "2026-10"})
    assert list(response.context["page"]) == []


def test_a_bad_month_filter_is_a_field_message_not_an_error(client, clash):
    response = login(client, clash["manager"]).get(
        reverse("inventory:flag_list"), {"month": "soon"}
    )
    assert response.status_code == 200 and 'id="error-month"' in response.content.decode()


# --- the flagged partner -------------------------------------------------------------------------
def test_the_partner_sees_its_flag_but_never_who_else_reported_the_serial(client, clash):
    client = login(client, clash["home_admin"])
    listing = client.get(reverse("inventory:flag_list")).content.decode()
    page = client.get(detail(clash["flag"])).content.decode()
    assert "SN-42" in page and "2026-11-03" in page
    for text in (RIVAL, RIVAL_CUSTOMER):
        assert text not in page and text not in listing
    assert 'id="flag-confirm"' not in page


def test_the_partners_api_view_is_anonymised(clash):
    api = APIClient()
    api.force_authenticate(clash["home_admin"])
    rows = api.get("/api/v1/inventory/flags/").json()["results"]
    one = api.get(f"/api/v1/inventory/flags/{clash['flag'].pk}/").json()
    assert [r["id"] for r in rows] == [clash["flag"].pk]
    for data in (rows[0], one):
        assert data["other_partner"] is None and data["other_line"] is None
        assert data["evidence"]["other_sold_on"] == "2026-11-03"
    staff_api = APIClient()
    staff_api.force_authenticate(clash["manager"])
    staff_view = staff_api.get(f"/api/v1/inventory/flags/{clash['flag'].pk}/").json()
    assert staff_view["other_partner"] == clash["rival"].pk


def test_the_partners_export_never_names_the_other_partner(client, clash):
    response = login(client, clash["home_admin"]).get(
        reverse("core:export", args=["inventory-flags"]), {"format": "csv"}
    )
    body = response.getvalue().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert len(rows) == 2 and RIVAL not in body
    staff_body = (
        login(client, clash["manager"])
        .get(reverse("core:export", args=["inventory-flags"]), {"format": "csv"})
        .getvalue()
        .decode("utf-8-sig")
    )
    assert RIVAL in staff_body


def test_the_other_partner_gets_404_on_page_and_api_and_a_partner_cannot_review(client, clash):
    client = login(client, clash["rival_admin"])
    assert client.get(detail(clash["flag"])).status_code == 404
    api = APIClient()
    api.force_authenticate(clash["rival_admin"])
    assert api.get(f"/api/v1/inventory/flags/{clash['flag'].pk}/").status_code == 404
    api.force_authenticate(clash["home_admin"])
    refused = api.post(
        f"/api/v1/inventory/flags/{clash['flag'].pk}/confirm/", {"reason": "x"}, format="json"
    )
    assert refused.status_code == 403


def test_staff_confirm_through_the_api_and_a_stale_one_is_a_400(clash):
    api = APIClient()
    api.force_authenticate(clash["manager"])
    url = f"/api/v1/inventory/flags/{clash['flag'].pk}/confirm/"
    assert api.post(url, {"reason": ""}, format="json").status_code == 400
    first = api.post(url, {"reason": "Same unit"}, format="json")
    assert first.status_code == 200 and first.json()["penalty_step"] == "warning"
    second = api.post(url, {"reason": "Same unit"}, format="json")
    assert second.status_code == 400 and "already confirmed" in str(second.json())
    penalties = api.get("/api/v1/inventory/penalties/").json()["results"]
    assert [p["step"] for p in penalties] == ["warning"]


def test_partner_sales_sees_the_penalty_but_not_the_deducted_amount(clash):
    InventoryFlag.objects.filter(pk=clash["flag"].pk).update(status=FlagStatus.CONFIRMED)
    InventoryPenalty.objects.create(
        partner=clash["home"],
        flag=clash["flag"],
        step=PenaltyStep.DEDUCTION,
        amount=4321,
        currency="CNY",
    )
    api = APIClient()
    api.force_authenticate(PartnerUserFactory(partner=clash["home"], role=Role.PARTNER_SALES))
    [row] = api.get("/api/v1/inventory/penalties/").json()["results"]
    assert row["step"] == "deduction" and row["amount"] is None


def test_a_manager_dismisses_several_flags_at_once_each_on_its_own(client, clash):
    # given another open flag of the home partner, and one of a partner the manager does not own
    second = InventoryFlag.objects.create(
        partner=clash["home"], line=clash["flag"].line, kind=FlagKind.CROSS_REGION
    )
    foreign = InventoryFlag.objects.create(
        partner=clash["rival"], line=clash["flag"].other_line, kind=FlagKind.CROSS_REGION
    )
    client = login(client, clash["manager"])
    page = client.get(reverse("inventory:flag_list")).content.decode()
    assert 'id="bulk-form"' in page and f'value="{clash["flag"].pk}"' in page
    # when the three are dismissed with one reason
    response = client.post(
        reverse("inventory:flag_bulk_dismiss"),
        {
            "ids": [clash["flag"].pk, second.pk, foreign.pk],
            "decision": "dismiss",
            "reason": "Returns",
        },
    )
    # then the manager's two are dismissed and the other is refused on its own row
    assert response.status_code == 200
    statuses = dict(InventoryFlag.objects.values_list("pk", "status"))
    assert statuses[clash["flag"].pk] == statuses[second.pk] == FlagStatus.DISMISSED
    assert statuses[foreign.pk] == FlagStatus.OPEN
    assert "may not review" in response.content.decode()


def test_a_bulk_dismissal_without_reason_changes_nothing(client, clash):
    response = login(client, clash["manager"]).post(
        reverse("inventory:flag_bulk_dismiss"), {"ids": [clash["flag"].pk], "decision": "dismiss"}
    )
    assert response.status_code == 400
    clash["flag"].refresh_from_db()
    assert clash["flag"].status == FlagStatus.OPEN
