"""Dashboard cards (DESIGN §8): partner stages and expiring protections; manager queue, SLA
breaches, conflicts, win rate and funnel."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from deals.choices import DealStatus
from deals.models import Deal
from deals.selectors import deal_manager_stats_for
from tests.conftest import login
from tests.factories import PartnerFactory, staff

from .factories import DealFactory

pytestmark = pytest.mark.django_db


def deal_in(status, partner, **fields):
    deal = DealFactory(partner=partner)
    Deal.objects.filter(pk=deal.pk).update(status=status, **fields)
    deal.refresh_from_db()
    return deal


def test_partner_card_shows_stages_and_protections_ending_within_14_days(
    client, partner_user, other_partner
):
    now = timezone.now()
    soon = deal_in(
        DealStatus.APPROVED,
        partner_user.partner,
        project_name="Ends soon",
        protection_ends_at=now + datetime.timedelta(days=13),
    )
    deal_in(
        DealStatus.APPROVED,
        partner_user.partner,
        project_name="Ends later",
        protection_ends_at=now + datetime.timedelta(days=40),
    )
    deal_in(
        DealStatus.APPROVED,
        other_partner,
        project_name="Not ours",
        protection_ends_at=now + datetime.timedelta(days=3),
    )
    response = login(client, partner_user).get(reverse("core:dashboard"))
    assert response.status_code == 200
    assert soon.project_name in response.text
    assert "Ends later" not in response.text
    assert "Not ours" not in response.text
    assert "Protections expiring within 14 days" in response.text


def test_manager_stats_count_only_managed_partners():
    manager = staff()
    mine = PartnerFactory(channel_manager=manager)
    theirs = PartnerFactory()
    now = timezone.now()
    deal_in(
        DealStatus.SUBMITTED, mine, submitted_at=now, sla_due_at=now - datetime.timedelta(hours=1)
    )
    deal_in(
        DealStatus.IN_CONFLICT, mine, submitted_at=now, sla_due_at=now + datetime.timedelta(days=1)
    )
    deal_in(DealStatus.WON, mine, submitted_at=now)
    deal_in(DealStatus.WON, mine, submitted_at=now)
    deal_in(DealStatus.LOST, mine, submitted_at=now)
    deal_in(DealStatus.DRAFT, mine)
    deal_in(
        DealStatus.SUBMITTED, theirs, submitted_at=now, sla_due_at=now - datetime.timedelta(days=3)
    )
    stats = deal_manager_stats_for(user=manager)
    assert (stats["waiting"], stats["sla_breaches"], stats["conflicts"]) == (2, 1, 1)
    assert stats["win_rate"] == 67
    assert [(s["key"], s["count"], s["percent"]) for s in stats["funnel"]] == [
        ("registered", 5, 100),
        ("approved", 3, 60),
        ("won", 2, 40),
    ]


def test_manager_dashboard_renders_the_funnel_without_scripts(
    client, django_assert_max_num_queries
):
    director = staff(Role.CHANNEL_DIRECTOR)
    for _ in range(5):
        deal_in(DealStatus.WON, PartnerFactory(), submitted_at=timezone.now())
    login(client, director)
    response = client.get(reverse("core:dashboard"))
    assert response.status_code == 200
    assert 'aria-label="Pipeline funnel"' in response.text
    assert "Approval SLA breaches" in response.text
    assert "100%" in response.text
