"""Finance pages and API of reconciliation: runs, results, the anomaly queue (DESIGN §6.4)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.choices import Role
from core.models import AuditEvent, JobStatus
from settlement import services
from settlement.choices import AnomalyKind, AnomalyState, ResolutionAction
from settlement.models import AnomalyResolution, ReconciliationAnomaly, ReconciliationRun
from settlement.tasks import reconciliation_nightly_task
from tests.factories import PartnerFactory, staff

from .recon_factories import delivery, order, payment, run_matching

pytestmark = pytest.mark.django_db

FINANCE_PAGES = [
    ("settlement:reconciliation_run_list", False),
    ("settlement:reconciliation_orders", False),
    ("settlement:anomaly_list", False),
]


def open_anomaly(partner) -> ReconciliationAnomaly:
    payment(partner, "12.00", reference="NOWHERE")
    run_matching()
    return ReconciliationAnomaly.objects.get(kind=AnomalyKind.PAYMENT_WITHOUT_ORDER)


def test_finance_starts_a_run_and_watches_it_finish(client, finance_user, partner, committed):
    # given
    order(partner, "100.00", reference="SO-1")
    payment(partner, "100.00", reference="SO-1")
    delivery(partner, "5.00", order_reference="NOPE")
    client.force_login(finance_user)
    # when (the Celery tasks run in-process after commit)
    with committed():
        response = client.post(reverse("settlement:reconciliation_run_start"))
    # then
    run = ReconciliationRun.objects.get()
    assert response.url == reverse("settlement:reconciliation_run", args=[run.pk])
    assert run.is_finished and run.job.status == JobStatus.SUCCEEDED
    page = client.get(response.url)
    assert page.context["summary"]["matches"] == {"reference": 1}
    assert page.context["summary"]["anomalies"] == {"delivery_without_order": 1}
    partial = client.get(response.url, HTTP_HX_REQUEST="true")
    assert b"hx-trigger" not in partial.content  # finished: the page stops polling
    assert finance_user.notifications.filter(kind="reconciliation.anomalies").exists()


def test_the_nightly_task_starts_a_run_that_fans_out_and_finishes(partner, committed):
    # given a payment that matches no order
    payment(partner, "12.00", reference="NOWHERE")
    # when the nightly task runs (the fan-out and its chunks run in-process after commit)
    with committed():
        run_id = reconciliation_nightly_task()
    # then the run, started by nobody, matched every chunk and raised the anomaly
    run = ReconciliationRun.objects.get(pk=run_id)
    assert run.started_by is None and run.is_finished
    assert run.chunks_done == run.chunks > 0
    assert ReconciliationAnomaly.objects.filter(run=run, state=AnomalyState.OPEN).count() == 1


def test_running_page_polls_with_htmx(client, finance_user):
    run = services.reconciliation_run_start(actor=finance_user)
    client.force_login(finance_user)
    response = client.get(reverse("settlement:reconciliation_run", args=[run.pk]))
    assert b'hx-trigger="every 1s"' in response.content


@pytest.mark.parametrize("role", [Role.CHANNEL_MANAGER, Role.PARTNER_ADMIN, Role.PARTNER_FINANCE])
@pytest.mark.parametrize("name", [name for name, _ in FINANCE_PAGES])
def test_pages_are_for_finance_only(client, partner, role, name):
    user = staff(role, partner=partner if role.startswith("partner") else None)
    client.force_login(user)
    assert client.get(reverse(name)).status_code == 403


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("settlement:anomaly_list"))
    assert response.status_code == 302 and "/login" in response.url


def test_partner_cannot_start_a_run_or_resolve(client, partner, partner_user):
    anomaly = open_anomaly(partner)
    client.force_login(partner_user)
    assert client.post(reverse("settlement:reconciliation_run_start")).status_code == 403
    response = client.post(
        reverse("settlement:anomaly_resolve", args=[anomaly.pk]),
        {"action": "accepted", "note": "mine"},
    )
    assert response.status_code == 403
    anomaly.refresh_from_db()
    assert anomaly.state == AnomalyState.OPEN
    with pytest.raises(ValidationError):
        services.anomaly_resolve(anomaly=anomaly, actor=partner_user, action="accepted", note="x")


def test_resolve_through_htmx_swaps_the_row(client, finance_user, partner):
    # given
    anomaly = open_anomaly(partner)
    client.force_login(finance_user)
    # when
    response = client.post(
        reverse("settlement:anomaly_resolve", args=[anomaly.pk]),
        {"action": ResolutionAction.REFUND, "note": "Refunded on 12 July"},
        HTTP_HX_REQUEST="true",
    )
    # then
    assert response.status_code == 200
    assert response.content.decode().startswith(f'<tr id="anomaly-{anomaly.pk}"')
    assert "Refunded on 12 July" in response.content.decode()
    anomaly.refresh_from_db()
    assert anomaly.state == AnomalyState.RESOLVED and anomaly.closed_at
    assert anomaly.resolution.actor == finance_user
    assert AuditEvent.objects.filter(action="reconciliation.anomaly_resolved").count() == 1


def test_resolve_without_a_note_shows_the_field_error_and_changes_nothing(
    client, finance_user, partner
):
    anomaly = open_anomaly(partner)
    client.force_login(finance_user)
    response = client.post(
        reverse("settlement:anomaly_resolve", args=[anomaly.pk]),
        {"action": "nonsense", "note": ""},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert b'id="error-note"' in response.content and b'id="error-action"' in response.content
    anomaly.refresh_from_db()
    assert anomaly.state == AnomalyState.OPEN
    assert AnomalyResolution.objects.count() == 0


def test_an_anomaly_is_resolved_once_and_resolutions_are_append_only(finance_user, partner):
    anomaly = open_anomaly(partner)
    services.anomaly_resolve(anomaly=anomaly, actor=finance_user, action="accepted", note="ok")
    with pytest.raises(ValidationError):
        services.anomaly_resolve(anomaly=anomaly, actor=finance_user, action="refund", note="again")
    with pytest.raises(IntegrityError), transaction.atomic():
        AnomalyResolution.objects.update(note="rewritten")
    with pytest.raises(IntegrityError), transaction.atomic():
        ReconciliationAnomaly.objects.filter(pk=anomaly.pk).update(state=AnomalyState.OPEN)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReconciliationAnomaly.objects.all().delete()


def test_queue_filters_with_a_fixed_query_count(
    client, finance_user, django_assert_max_num_queries
):
    # given anomalies of every kind for several partners
    for _ in range(3):
        p = PartnerFactory()
        order(p, "100.00", reference=f"SO-{p.pk}")
        payment(p, "100.00", reference=f"SO-{p.pk}")
        payment(p, "100.00", reference=f"SO-{p.pk}")
        delivery(p, "9.00", order_reference="NONE")
        payment(p, "7.00")
    run_matching()
    assert ReconciliationAnomaly.objects.count() == 12
    client.force_login(finance_user)
    # when / then
    with django_assert_max_num_queries(12):
        response = client.get(reverse("settlement:anomaly_list"))
    assert len(response.context["page"].object_list) == 12
    with django_assert_max_num_queries(12):
        response = client.get(
            reverse("settlement:anomaly_list"), {"kind": AnomalyKind.DUPLICATE_PAYMENT}
        )
    assert len(response.context["page"].object_list) == 3
    with django_assert_max_num_queries(12):
        response = client.get(reverse("settlement:reconciliation_orders"), {"status": "overpaid"})
    assert len(response.context["page"].object_list) == 3


def test_bad_filters_are_field_errors_not_500(client, finance_user):
    client.force_login(finance_user)
    response = client.get(reverse("settlement:anomaly_list"), {"kind": "nope", "state": "x"})
    assert response.status_code == 200
    assert response.context["listing"].filterset.form.errors["kind"]
    response = client.get(reverse("settlement:reconciliation_orders"), {"status": "nope"})
    assert response.status_code == 200
    assert response.context["listing"].filterset.form.errors["status"]


def test_unknown_anomaly_is_404(client, finance_user):
    client.force_login(finance_user)
    response = client.post(reverse("settlement:anomaly_resolve", args=[999999]), {})
    assert response.status_code == 404


# --- API ---------------------------------------------------------------------------------------
def test_api_is_for_finance_only(api_client, partner, partner_user):
    anomaly = open_anomaly(partner)
    api_client.force_authenticate(partner_user)
    for url in (
        "/api/v1/settlement/anomalies/",
        f"/api/v1/settlement/anomalies/{anomaly.pk}/",
        "/api/v1/settlement/orders/",
        "/api/v1/settlement/reconciliation-runs/",
    ):
        assert api_client.get(url).status_code == 403
    response = api_client.post(
        f"/api/v1/settlement/anomalies/{anomaly.pk}/resolve/", {"action": "accepted", "note": "x"}
    )
    assert response.status_code == 403
    api_client.force_authenticate(None)
    assert api_client.get("/api/v1/settlement/anomalies/").status_code in (401, 403)


def test_api_lists_and_resolves_with_field_errors(api_client, finance_user, partner):
    anomaly = open_anomaly(partner)
    api_client.force_authenticate(finance_user)
    listed = api_client.get("/api/v1/settlement/anomalies/", {"state": "open"}).json()
    assert [a["id"] for a in listed["results"]] == [anomaly.pk]
    assert listed["results"][0]["payment_transaction"] == anomaly.payment.transaction_id
    bad = api_client.post(
        f"/api/v1/settlement/anomalies/{anomaly.pk}/resolve/", {"action": "x"}, format="json"
    )
    assert bad.status_code == 400 and set(bad.json()) == {"action", "note"}
    good = api_client.post(
        f"/api/v1/settlement/anomalies/{anomaly.pk}/resolve/",
        {"action": "corrected", "note": "Bank re-booked it"},
        format="json",
    )
    assert good.status_code == 200
    assert good.json()["state"] == "resolved"
    assert good.json()["resolution"]["action"] == "corrected"
    again = api_client.post(
        f"/api/v1/settlement/anomalies/{anomaly.pk}/resolve/",
        {"action": "corrected", "note": "twice"},
        format="json",
    )
    assert again.status_code == 400


def test_api_starts_a_run_and_lists_orders_by_status(api_client, finance_user, partner, committed):
    order(partner, "100.00", reference="SO-1")
    payment(partner, "40.00", reference="SO-1")
    api_client.force_authenticate(finance_user)
    with committed():
        response = api_client.post("/api/v1/settlement/reconciliation-runs/")
    assert response.status_code == 201
    run = api_client.get(f"/api/v1/settlement/reconciliation-runs/{response.json()['id']}/")
    assert run.json()["finished_at"] is not None
    orders = api_client.get("/api/v1/settlement/orders/", {"status": "partially_paid"}).json()
    assert [o["reference"] for o in orders["results"]] == ["SO-1"]


def test_orders_page_and_api_filter_and_sort_alike(client, api_client, finance_user, partner):
    from settlement.models import Order

    for n, day in enumerate(("2026-10-01", "2026-11-01", "2026-12-01"), start=1):
        Order.objects.create(
            partner=partner, reference=f"PO-LIST-{n}", order_date=day, amount="100", currency="CNY"
        )
    query = {"order_date_after": "2026-10-15", "sort": "date"}
    client.force_login(finance_user)
    page = client.get(reverse("settlement:reconciliation_orders"), query)
    shown = [o.reference for o in page.context["page"].object_list]
    api_client.force_authenticate(finance_user)
    listed = api_client.get("/api/v1/settlement/orders/", query).json()["results"]
    assert shown == ["PO-LIST-2", "PO-LIST-3"]
    assert [o["reference"] for o in listed] == shown
    export = client.get(reverse("core:export", args=["orders"]), {"format": "csv", **query})
    assert "PO-LIST-1" not in export.getvalue().decode("utf-8-sig")


def test_api_bulk_resolve_runs_each_anomaly_through_its_service(api_client, finance_user, partner):
    # given two open anomalies and one already resolved
    payment(partner, "12.00", reference="NOWHERE-1")
    payment(partner, "13.00", reference="NOWHERE-2")
    payment(partner, "14.00", reference="NOWHERE-3")
    run_matching()
    first, second, third = ReconciliationAnomaly.objects.order_by("pk")
    services.anomaly_resolve(
        anomaly=third, actor=finance_user, action=ResolutionAction.ACCEPTED, note="earlier"
    )
    api_client.force_authenticate(finance_user)
    url = "/api/v1/settlement/anomalies/bulk-resolve/"
    body = {"ids": [first.pk, second.pk, third.pk], "decision": "refund", "reason": "Credit note"}
    # when finance resolves the three with one action and one note
    response = api_client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="bulk-recon-1")
    # then two are resolved, each with its own resolution row; the third says why not
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["succeeded"], data["failed"]) == (2, 1)
    assert [r["ok"] for r in data["results"]] == [True, True, False]
    assert AnomalyResolution.objects.filter(action=ResolutionAction.REFUND).count() == 2
    assert set(ReconciliationAnomaly.objects.values_list("state", flat=True)) == {
        AnomalyState.RESOLVED
    }
    # and a retry with the same key answers the same result without resolving twice
    again = api_client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="bulk-recon-1")
    assert again.json() == data
    assert AnomalyResolution.objects.count() == 3


def test_api_bulk_resolve_needs_a_note_and_an_action(api_client, finance_user, partner):
    anomaly = open_anomaly(partner)
    api_client.force_authenticate(finance_user)
    url = "/api/v1/settlement/anomalies/bulk-resolve/"
    response = api_client.post(
        url,
        {"ids": [anomaly.pk], "decision": "refund"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="bulk-recon-2",
    )
    assert response.status_code == 400 and "reason" in response.json()
    response = api_client.post(
        url,
        {"ids": [anomaly.pk], "decision": "approve", "reason": "x"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="bulk-recon-3",
    )
    assert response.status_code == 400 and "decision" in response.json()
    assert not AnomalyResolution.objects.exists()
