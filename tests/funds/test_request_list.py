"""The MDF request list on the list framework (DESIGN §8.1): page and API answer alike."""

import pytest
from django.urls import reverse

from accounts.choices import Role
from tests.factories import PartnerUserFactory, staff

from .factories import allocation, submit

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("query", ["", "status=submitted", "sort=activity", "sort=-amount_cny"])
def test_page_and_api_list_the_same_requests(client, api_client, query):
    from funds.models import FundRequest

    for title, amount in (("Salon B", "1000.00"), ("Summit A", "3000.00")):
        finance = PartnerUserFactory(role=Role.PARTNER_FINANCE)
        allocation(finance.partner, "10000")
        submit(finance.partner, finance, amount, title=title)
    director = staff(Role.CHANNEL_DIRECTOR)
    client.force_login(director)
    page = client.get(f"{reverse('funds:request_list')}?{query}")
    api_client.force_authenticate(director)
    api = api_client.get(f"/api/v1/mdf/requests/?{query}")
    assert page.status_code == api.status_code == 200
    page_ids = [r.pk for r in page.context["page"]]
    assert [row["id"] for row in api.json()["results"]] == page_ids
    assert len(page_ids) == FundRequest.objects.count() == 2
