"""The deal list (DESIGN §8.1, §10): filters and sort defined once for the page and the API,
region by code or name in both languages, a fixed number of queries, no count of every row."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from core import lists
from deals.choices import DealStatus
from deals.lists import DEAL_LIST
from deals.models import Deal
from tests.conftest import login
from tests.factories import PartnerFactory, PartnerUserFactory, staff

from .factories import DealFactory

pytestmark = pytest.mark.django_db


def _ids(user, query: str) -> list[int]:
    from django.http import QueryDict

    return list(
        DEAL_LIST.queryset_for(user=user, params=QueryDict(query)).values_list("pk", flat=True)
    )


@pytest.fixture
def world(db):
    east = PartnerFactory(legal_name="华东网络科技有限公司")
    north = PartnerFactory(legal_name="Northern Systems Ltd")
    return {
        "shanghai": DealFactory(
            partner=east,
            customer_region="CN-SH",
            customer_name="上海远航物流有限公司",
            customer_tax_id="91310000MA1FL8XQ3C",
            project_name="Warehouse network",
            lines=[(None, 10, Decimal("1000.00"))],
        ),
        "beijing": DealFactory(
            partner=north,
            customer_region="CN-BJ",
            customer_name="Capital Foods",
            project_name="Campus Wi-Fi",
            status=DealStatus.IN_CONFLICT,
            submitted_at=timezone.now() - datetime.timedelta(days=5),
            sla_due_at=timezone.now() - datetime.timedelta(days=1),
            cross_region=True,
            lines=[(None, 1, Decimal("50.00"))],
        ),
    }


@pytest.mark.parametrize("typed", ["CN-SH", "cn-sh", "Shanghai", "shang", "上海"])
def test_region_matches_code_or_name_in_either_language(world, typed):
    # given deals in Shanghai and Beijing, when filtering by the region as people type it
    ids = _ids(staff(), f"region={typed}")
    # then only the Shanghai deal is found
    assert ids == [world["shanghai"].pk]


def test_unknown_region_finds_nothing(world):
    assert _ids(staff(), "region=Atlantis") == []


def test_search_matches_tax_id_and_names(world):
    user = staff()
    assert _ids(user, "q=91310000MA1FL8XQ3C") == [world["shanghai"].pk]
    assert _ids(user, "q=91310000ma1fl8xq3c") == [world["shanghai"].pk]
    assert _ids(user, "q=远航") == [world["shanghai"].pk]
    assert _ids(user, "q=wi-fi") == [world["beijing"].pk]


def test_partner_by_name_states_and_flags(world):
    user = staff()
    assert _ids(user, "partner=northern") == [world["beijing"].pk]
    assert _ids(user, "partner=华东") == [world["shanghai"].pk]
    assert _ids(user, "status=in_conflict&status=draft") == [
        world["beijing"].pk,
        world["shanghai"].pk,
    ]
    assert _ids(user, "sla_breached=true") == [world["beijing"].pk]
    assert _ids(user, "cross_region=true") == [world["beijing"].pk]
    assert _ids(user, "in_conflict=false") == [world["shanghai"].pk]


def test_amount_and_date_ranges(world):
    user = staff()
    assert _ids(user, "amount_min=1000") == [world["shanghai"].pk]
    assert _ids(user, "amount_max=100") == [world["beijing"].pk]
    today = timezone.localdate().isoformat()
    assert len(_ids(user, f"created_after={today}&created_before={today}")) == 2
    assert _ids(user, "created_before=2000-01-01") == []


def test_sort_by_a_column_either_way(world):
    user = staff()
    assert _ids(user, "sort=customer") == [world["beijing"].pk, world["shanghai"].pk]
    assert _ids(user, "sort=-customer") == [world["shanghai"].pk, world["beijing"].pk]


def test_unknown_sort_falls_back_to_newest_first(world):
    assert _ids(staff(), "sort=password") == [world["beijing"].pk, world["shanghai"].pk]


def test_partner_user_sees_only_own_company_whatever_the_filters(world):
    seller = world["shanghai"].registered_by
    assert _ids(seller, "") == [world["shanghai"].pk]
    assert _ids(seller, "partner=northern") == []


@pytest.mark.parametrize(
    "query",
    [
        "region=上海",
        "region=beijing",
        "q=91310000MA1FL8XQ3C",
        "partner=northern",
        "status=in_conflict",
        "sla_breached=true",
        "amount_min=500",
        "sort=-customer",
        "sort=project",
    ],
)
def test_api_answers_the_same_rows_as_the_page(client, api_client, world, query):
    # given a manager, when the page and the API are asked with the same parameters
    manager = staff()
    page = login(client, manager).get(f"{reverse('deals:list')}?{query}")
    api_client.force_authenticate(manager)
    api = api_client.get(f"/api/v1/deals/?{query}")
    # then both list the same deals in the same order
    assert api.status_code == 200
    api_ids = [row["id"] for row in api.json()["results"]]
    page_ids = [deal.pk for deal in page.context["page"].object_list]
    assert api_ids == page_ids == _ids(manager, query)


def test_page_shows_region_name_sort_state_and_line_count(client, world):
    response = login(client, staff()).get(reverse("deals:list") + "?sort=customer")
    body = response.text
    assert "Shanghai" in body
    assert 'aria-sort="ascending"' in body
    deal = next(d for d in response.context["page"].object_list if d.pk == world["shanghai"].pk)
    assert deal.line_count == 1


def test_bad_filter_input_gets_field_errors_not_500(client, world):
    response = login(client, staff()).get(
        reverse("deals:list") + "?created_after=yesterday&amount_min=lots&page=x&size=7"
    )
    assert response.status_code == 200
    assert "Enter a valid date." in response.text


def test_bad_filter_input_is_a_400_in_the_api(api_client, world):
    api_client.force_authenticate(staff())
    response = api_client.get("/api/v1/deals/?created_after=yesterday")
    assert response.status_code == 400
    assert "created" in str(response.json())


def test_chosen_columns_show_and_hidden_ones_do_not(client, world):
    response = login(client, staff()).get(reverse("deals:list") + "?cols=project&cols=created")
    heads = [c.key for c in response.context["listing"].columns]
    assert heads == ["project", "created"]
    assert "上海远航物流有限公司" not in response.text


def test_partner_column_is_not_offered_to_partner_users(client, world):
    seller = world["shanghai"].registered_by
    response = login(client, seller).get(reverse("deals:list") + "?cols=partner")
    assert "partner" not in [c.key for c in response.context["listing"].available]


@pytest.mark.parametrize("role", ["manager", "partner"])
def test_query_count_does_not_grow_with_rows(client, django_assert_max_num_queries, role):
    # given 5 then 60 deals of one partner
    registrant = PartnerUserFactory(role=Role.PARTNER_ADMIN)
    login(client, staff() if role == "manager" else registrant)
    for count in (5, 60):
        while Deal.objects.filter(partner=registrant.partner).count() < count:
            DealFactory(partner=registrant.partner, registered_by=registrant)
        # when the list is read, then the queries stay the same whatever the rows
        with django_assert_max_num_queries(10):
            response = client.get(reverse("deals:list") + "?region=上海&sort=-created&size=100")
        assert response.status_code == 200
        assert len(response.context["page"].object_list) == count


def test_count_is_capped_and_deep_pages_go_by_keyset(client, monkeypatch, world):
    # given a cap of 1 row for the pager's count
    monkeypatch.setattr(lists, "COUNT_CAP", 1)
    monkeypatch.setattr(lists, "PAGE_SIZES", (1,))
    DealFactory(partner=world["beijing"].partner, customer_name="Third")
    user = staff()
    login(client, user)
    first = client.get(reverse("deals:list") + "?size=1")
    page = first.context["page"]
    # then the page counts no further than the cap and says so
    assert page.capped and page.count == 1
    assert "1+ rows" in first.text
    # and the next page goes by keyset, without repeating or skipping rows
    seen = [d.pk for d in page.object_list]
    assert "after=" in page.next_query
    while page.next_query:
        page = client.get(reverse("deals:list") + "?" + page.next_query).context["page"]
        assert page.number is None and page.has_previous
        seen += [d.pk for d in page.object_list]
    assert seen == _ids(user, "") and len(seen) == 3


def test_the_filter_form_built_once_speaks_each_readers_language():
    """The form class is built once for every request: its labels, choices and messages stay in
    the language of the request that renders it."""
    from django.http import QueryDict
    from django.utils import translation

    from deals.filtersets import DealFilterSet

    with translation.override("en"):
        english = DealFilterSet(QueryDict("expected_close_after=not-a-date")).form
        assert "Expected close date" in english.as_p()
    with translation.override("zh-hans"):
        chinese = DealFilterSet(QueryDict("expected_close_after=not-a-date")).form
        html = chinese.as_p()
        assert "预计成交日期" in html and "Expected close date" not in html
        assert not chinese.is_valid() and "expected_close" in chinese.errors
    assert type(english) is type(chinese)
    assert english.fields["status"] is not chinese.fields["status"]
