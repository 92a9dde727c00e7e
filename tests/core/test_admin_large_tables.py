"""The admin's windows on the biggest tables (DESIGN §10): the audit log and the notifications are
browsed without counting or scanning every row — an estimated pager, filters whose choices come
from an index walk or from the declared kinds — and still show and filter the right rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

import core.admin
from accounts.choices import Role
from core.audit import audit_record
from core.models import AuditEvent
from core.notifications import notification_kinds, notify
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(role=Role.ADMIN, is_superuser=True, email="root@vendor.test"))
    return client


def _counts_of(captured, table: str) -> list[str]:
    return [
        q["sql"]
        for q in captured
        if "COUNT(" in q["sql"].upper() and f'"{table}"' in q["sql"] and "WHERE" not in q["sql"]
    ]


def _analyze(table: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'ANALYZE "{table}"')


def test_a_big_audit_log_is_paged_on_the_estimate_without_counting_it(admin_client, monkeypatch):
    actor = UserFactory(role=Role.ADMIN)
    for n in range(60):
        audit_record(
            actor=actor, action="deal.approved" if n % 2 else "partner.frozen", note=str(n)
        )
    _analyze("core_auditevent")
    # The table stands for one of millions: its estimate is trusted above 10 rows here.
    monkeypatch.setattr(core.admin, "ESTIMATE_TRUSTED_ABOVE", 10)

    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get("/admin/core/auditevent/")

    assert response.status_code == 200
    assert _counts_of(queries.captured_queries, "core_auditevent") == []
    assert not any("DISTINCT" in q["sql"] for q in queries.captured_queries)
    shown = response.context["cl"]
    assert shown.result_count >= 30  # the planner's estimate of 60 rows, not a count
    assert len(shown.result_list) == min(60, shown.list_per_page)


def test_a_small_table_still_counts_exactly(admin_client):
    actor = UserFactory(role=Role.ADMIN)
    for n in range(3):
        audit_record(actor=actor, action="deal.approved", note=str(n))
    response = admin_client.get("/admin/core/auditevent/")
    assert response.context["cl"].result_count == AuditEvent.objects.count()


def test_the_action_filter_offers_each_recorded_action_once_and_filters_by_it(admin_client):
    actor = UserFactory(role=Role.ADMIN)
    for action in ["deal.approved", "deal.approved", "partner.frozen", "deal.rejected"]:
        audit_record(actor=actor, action=action)

    response = admin_client.get("/admin/core/auditevent/")
    [action_filter] = response.context["cl"].filter_specs
    offered = [value for value, _label in action_filter.lookup_choices]
    assert len(offered) == len(set(offered))
    assert set(offered) == {"deal.approved", "deal.rejected", "partner.frozen"} | set(
        AuditEvent.objects.values_list("action", flat=True)
    )

    filtered = admin_client.get("/admin/core/auditevent/?action=partner.frozen")
    rows = filtered.context["cl"].result_list
    assert [row.action for row in rows] == ["partner.frozen"]


def test_the_notification_kinds_come_from_the_declared_kinds_and_filter(admin_client):
    alice = UserFactory(role=Role.ADMIN)
    notify(recipients=[alice], kind="deal.approved", title="one", email=False)
    notify(recipients=[alice], kind="mdf.decision", title="two", email=False)

    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get("/admin/core/notification/")
    assert response.status_code == 200
    assert not any("DISTINCT" in q["sql"] for q in queries.captured_queries)
    [kind_filter] = response.context["cl"].filter_specs
    assert {value for value, _label in kind_filter.lookup_choices} == set(notification_kinds())
    # Newest first.
    assert [n.title for n in response.context["cl"].result_list][:2] == ["two", "one"]

    filtered = admin_client.get("/admin/core/notification/?kind=mdf.decision")
    assert [n.kind for n in filtered.context["cl"].result_list] == ["mdf.decision"]
