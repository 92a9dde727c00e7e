"""The same create posted twice makes one record (issue "Jobs and imports…", item 6): forms carry a
hidden idempotency key, the API honours the `Idempotency-Key` header, and the key's uniqueness in
PostgreSQL holds when two posts race."""

from __future__ import annotations

import re
import threading
import time

import pytest
import yaml
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from core.idempotency import FORM_FIELD
from core.models import IdempotencyKey
from deals.models import Deal
from funds.defaults import ensure_default_matrix
from funds.models import ApprovalRule, FundRequest
from tests.deals.factories import ProductFactory
from tests.funds.factories import allocation
from tests.funds.test_attribution import deal_form
from tests.funds.test_requests import _form as fund_request_form


@pytest.fixture
def funded(partner_user):
    # transactional tests elsewhere flush the migrated approval matrix: put it back
    ensure_default_matrix(ApprovalRule)
    allocation(partner_user.partner, "1000000.00")
    return partner_user.partner


def _key_of(page: str) -> str:
    match = re.search(rf'name="{FORM_FIELD}" value="([^"]+)"', page)
    assert match, "the form carries no idempotency key"
    return match.group(1)


def _deal_body(product) -> dict:
    return {
        "customer_name": "Acme Inc.",
        "customer_region": "CN-SH",
        "project_name": "API project",
        "currency": "CNY",
        "expected_close_date": "2027-01-31",
        "lines": [{"product": product.sku, "quantity": 2, "unit_price": "900.00"}],
    }


# --- forms -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_deal_form_posted_twice_with_its_key_creates_one_registration(client, partner_user):
    # given the registration form, rendered with a key
    client.force_login(partner_user)
    key = _key_of(client.get(reverse("deals:create")).text)
    data = deal_form(ProductFactory()) | {FORM_FIELD: key}
    # when it is posted twice (a double click)
    first = client.post(reverse("deals:create"), data)
    second = client.post(reverse("deals:create"), data)
    # then one draft exists and both answers lead to it
    deal = Deal.objects.get()
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == reverse("deals:detail", args=[deal.pk])


@pytest.mark.django_db
def test_each_rendering_of_a_form_gets_a_new_key(client, partner_user):
    client.force_login(partner_user)
    assert _key_of(client.get(reverse("deals:create")).text) != _key_of(
        client.get(reverse("deals:create")).text
    )


@pytest.mark.django_db
def test_mdf_request_form_posted_twice_with_its_key_creates_one_request(
    client, partner_user, funded
):
    # given a funded partner and the request form
    client.force_login(partner_user)
    key = _key_of(client.get(reverse("funds:request_create")).text)
    # when the form is sent twice
    first = client.post(reverse("funds:request_create"), fund_request_form() | {FORM_FIELD: key})
    second = client.post(reverse("funds:request_create"), fund_request_form() | {FORM_FIELD: key})
    # then
    request = FundRequest.objects.get()
    assert (
        first["Location"]
        == second["Location"]
        == reverse("funds:request_detail", args=[request.pk])
    )


@pytest.mark.django_db
def test_a_form_with_errors_frees_its_key_for_the_corrected_post(client, partner_user, funded):
    # given a request form sent with an error (more than half the budget)
    client.force_login(partner_user)
    key = _key_of(client.get(reverse("funds:request_create")).text)
    wrong = client.post(
        reverse("funds:request_create"), fund_request_form("1500.00") | {FORM_FIELD: key}
    )
    assert wrong.status_code == 200 and not FundRequest.objects.exists()
    # the form comes back with the same key
    assert _key_of(wrong.text) == key
    # when it is corrected and sent with that key
    right = client.post(reverse("funds:request_create"), fund_request_form() | {FORM_FIELD: key})
    # then it is created
    assert right.status_code == 302 and FundRequest.objects.count() == 1


