"""The statement list on the list framework (DESIGN §8.1): the page and the API answer the same
rows for the same parameters; the open disputes are counted for the page only."""

import pytest
from django.urls import reverse

from tests.factories import PartnerFactory

from .factories import built_statement, published_statement

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "query",
    [
        "",
        "state=draft",
        "state=published&state=draft",
        "partner=alpha",
        "sort=-number",
        "sort=partner",
    ],
)
def test_page_and_api_list_the_same_statements(client, api_client, finance_user, query):
    built_statement(PartnerFactory(legal_name="Alpha Networks"))
    published_statement(PartnerFactory(legal_name="Beta Systems"))
    client.force_login(finance_user)
    page = client.get(f"{reverse('settlement:statement_list')}?{query}")
    api_client.force_authenticate(finance_user)
    api = api_client.get(f"/api/v1/settlement/statements/?{query}")
    assert api.status_code == 200
    page_ids = [s.pk for s in page.context["page"]]
    assert [row["id"] for row in api.json()["results"]] == page_ids
    assert page_ids


def test_find_a_statement_by_its_number(client, finance_user):
    wanted = built_statement(PartnerFactory())
    built_statement(PartnerFactory())
    client.force_login(finance_user)
    page = client.get(reverse("settlement:statement_list"), {"q": wanted.number.lower()})
    assert [s.pk for s in page.context["page"]] == [wanted.pk]
