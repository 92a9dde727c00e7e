"""The partner's lead offers on the list framework (DESIGN §4.6, §8.1, §9): filters, sort, page
size, columns and an export shared with `GET /api/v1/leads/`; another company's offers never
show; every page of customer records a partner reads is audited."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.choices import Role
from core.models import AuditEvent
from deals import services
from deals.choices import LeadOfferStatus
from deals.models import LeadOffer
from tests.conftest import login
from tests.factories import PartnerFactory, PartnerUserFactory, staff, tier

pytestmark = pytest.mark.django_db

LEAD = {
    "customer_name": "上海远航物流有限公司",
    "customer_tax_id": "91310000MA1FL0000X",
    "customer_region": "CN-SH",
    "industry": "",
    "project_name": "Warehouse Wi-Fi",
    "estimated_value": Decimal("380000.00"),
    "currency": "CNY",
    "description": "Three warehouses.",
}


def publish(**overrides):
    return services.lead_publish(actor=staff(), data=LEAD | overrides)


@pytest.fixture
def world():
    """A Gold partner in Shanghai and Beijing and another Gold partner in Beijing only."""
    ours = PartnerFactory(tier=tier("gold"), regions=["CN-SH", "CN-BJ"])
    theirs = PartnerFactory(tier=tier("gold"), regions=["CN-BJ"])
    shanghai = publish(project_name="Harbour cameras", estimated_value=Decimal("120000.00"))
    beijing = publish(
        project_name="Campus switches",
        customer_name="北京远景科技有限公司",
        customer_tax_id="91110000MA00000001",
        customer_region="CN-BJ",
        estimated_value=Decimal("900000.00"),
    )
    theirs_only = publish(
        project_name="Their tender",
        customer_name="北京别家有限公司",
        customer_tax_id="91110000MA00000002",
        customer_region="CN-BJ",
    )
    LeadOffer.objects.filter(lead=theirs_only, partner=ours).delete()
    return {
        "ours": ours,
        "theirs": theirs,
        "seller": PartnerUserFactory(partner=ours, role=Role.PARTNER_SALES),
        "shanghai": shanghai,
        "beijing": beijing,
        "theirs_only": theirs_only,
    }


def projects(response) -> list[str]:
    return [offer.lead.project_name for offer in response.context["page"].object_list]


def test_the_page_filters_sorts_and_never_shows_another_companys_offers(client, world):
    login(client, world["seller"])
    url = reverse("deals:lead_list")
    everything = client.get(url)
    assert everything.status_code == 200
    assert sorted(projects(everything)) == ["Campus switches", "Harbour cameras"]
    assert "Their tender" not in everything.text
    assert projects(client.get(url, {"region": "北京"})) == ["Campus switches"]
    assert projects(client.get(url, {"q": "远航"})) == ["Harbour cameras"]
    assert projects(client.get(url, {"sort": "-value"})) == ["Campus switches", "Harbour cameras"]
    assert projects(client.get(url, {"sort": "value"})) == ["Harbour cameras", "Campus switches"]
    header = client.get(url, {"sort": "value"}).text
    assert 'aria-sort="ascending"' in header and 'class="menu saved-views"' in header


def test_open_offers_by_default_and_all_when_asked(client, world):
    services.lead_decline(lead_id=world["beijing"].pk, actor=world["seller"])
    login(client, world["seller"])
    url = reverse("deals:lead_list")
    assert projects(client.get(url)) == ["Harbour cameras"]
    assert sorted(projects(client.get(url, {"show": "all"}))) == [
        "Campus switches",
        "Harbour cameras",
    ]
    assert projects(client.get(url, {"show": "all", "status": LeadOfferStatus.DECLINED})) == [
        "Campus switches"
    ]


def test_page_size_and_hidden_columns(client, world):
    login(client, world["seller"])
    response = client.get(reverse("deals:lead_list"), {"cols": ["project", "answer"]})
    assert [c.key for c in response.context["listing"].columns] == ["project", "answer"]
    assert '<th class="num" data-column="value"' not in response.text
    # the row an answer swaps in keeps the columns the list showed
    answered = client.post(
        reverse("deals:lead_decline", args=[world["shanghai"].pk]),
        {"cols": ["project", "answer"]},
        HTTP_HX_REQUEST="true",
    )
    assert answered.status_code == 200
    assert answered.text.count("<td") == 2


def test_bad_filters_are_field_messages_not_errors(client, world):
    login(client, world["seller"])
    response = client.get(
        reverse("deals:lead_list"), {"offered_after": "not a day", "value_min": "abc"}
    )
    assert response.status_code == 200
    errors = response.context["listing"].filterset.form.errors
    assert "offered" in errors and "value" in errors


def test_every_page_read_is_audited_with_its_filters(client, world):
    login(client, world["seller"]).get(reverse("deals:lead_list"), {"region": "CN-BJ"})
    event = AuditEvent.objects.get(action="lead.listed")
    assert event.actor == world["seller"]
    assert event.changes["ids"] == [world["beijing"].pk]
    assert event.changes["filters"]["region"] == "CN-BJ"


def test_the_export_holds_the_filtered_offers_of_the_company_only(client, world):
    login(client, world["seller"])
    response = client.get(reverse("deals:lead_list"), {"export": "csv", "region": "CN-BJ"})
    rows = list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
    assert [row[1] for row in rows[1:]] == ["Campus switches"]
    everything = client.get(reverse("core:export", args=["leads"]), {"format": "csv"})
    text = everything.getvalue().decode("utf-8-sig")
    assert "Harbour cameras" in text and "Their tender" not in text
    assert AuditEvent.objects.filter(action="lead.exported", actor=world["seller"]).exists()


def test_the_other_company_sees_and_exports_none_of_ours(client, world):
    other = PartnerUserFactory(partner=world["theirs"], role=Role.PARTNER_ADMIN)
    login(client, other)
    page = client.get(reverse("deals:lead_list"), {"show": "all"})
    assert "Harbour cameras" not in page.text
    exported = client.get(reverse("core:export", args=["leads"]), {"format": "csv", "show": "all"})
    assert "Harbour cameras" not in exported.getvalue().decode("utf-8-sig")


def test_the_api_filters_and_sorts_as_the_page_does(api_client, world):
    api_client.force_authenticate(world["seller"])
    listed = api_client.get("/api/v1/leads/", {"region": "CN-BJ"}).json()
    assert [row["lead"]["project_name"] for row in listed["results"]] == ["Campus switches"]
    by_value = api_client.get("/api/v1/leads/", {"sort": "value"}).json()
    assert [row["lead"]["project_name"] for row in by_value["results"]] == [
        "Harbour cameras",
        "Campus switches",
    ]
    bad = api_client.get("/api/v1/leads/", {"offered_after": "not a day"})
    assert bad.status_code == 400 and "offered" in bad.json()


def test_query_count_does_not_grow_with_the_rows(client, world, django_assert_max_num_queries):
    for n in range(12):
        publish(project_name=f"Lead {n}")
    login(client, world["seller"])
    with django_assert_max_num_queries(11):
        response = client.get(reverse("deals:lead_list"), {"size": "25"})
    assert response.text.count('<tr id="lead-offer-') == 14
