"""Rebate programmes on the list framework (DESIGN §5, §8.1): filters, sort, page size, saved
views, an export and the same filters on `GET /api/v1/rebates/programmes/`; staff only."""

import csv
import io

import pytest
from django.urls import reverse

from rebates.choices import ProgrammeMode

from .factories import programme

pytestmark = pytest.mark.django_db


@pytest.fixture
def programmes():
    return {
        "standard": programme(name="Standard", name_zh="标准返利"),
        "growth": programme(name="Growth", mode=ProgrammeMode.MARGINAL),
        "old": programme(name="Legacy", is_active=False),
    }


def names(response) -> list[str]:
    return [p.name for p in response.context["page"].object_list]


def test_finance_filters_and_sorts_the_programmes(client, finance_user, programmes):
    client.force_login(finance_user)
    url = reverse("rebates:programme_list")
    assert names(client.get(url)) == ["Growth", "Legacy", "Standard"]
    assert names(client.get(url, {"q": "标准"})) == ["Standard"]
    assert names(client.get(url, {"mode": ProgrammeMode.MARGINAL})) == ["Growth"]
    assert names(client.get(url, {"active": "false"})) == ["Legacy"]
    response = client.get(url, {"sort": "-name", "size": "25"})
    assert names(response) == ["Standard", "Legacy", "Growth"]
    assert 'aria-sort="descending"' in response.text
    assert 'class="menu saved-views"' in response.text


def test_chinese_readers_sort_by_the_chinese_name_when_given(client, finance_user, programmes):
    finance_user.language = "zh-hans"
    finance_user.save()
    client.force_login(finance_user)
    response = client.get(reverse("rebates:programme_list"), {"q": "标准"})
    assert "标准返利" in response.text


def test_bad_filters_are_field_messages(client, finance_user, programmes):
    client.force_login(finance_user)
    response = client.get(reverse("rebates:programme_list"), {"mode": "nonsense"})
    assert response.status_code == 200
    assert "mode" in response.context["listing"].filterset.form.errors


def test_the_export_holds_the_filtered_programmes(client, finance_user, programmes):
    client.force_login(finance_user)
    response = client.get(reverse("rebates:programme_list"), {"export": "csv", "active": "true"})
    rows = list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == ["Growth", "Standard"]


def test_partners_and_managers_get_neither_page_nor_export(
    client, partner_user, manager, programmes
):
    for user in (partner_user, manager):
        client.force_login(user)
        assert client.get(reverse("rebates:programme_list")).status_code == 403
        export = client.get(reverse("core:export", args=["rebate-programmes"]), {"format": "csv"})
        assert export.status_code == 403


def test_the_api_filters_and_sorts_as_the_page_does(api_client, finance_user, programmes):
    api_client.force_authenticate(finance_user)
    listed = api_client.get("/api/v1/rebates/programmes/", {"active": "true", "sort": "-name"})
    assert [row["name"] for row in listed.json()["results"]] == ["Standard", "Growth"]
    bad = api_client.get("/api/v1/rebates/programmes/", {"mode": "nonsense"})
    assert bad.status_code == 400 and "mode" in bad.json()
