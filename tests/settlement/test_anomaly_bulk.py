"""Bulk resolution of reconciliation anomalies (DESIGN §6.4, §8.1): one action and one note for the
selected rows, each resolved through its own service with its own audit row."""

import pytest
from django.urls import reverse

from accounts.choices import Role
from core.models import AuditEvent
from settlement import services
from settlement.choices import AnomalyKind, AnomalyState
from settlement.models import ReconciliationAnomaly
from tests.conftest import login
from tests.factories import PartnerFactory, staff

from .recon_factories import payment, run_matching

pytestmark = pytest.mark.django_db

BULK = reverse("settlement:anomaly_bulk_resolve")


@pytest.fixture
def finance():
    return staff(Role.FINANCE)


def open_anomalies(count: int) -> list[ReconciliationAnomaly]:
    partner = PartnerFactory()
    for i in range(count):
        payment(partner, f"{10 + i}.00", reference=f"NOWHERE-{i}")
    run_matching()
    return list(
        ReconciliationAnomaly.objects.filter(kind=AnomalyKind.PAYMENT_WITHOUT_ORDER).order_by("pk")
    )


def test_bulk_resolve_resolves_each_and_reports_the_closed_one(client, finance):
    # given three anomalies, one of them already resolved
    first, second, closed = open_anomalies(3)
    services.anomaly_resolve(anomaly=closed, actor=finance, action="accepted", note="Earlier")

    # when finance resolves the three with one action and note
    response = login(client, finance).post(
        BULK,
        {"ids": [first.pk, second.pk, closed.pk], "decision": "refund", "reason": "Refunded"},
    )

    # then the two open ones are resolved, one audit row each, and the closed one says so
    for anomaly in (first, second):
        anomaly.refresh_from_db()
        assert anomaly.state == AnomalyState.RESOLVED
        assert anomaly.resolution.note == "Refunded"
    resolved = AuditEvent.objects.filter(action="reconciliation.anomaly_resolved")
    assert sorted(int(e.object_id) for e in resolved) == sorted([first.pk, second.pk, closed.pk])
    assert f'data-bulk-outcome="{closed.pk}" data-ok="0"' in response.text
    assert "This anomaly is already closed." in response.text


def test_bulk_resolve_needs_a_note_and_a_known_action(client, finance):
    (anomaly,) = open_anomalies(1)
    login(client, finance)

    no_note = client.post(BULK, {"ids": [anomaly.pk], "decision": "refund"})
    bad_action = client.post(BULK, {"ids": [anomaly.pk], "decision": "shred", "reason": "x"})

    assert no_note.status_code == 400 and 'id="error-reason"' in no_note.text
    assert bad_action.status_code == 400 and 'id="error-decision"' in bad_action.text
    anomaly.refresh_from_db()
    assert anomaly.state == AnomalyState.OPEN


def test_channel_manager_cannot_bulk_resolve(client):
    (anomaly,) = open_anomalies(1)

    response = login(client, staff(Role.CHANNEL_MANAGER)).post(
        BULK, {"ids": [anomaly.pk], "decision": "refund", "reason": "x"}
    )

    assert response.status_code == 403
    anomaly.refresh_from_db()
    assert anomaly.state == AnomalyState.OPEN


def test_queue_offers_open_rows_for_selection_at_a_fixed_query_count(
    client, finance, django_assert_max_num_queries
):
    anomalies = open_anomalies(12)
    login(client, finance)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("settlement:anomaly_list"), {"state": "open"})
    assert response.text.count('name="ids"') == len(anomalies)
