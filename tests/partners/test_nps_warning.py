"""NPS early warning (DESIGN §2.4): the colours at their thresholds, the quarterly job, the
manager's notification, the dashboard card, the list page and the API."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts.choices import Role
from core.models import Notification
from core.periods import Quarter
from partners import services
from partners.models import NpsWarning
from partners.rules import nps_warning_level

from ..conftest import login
from ..factories import PartnerFactory, PartnerUserFactory, staff
from .programme import answers

pytestmark = pytest.mark.django_db

Q3 = Quarter(2026, 3)


def nps(partner, quarter, value: int):
    """100 answers whose NPS is `value`: promoters (10) or detractors (0), the rest passive."""
    scores = [10] * max(value, 0) + [0] * max(-value, 0)
    answers(partner, str(quarter), scores + [7] * (100 - len(scores)))


@pytest.mark.parametrize(
    ("now", "previous", "level"),
    [
        (-1, None, "red"),  # below 0
        (0, None, "yellow"),  # not below 0, below 20
        (19, None, "yellow"),
        (20, None, "blue"),
        (30, 50, "red"),  # a drop of 20
        (30, 49, "yellow"),  # a drop of 19
        (30, 40, "yellow"),  # a drop of 10
        (30, 39, "blue"),  # a drop of 9
        (60, 10, "blue"),  # a rise
        (-5, 10, "red"),  # below 0 even with a small drop
        (15, 20, "yellow"),  # below 20 with a small drop
        (80, 100, "red"),  # a high NPS that drops 20
    ],
)
def test_nps_colours_at_the_thresholds(now, previous, level):
    assert nps_warning_level(nps=now, previous=previous) == level


def test_quarterly_run_grades_each_surveyed_partner_and_notifies_its_manager(manager):
    # given
    other_manager = staff(Role.CHANNEL_MANAGER)
    red = PartnerFactory(channel_manager=manager, legal_name="Falling Co")
    yellow = PartnerFactory(channel_manager=manager)
    blue = PartnerFactory(channel_manager=other_manager)
    silent = PartnerFactory(channel_manager=manager)  # no answers this quarter
    nps(red, Q3.previous(), 50)
    nps(red, Q3, 30)
    nps(yellow, Q3, 10)
    nps(blue, Q3.previous(), 40)
    nps(blue, Q3, 35)
    nps(silent, Q3.previous(), 40)
    # when
    summary = services.nps_warning_run(quarter=Q3)
    again = services.nps_warning_run(quarter=Q3)
    # then
    assert summary == {"red": 1, "yellow": 1, "blue": 1, "skipped": 0}
    assert again["skipped"] == 3 and again["red"] == 0
    warning = NpsWarning.objects.get(partner=red)
    assert (warning.level, warning.nps, warning.previous_nps, warning.change) == (
        "red",
        30,
        50,
        -20,
    )
    assert not NpsWarning.objects.filter(partner=silent).exists()
    notices = Notification.objects.filter(kind="partner.nps_warning")
    assert [n.recipient for n in notices] == [manager]  # once, for both; none for blue
    assert "2 of your partners" in notices[0].title


@pytest.fixture
def warned(manager):
    partner = PartnerFactory(channel_manager=manager, legal_name="Falling Co")
    for quarter, value in ((Q3.previous().previous(), 60), (Q3.previous(), 50), (Q3, 25)):
        nps(partner, quarter, value)
    services.nps_warning_run(quarter=Q3)
    return partner


def test_dashboard_card_lists_the_managers_warnings_with_the_trend(
    client, manager, warned, django_assert_max_num_queries
):
    # given: another manager's partner with a red warning too
    hidden = PartnerFactory(channel_manager=staff(Role.CHANNEL_MANAGER), legal_name="Hidden Co")
    nps(hidden, Q3, -40)
    services.nps_warning_run(quarter=Q3)
    login(client, manager)
    # when
    with django_assert_max_num_queries(80):
        response = client.get(reverse("core:dashboard"))
    # then
    body = response.content.decode()
    text = re.sub(r"<[^>]+>", "", body)
    assert "NPS warnings" in body
    assert "Falling Co" in body and "— → 60 → 50 → 25" in text
    assert "<polyline" in body
    assert "Hidden Co" not in body


def test_warning_list_page_filters_and_is_for_the_channel_team(client, manager, warned):
    login(client, manager)
    response = client.get(reverse("partners:nps_warning_list"), {"level": "red"})
    assert response.status_code == 200
    assert "Falling Co" in response.content.decode()
    response = client.get(reverse("partners:nps_warning_list"), {"level": "blue"})
    assert "Falling Co" not in response.content.decode()
    login(client, staff(Role.FINANCE))
    assert client.get(reverse("partners:nps_warning_list")).status_code == 403
    login(client, PartnerUserFactory(partner=warned))
    assert client.get(reverse("partners:nps_warning_list")).status_code == 403


def test_warning_api_reads_the_managed_partners_only(api_client, manager, warned):
    api_client.force_authenticate(manager)
    rows = api_client.get("/api/v1/partners/nps-warnings/").json()["results"]
    assert [(r["partner"], r["level"], r["change"]) for r in rows] == [(warned.pk, "red", -25)]
    api_client.force_authenticate(staff(Role.CHANNEL_MANAGER))
    assert api_client.get("/api/v1/partners/nps-warnings/").json()["results"] == []
    api_client.force_authenticate(PartnerUserFactory(partner=warned))
    assert api_client.get("/api/v1/partners/nps-warnings/").status_code == 403


def test_beat_grades_nps_each_quarter_and_the_task_takes_the_quarter_just_ended(
    settings, time_machine, manager
):
    from partners.tasks import nps_warning_run_task

    entry = settings.CELERY_BEAT_SCHEDULE["partners.nps-warning"]
    assert entry["task"] == "partners.tasks.nps_warning_run_task"
    assert entry["schedule"].month_of_year == {1, 4, 7, 10}
    time_machine.move_to("2026-10-02T04:00:00Z")
    nps(PartnerFactory(channel_manager=manager), Q3, -10)
    assert nps_warning_run_task()["red"] == 1
    assert NpsWarning.objects.get().quarter == "2026Q3"