# --- API ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_api_create_with_the_same_key_replays_the_first_answer(api_client, partner_user):
    # given
    api_client.force_authenticate(partner_user)
    body = _deal_body(ProductFactory())
    # when the same create is posted twice with one key
    first = api_client.post("/api/v1/deals/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    second = api_client.post("/api/v1/deals/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    # then one deal, and the second answer is the first one again
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Deal.objects.count() == 1


@pytest.mark.django_db
def test_api_create_without_a_key_is_not_deduplicated(api_client, partner_user):
    api_client.force_authenticate(partner_user)
    body = _deal_body(ProductFactory())
    api_client.post("/api/v1/deals/", body, format="json")
    api_client.post("/api/v1/deals/", body, format="json")
    assert Deal.objects.count() == 2


@pytest.mark.django_db
def test_same_key_with_a_different_body_answers_422(api_client, partner_user):
    api_client.force_authenticate(partner_user)
    body = _deal_body(ProductFactory())
    api_client.post("/api/v1/deals/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    response = api_client.post(
        "/api/v1/deals/",
        body | {"project_name": "Another"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-2",
    )
    assert response.status_code == 422
    assert "already used with a different request" in response.json()["detail"]
    assert Deal.objects.count() == 1


@pytest.mark.django_db
def test_keys_are_per_user(api_client, partner_user, other_partner_user):
    body = _deal_body(ProductFactory())
    for user in (partner_user, other_partner_user):
        api_client.force_authenticate(user)
        response = api_client.post(
            "/api/v1/deals/", body, format="json", HTTP_IDEMPOTENCY_KEY="shared"
        )
        assert response.status_code == 201
    assert Deal.objects.count() == 2


@pytest.mark.django_db
def test_invalid_input_frees_the_key_and_changes_nothing(api_client, partner_user):
    api_client.force_authenticate(partner_user)
    body = _deal_body(ProductFactory())
    bad = api_client.post(
        "/api/v1/deals/", body | {"lines": []}, format="json", HTTP_IDEMPOTENCY_KEY="k-3"
    )
    assert bad.status_code == 400 and not IdempotencyKey.objects.exists()
    good = api_client.post("/api/v1/deals/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    assert good.status_code == 201


@pytest.mark.django_db
def test_a_malformed_key_is_a_field_error(api_client, partner_user):
    api_client.force_authenticate(partner_user)
    response = api_client.post(
        "/api/v1/deals/",
        _deal_body(ProductFactory()),
        format="json",
        HTTP_IDEMPOTENCY_KEY="x" * 256,
    )
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()
    assert not Deal.objects.exists()


@pytest.mark.django_db
def test_schema_documents_the_header_on_every_create():
    # every POST on a collection (a create) takes the header and documents its 422
    client = APIClient()
    schema = yaml.safe_load(client.get("/api/schema/").content)
    creates = [
        (path, item["post"])
        for path, item in schema["paths"].items()
        if "post" in item and "{" not in path
    ]
    assert len(creates) >= 8
    for path, operation in creates:
        names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "header"]
        assert "Idempotency-Key" in names, path
        assert "422" in operation["responses"], path


# --- two posts at once: outside a test transaction, in two threads -----------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("gap", [0.0, 0.15])
def test_two_concurrent_posts_with_one_key_make_one_record(partner_user, gap):
    # given a create sent by two threads, `gap` seconds apart, with the same key
    body = _deal_body(ProductFactory())
    answers: list = []
    start = threading.Barrier(2)

    def post(delay: float) -> None:
        try:
            client = APIClient()
            client.force_authenticate(partner_user)
            start.wait()
            time.sleep(delay)
            answers.append(
                client.post("/api/v1/deals/", body, format="json", HTTP_IDEMPOTENCY_KEY="race")
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(d,)) for d in (0.0, gap)]
    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # then one deal; both answers are 201 with the same body, one of them replayed
    assert Deal.objects.count() == 1
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json() == answers[1].json()
    assert sorted(a.headers.get("Idempotent-Replayed", "") for a in answers) == ["", "true"]
