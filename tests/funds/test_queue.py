"""The MDF approval queue (DESIGN §7, §8.1): search and bulk decisions, each request through its own
approval matrix and audit row; failures reported per row."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.choices import Role
from core.models import AuditEvent
from funds.choices import RequestStatus
from tests.conftest import login
from tests.factories import PartnerFactory, PartnerUserFactory, staff

from .factories import allocation, submit

pytestmark = pytest.mark.django_db

BULK = reverse("funds:request_queue_bulk")


@pytest.fixture
def manager():
    return staff(Role.CHANNEL_MANAGER)


@pytest.fixture
def funded(manager):
    partner = PartnerFactory(channel_manager=manager)
    allocation(partner, "1000000.00")
    return partner


@pytest.fixture
def seller(funded):
    return PartnerUserFactory(partner=funded, role=Role.PARTNER_FINANCE)


def test_bulk_approve_reports_the_request_above_the_manager_limit(client, manager, funded, seller):
    # given two small requests and one above the channel manager's limit
    small = [submit(funded, seller, "1000.00", title=f"Salon {i}") for i in range(2)]
    large = submit(funded, seller, "50000.00", title="Summit")

    # when the manager bulk-approves the three
    response = login(client, manager).post(
        BULK, {"ids": [r.pk for r in [*small, large]], "decision": "approve"}
    )

    # then the two small ones are approved with an audit row each, the large one says why not
    for request in small:
        request.refresh_from_db()
        assert request.status == RequestStatus.APPROVED
    large.refresh_from_db()
    assert large.status == RequestStatus.SUBMITTED
    approved = AuditEvent.objects.filter(action="fund_request.approved")
    assert sorted(int(e.object_id) for e in approved) == sorted(r.pk for r in small)
    assert f'data-bulk-outcome="{large.pk}" data-ok="0"' in response.text
    assert "Your role cannot approve a request of this amount." in response.text


def test_bulk_reject_needs_one_note_and_records_it_on_each(client, manager, funded, seller):
    requests = [submit(funded, seller, "1000.00", title=f"Salon {i}") for i in range(2)]
    login(client, manager)

    refused = client.post(BULK, {"ids": [r.pk for r in requests], "decision": "reject"})
    assert refused.status_code == 400 and 'id="error-reason"' in refused.text

    client.post(
        BULK, {"ids": [r.pk for r in requests], "decision": "reject", "reason": "No budget"}
    )
    for request in requests:
        request.refresh_from_db()
        assert request.status == RequestStatus.REJECTED and request.decision_note == "No budget"
    assert AuditEvent.objects.filter(action="fund_request.rejected").count() == 2


def test_partner_user_cannot_bulk_decide(client, funded, seller):
    request = submit(funded, seller, "1000.00")
    other = PartnerUserFactory(role=Role.PARTNER_ADMIN)

    response = login(client, other).post(BULK, {"ids": [request.pk], "decision": "approve"})

    assert response.status_code in (403, 404)
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED


def test_queue_search_finds_a_new_request_and_shows_select_boxes(client, manager, funded, seller):
    submit(funded, seller, "1000.00", title="Old salon")
    new = submit(funded, seller, "1000.00", title="Brand new summit")

    response = login(client, manager).get(
        reverse("funds:request_queue"), {"q": "brand new", "sort": "-submitted"}
    )

    assert "Brand new summit" in response.text and "Old salon" not in response.text
    assert f'name="ids" value="{new.pk}"' in response.text


def test_queue_query_count_does_not_grow_with_rows(
    client, manager, funded, seller, django_assert_max_num_queries
):
    for i in range(20):
        submit(funded, seller, "100.00", title=f"Salon {i}")
    login(client, manager)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("funds:request_queue"))
    assert response.text.count('name="ids"') == 20


def test_api_bulk_decision_answers_per_id(manager, funded, seller):
    small = submit(funded, seller, "1000.00")
    large = submit(funded, seller, "50000.00")
    client = APIClient()
    client.force_authenticate(manager)

    response = client.post(
        "/api/v1/mdf/requests/bulk-decision/",
        {"ids": [small.pk, large.pk, 10**9], "decision": "approve"},
        format="json",
    )

    assert response.status_code == 200
    assert [(r["id"], r["ok"]) for r in response.json()["results"]] == [
        (small.pk, True),
        (large.pk, False),
        (10**9, False),
    ]
