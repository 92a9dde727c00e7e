"""The partner directory on the list framework (DESIGN §8.1): region by code or name in both
languages, tax ID found by staff, the same rows from the page and the API."""

import pytest
from django.urls import reverse

from tests.factories import PartnerFactory, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def partners(db):
    return {
        "east": PartnerFactory(
            legal_name="华东网络", regions=["CN-SH", "CN-JS"], tax_id="91310000X"
        ),
        "north": PartnerFactory(legal_name="Northern Systems", regions=["CN-BJ"]),
    }


@pytest.mark.parametrize(
    "query",
    ["region=上海", "region=shanghai", "region=cn-bj", "q=91310000x", "q=northern", "sort=-name"],
)
def test_page_and_api_list_the_same_partners(client, api_client, partners, query):
    manager = staff()
    client.force_login(manager)
    page = client.get(f"{reverse('partners:partner_list')}?{query}")
    api_client.force_authenticate(manager)
    api = api_client.get(f"/api/v1/partners/?{query}")
    assert api.status_code == 200
    page_ids = [p.pk for p in page.context["page"]]
    assert [row["id"] for row in api.json()["results"]] == page_ids
    assert page_ids


def test_region_by_chinese_name(client, partners):
    client.force_login(staff())
    page = client.get(reverse("partners:partner_list"), {"region": "北京"})
    assert [p.pk for p in page.context["page"]] == [partners["north"].pk]


def test_a_distributor_cannot_find_a_dealer_by_tax_id(api_client):
    from accounts.choices import Role
    from partners.choices import PartnerType
    from tests.factories import PartnerUserFactory

    distributor = PartnerFactory(partner_type=PartnerType.DISTRIBUTOR)
    dealer = PartnerFactory(parent=distributor, tax_id="DEALER-TAX-1")
    api_client.force_authenticate(PartnerUserFactory(partner=distributor, role=Role.PARTNER_ADMIN))
    assert api_client.get("/api/v1/partners/?q=DEALER-TAX-1").json()["results"] == []
    found = api_client.get(f"/api/v1/partners/?q={dealer.legal_name}").json()["results"]
    assert [row["id"] for row in found] == [dealer.pk]
