"""API list pagination without counting every row (DESIGN §10): DRF's response shape plus
`count_exact`; `next` from one row more than the page; the count capped."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.choices import Role
from core.api import pagination
from deals.models import Deal
from tests.deals.factories import DealFactory
from tests.factories import PartnerUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def seven_deals(partner):
    DealFactory.create_batch(7, partner=partner)
    return partner


def client_of(api_client, partner):
    user = PartnerUserFactory(partner=partner, role=Role.PARTNER_ADMIN)
    api_client.force_authenticate(user)
    return api_client


def test_pages_keep_drf_shape_and_exact_count_below_the_cap(api_client, seven_deals):
    client = client_of(api_client, seven_deals)
    first = client.get("/api/v1/deals/?page_size=3").json()
    assert set(first) == {"count", "count_exact", "next", "previous", "results"}
    assert (first["count"], first["count_exact"], len(first["results"])) == (7, True, 3)
    assert "page=2" in first["next"] and first["previous"] is None
    last = client.get("/api/v1/deals/?page_size=3&page=3").json()
    assert (last["count"], last["count_exact"], last["next"]) == (7, True, None)
    assert len(last["results"]) == 1 and "page=2" in last["previous"]
    ids = [
        row["id"]
        for page in (1, 2, 3)
        for row in client.get(f"/api/v1/deals/?page_size=3&page={page}").json()["results"]
    ]
    assert ids == sorted(Deal.objects.values_list("pk", flat=True), reverse=True)


def test_count_is_capped_and_then_a_lower_bound(api_client, seven_deals, monkeypatch):
    monkeypatch.setattr(pagination.StandardPagination, "count_cap", 4)
    client = client_of(api_client, seven_deals)
    first = client.get("/api/v1/deals/?page_size=2").json()
    assert (first["count"], first["count_exact"]) == (4, False)
    third = client.get("/api/v1/deals/?page_size=2&page=3").json()
    # Rows up to this page's end plus at least one more.
    assert (third["count"], third["count_exact"], bool(third["next"])) == (7, False, True)
    last = client.get("/api/v1/deals/?page_size=2&page=4").json()
    assert (last["count"], last["count_exact"], last["next"]) == (7, True, None)


def test_capped_count_reads_at_most_cap_plus_one_rows(seven_deals):
    with CaptureQueriesContext(connection) as captured:
        assert pagination.capped_count(Deal.objects.order_by("-pk"), cap=3) == (3, False)
    assert "LIMIT 4" in captured[0]["sql"] and "ORDER BY" not in captured[0]["sql"]
    assert pagination.capped_count(Deal.objects.all(), cap=30) == (7, True)


@pytest.mark.parametrize("page", ["0", "-1", "x", "last", "99", "147543406030900983952574513152"])
def test_pages_out_of_range_answer_404(api_client, seven_deals, page):
    client = client_of(api_client, seven_deals)
    assert client.get(f"/api/v1/deals/?page={page}").status_code == 404


def test_empty_list_is_one_empty_page(api_client, partner):
    client = client_of(api_client, partner)
    body = client.get("/api/v1/deals/").json()
    assert body == {"count": 0, "count_exact": True, "next": None, "previous": None, "results": []}


def test_schema_documents_count_exact():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    page = schema["components"]["schemas"]["PaginatedDealList"]
    assert page["properties"]["count_exact"]["type"] == "boolean"
    assert "count_exact" in page["required"]
