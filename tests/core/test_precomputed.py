"""Precomputed dashboard figures (DESIGN §8, §10): vendor-wide counts are read from the copy the
beat task stores each minute, never grouped per request; a channel manager's are live."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from core import precomputed
from core.schedules import SCHEDULE
from core.tasks import precomputed_figures_refresh_task
from deals.choices import DealStatus
from deals.models import Deal
from tests.conftest import login
from tests.deals.factories import DealFactory
from tests.factories import PartnerFactory, staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _own_cache(monkeypatch):
    """A cache of this test's own: parallel test workers clear the shared Redis between steps."""
    from django.core.cache.backends.locmem import LocMemCache

    monkeypatch.setattr(precomputed, "cache", LocMemCache("precomputed-tests", {}))


def submitted(partner, n=1):
    now = timezone.now()
    for deal in DealFactory.create_batch(n, partner=partner):
        Deal.objects.filter(pk=deal.pk).update(
            status=DealStatus.SUBMITTED, submitted_at=now, sla_due_at=now + datetime.timedelta(1)
        )


def test_a_stored_figure_is_read_without_a_query_until_the_refresh():
    partner = PartnerFactory()
    submitted(partner)
    value, as_of = precomputed.precomputed_value("deals.manager_stats")
    assert value["waiting"] == 1 and as_of <= timezone.now()
    submitted(partner)
    with CaptureQueriesContext(connection) as captured:
        again, _ = precomputed.precomputed_value("deals.manager_stats")
    assert len(captured) == 0 and again["waiting"] == 1
    assert "deals.manager_stats" in precomputed_figures_refresh_task()
    assert precomputed.precomputed_value("deals.manager_stats")[0]["waiting"] == 2


def test_every_registered_figure_is_refreshed_each_minute():
    entry = SCHEDULE["core.refresh-precomputed-figures"]
    assert entry["task"] == "core.tasks.precomputed_figures_refresh_task"
    assert entry["schedule"] == precomputed.REFRESH_SECONDS < precomputed.KEEP_SECONDS
    assert {"deals.manager_stats", "settlement.finance"} <= set(precomputed.precomputed_names())


def test_admin_dashboard_reads_the_precomputed_registrations(client):
    partner = PartnerFactory()
    submitted(partner, 2)
    admin = staff(role=Role.ADMIN)
    assert "Figures as of" in login(client, admin).get(reverse("core:dashboard")).text
    submitted(partner)
    # Within the minute the copy stands; the refresh brings the new registration in.
    assert precomputed.precomputed_value("deals.manager_stats")[0]["waiting"] == 2
    precomputed_figures_refresh_task()
    assert client.get(reverse("core:dashboard")).status_code == 200
    assert precomputed.precomputed_value("deals.manager_stats")[0]["waiting"] == 3


def test_channel_manager_counts_live_own_partners_only(client):
    manager = staff(role=Role.CHANNEL_MANAGER)
    submitted(PartnerFactory(channel_manager=manager))
    submitted(PartnerFactory(), 3)
    precomputed_figures_refresh_task()
    login(client, manager)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("core:dashboard")).status_code == 200
    # The manager's registrations are counted live, on the spot.
    assert [q for q in captured if '"deals_deal"."sla_due_at"' in q["sql"]]
    submitted(PartnerFactory(channel_manager=manager))
    from deals.selectors import deal_manager_stats_for

    assert deal_manager_stats_for(user=manager)["waiting"] == 2


@pytest.mark.parametrize("role", [Role.ADMIN, Role.CHANNEL_DIRECTOR, Role.FINANCE])
def test_staff_dashboard_queries_do_not_grow_with_rows(client, role, django_assert_max_num_queries):
    user = staff(role=role)
    login(client, user)
    partner = PartnerFactory()
    submitted(partner)
    precomputed_figures_refresh_task()
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("core:dashboard")).status_code == 200
    submitted(partner, 5)
    submitted(PartnerFactory(), 5)
    precomputed_figures_refresh_task()
    with django_assert_max_num_queries(len(few)):
        assert client.get(reverse("core:dashboard")).status_code == 200
    # No dashboard of a vendor-wide role groups the registrations: that is the beat's work.
    with CaptureQueriesContext(connection) as captured:
        client.get(reverse("core:dashboard"))
    assert not [q for q in captured if '"deals_deal"."sla_due_at"' in q["sql"]]


def test_partner_dashboard_queries_do_not_grow_with_rows(
    client, partner_user, django_assert_max_num_queries
):
    login(client, partner_user)
    submitted(partner_user.partner)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("core:dashboard")).status_code == 200
    submitted(partner_user.partner, 6)
    with django_assert_max_num_queries(len(few)):
        assert client.get(reverse("core:dashboard")).status_code == 200
