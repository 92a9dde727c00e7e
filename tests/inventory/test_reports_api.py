"""Reports in by API (DESIGN §11): a partner system posts a month's report; reads are scoped like
the pages; bad lines answer with `lines[i].field` messages and nothing is written."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from accounts.choices import Role
from inventory.models import InventoryReport, SellThroughLine
from partners.choices import PartnerType
from tests.deals.factories import ProductFactory
from tests.factories import PartnerFactory, PartnerUserFactory, staff
from tests.inventory.factories import (
    InventoryReportFactory,
    InventorySnapshotFactory,
    SellThroughLineFactory,
)

pytestmark = pytest.mark.django_db
URL = "/api/v1/inventory/reports/"


@pytest.fixture
def world():
    distributor = PartnerFactory(partner_type=PartnerType.DISTRIBUTOR)
    dealer = PartnerFactory(parent=distributor)
    other = PartnerFactory()
    return {
        "distributor": distributor,
        "dealer": dealer,
        "other": other,
        "product": ProductFactory(sku="AP-200"),
        "dealer_user": PartnerUserFactory(partner=dealer, role=Role.PARTNER_ADMIN),
        "distributor_user": PartnerUserFactory(partner=distributor, role=Role.PARTNER_ADMIN),
        "other_user": PartnerUserFactory(partner=other, role=Role.PARTNER_ADMIN),
    }


def payload(**changes) -> dict:
    line = {
        "sold_on": "2026-11-20",
        "sku": "AP-200",
        "quantity": 3,
        "unit_price": "1200.00",
        "currency": "CNY",
        "customer_name": "Shanghai End Customer Ltd",
        "customer_tax_id": "91310000MA1FL0XXXX",
        "customer_region": "CN-SH",
        "serial_numbers": ["AP1", "AP2", "AP3"],
    }
    lines = changes.pop("lines", [line])
    return {"kind": "sell_through", "month": "2026-11", "lines": lines, **changes}


def test_a_partner_system_posts_a_report_once_per_idempotency_key(api_client, world):
    api_client.force_authenticate(world["dealer_user"])
    headers = {"Idempotency-Key": "st-2026-11-a"}
    first = api_client.post(URL, payload(), format="json", headers=headers)
    again = api_client.post(URL, payload(), format="json", headers=headers)
    assert first.status_code == 201, first.json()
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    report = InventoryReport.objects.get()
    assert (report.partner, report.month, report.line_count, report.source) == (
        world["dealer"],
        datetime.date(2026, 11, 1),
        1,
        "api",
    )
    assert report.lines.get().serial_numbers == ["AP1", "AP2", "AP3"]


def test_a_corrected_report_by_api_is_a_new_version(api_client, world):
    api_client.force_authenticate(world["dealer_user"])
    api_client.post(URL, payload(), format="json")
    second = api_client.post(URL, payload(), format="json")
    assert second.json()["version"] == 2
    assert list(
        InventoryReport.objects.order_by("version").values_list("version", "is_current")
    ) == [(1, False), (2, True)]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"sku": "NOPE"}, "lines[1].sku", "No product has this SKU."),
        ({"quantity": -1}, "lines[1].quantity", "The quantity must be greater than zero."),
        ({"sold_on": "2026-10-31"}, "lines[1].sold_on", "The date is not in the report's month."),
        ({"currency": "EUR"}, "lines[1].currency", "No FX rate for this currency"),
        ({"customer_region": "Mars"}, "lines[1].customer_region", "Not a region code or name"),
    ],
)
def test_bad_lines_answer_per_line_and_write_nothing(api_client, world, change, field, message):
    api_client.force_authenticate(world["dealer_user"])
    good = payload()["lines"][0]
    bad = good | {"serial_numbers": ["X1"]} | change
    response = api_client.post(URL, payload(lines=[good, bad]), format="json")
    assert response.status_code == 400
    assert response.json()[field][0].startswith(message), response.json()
    assert InventoryReport.objects.count() == SellThroughLine.objects.count() == 0


def test_a_future_month_is_refused(api_client, world):
    api_client.force_authenticate(world["dealer_user"])
    ahead = timezone.localdate() + datetime.timedelta(days=40)
    line = payload()["lines"][0] | {"sold_on": str(ahead)}
    response = api_client.post(URL, payload(month=f"{ahead:%Y-%m}", lines=[line]), format="json")
    assert response.status_code == 400
    assert response.json()["lines[0].sold_on"] == ["The date is in the future."]


def test_a_distributor_posts_for_its_dealer_not_the_other_way(api_client, world):
    api_client.force_authenticate(world["distributor_user"])
    response = api_client.post(URL, payload(partner=world["dealer"].pk), format="json")
    assert response.status_code == 201
    assert response.json()["reported_by_partner"] == world["distributor"].pk
    api_client.force_authenticate(world["dealer_user"])
    response = api_client.post(URL, payload(partner=world["distributor"].pk), format="json")
    assert response.status_code == 400
    assert "partner" in response.json()
    assert InventoryReport.objects.count() == 1


def test_legal_may_not_report(api_client, world):
    api_client.force_authenticate(staff(Role.LEGAL))
    response = api_client.post(URL, payload(partner=world["dealer"].pk), format="json")
    assert response.status_code == 403


def test_reads_are_scoped_and_another_partner_gets_404(api_client, world):
    # given a report of the dealer with a line and one of another partner
    report = InventoryReportFactory(partner=world["dealer"], month=datetime.date(2026, 11, 1))
    line = SellThroughLineFactory(report=report, product=world["product"])
    snapshot = InventorySnapshotFactory(report__partner=world["dealer"], product=world["product"])
    InventoryReportFactory(partner=world["other"])
    # when the other partner reads them, then it gets nothing of the dealer's
    api_client.force_authenticate(world["other_user"])
    assert api_client.get(f"{URL}{report.pk}/").status_code == 404
    assert api_client.get(f"{URL}{report.pk}/lines/").status_code == 404
    assert api_client.get(f"/api/v1/inventory/sell-through-lines/{line.pk}/").status_code == 404
    assert api_client.get(f"/api/v1/inventory/snapshots/{snapshot.pk}/").status_code == 404
    listed = api_client.get(URL).json()["results"]
    assert {r["partner"] for r in listed} == {world["other"].pk}
    # and the dealer's distributor reads them, filtered like the page
    api_client.force_authenticate(world["distributor_user"])
    listed = api_client.get(URL, {"month": "2026-11", "kind": "sell_through"}).json()["results"]
    assert [r["id"] for r in listed] == [report.pk]
    lines = api_client.get(f"{URL}{report.pk}/lines/").json()["results"]
    assert [row["id"] for row in lines] == [line.pk]
    found = api_client.get("/api/v1/inventory/sell-through-lines/", {"customer_region": "上海"})
    assert [row["id"] for row in found.json()["results"]] == [line.pk]


def test_superseded_versions_are_listed_on_request(api_client, world):
    old = InventoryReportFactory(partner=world["dealer"], is_current=False)
    new = InventoryReportFactory(partner=world["dealer"], version=2)
    api_client.force_authenticate(world["dealer_user"])
    assert [r["id"] for r in api_client.get(URL).json()["results"]] == [new.pk]
    every = api_client.get(URL, {"versions": "all"}).json()["results"]
    assert {r["id"] for r in every} == {old.pk, new.pk}


@pytest.mark.django_db(transaction=True)
def test_submit_outside_a_test_transaction_commits_versions_and_queues_the_scan():
    # given a dealer with a committed first version
    from core.models import OutboxMessage
    from inventory.models import SoldSerial
    from inventory.services import inventory_report_submit

    dealer = PartnerFactory()
    user = PartnerUserFactory(partner=dealer, role=Role.PARTNER_FINANCE)
    product = ProductFactory(sku="TX-1")
    line = payload()["lines"][0] | {"sku": "TX-1"}
    first = inventory_report_submit(
        partner=dealer,
        kind="sell_through",
        month=datetime.date(2026, 11, 1),
        lines=[line],
        actor=user,
    )
    # when a bad correction fails, then nothing of it is written
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        inventory_report_submit(
            partner=dealer,
            kind="sell_through",
            month=datetime.date(2026, 11, 1),
            lines=[line | {"quantity": 0}],
            actor=user,
        )
    assert InventoryReport.objects.count() == 1
    # when a good correction comes, then it supersedes the first in one commit
    second = inventory_report_submit(
        partner=dealer,
        kind="sell_through",
        month=datetime.date(2026, 11, 1),
        lines=[line | {"serial_numbers": ["NEW-1"]}],
        actor=user,
    )
    first.refresh_from_db()
    assert (first.is_current, second.is_current, second.version) == (False, True, 2)
    assert set(SoldSerial.objects.values_list("serial", "is_current")) == {
        ("AP1", False),
        ("AP2", False),
        ("AP3", False),
        ("NEW-1", True),
    }
    assert product.pk == second.lines.get().product_id
    tasks = OutboxMessage.objects.filter(task="inventory.tasks.inventory_reports_scan_task")
    assert sorted(m.args[0][0] for m in tasks) == [first.pk, second.pk]


def test_an_inventory_report_by_api_and_a_negative_on_hand_refused(api_client, world):
    api_client.force_authenticate(staff(Role.CHANNEL_MANAGER))
    rows = [{"sku": "AP-200", "as_of": "2026-11-30", "on_hand": 12}]
    body = {"partner": world["dealer"].pk, "kind": "inventory", "month": "2026-11", "lines": rows}
    response = api_client.post(URL, body, format="json")
    assert response.status_code == 201, response.json()
    report = InventoryReport.objects.get()
    assert (report.kind, report.reported_by_partner) == ("inventory", None)
    assert list(report.snapshots.values_list("on_hand", flat=True)) == [12]
    rows = [{"sku": "AP-200", "as_of": "2026-11-30", "on_hand": -4}]
    response = api_client.post(URL, body | {"lines": rows}, format="json")
    assert response.json() == {"lines[0].on_hand": ["The on-hand quantity must not be negative."]}
    assert InventoryReport.objects.count() == 1
