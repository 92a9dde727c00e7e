"""Dashboard cards of the partners app (DESIGN §8) and specializations for lead matching (§2.2)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from accounts.choices import Role
from partners import services
from partners.models import Partner
from partners.selectors import partners_with_specialization

from ..factories import PartnerFactory, PartnerUserFactory, tier
from .factories import PartnerApplicationFactory
from .programme import Q3, certify, revenue

pytestmark = pytest.mark.django_db


# --- dashboard -----------------------------------------------------------------------------------


def test_manager_dashboard_shows_tiers_classes_applications_and_proposals(
    client, manager, django_assert_max_num_queries
):
    # given the manager's portfolio, an open application and a pending proposal
    PartnerFactory(tier=tier("gold"), classification="A", channel_manager=manager)
    PartnerFactory(tier=tier("gold"), classification="B", channel_manager=manager)
    PartnerFactory(tier=tier("diamond"), classification="A")  # someone else's partner
    PartnerApplicationFactory()
    upgrade = PartnerFactory(tier=tier("registered"), channel_manager=manager)
    revenue(upgrade, "1000000")
    certify(upgrade, total=2)
    services.tier_evaluation_run(quarter=Q3)
    client.force_login(manager)
    # when
    with django_assert_max_num_queries(40):
        page = client.get(reverse("core:dashboard")).content.decode()
    # then
    assert "Partners by tier and class" in page
    assert "Applications waiting" in page
    assert "Pending tier proposals" in page
    assert upgrade.legal_name in page


def test_partner_admin_sees_the_gap_to_the_next_tier(client, time_machine):
    # given a Silver partner with 1.5M revenue, 3 certified (none senior) and no survey
    time_machine.move_to(dt.datetime(2026, 9, 1, tzinfo=dt.UTC))
    partner = PartnerFactory(tier=tier("silver"))
    revenue(partner, "1500000", day="2026-07-10")
    certify(partner, total=3)
    admin = PartnerUserFactory(partner=partner, role=Role.PARTNER_ADMIN)
    client.force_login(admin)
    # when
    response = client.get(reverse("core:dashboard"))
    # then Gold needs 3.5M more revenue, 2 more certified, 1 senior and 20 NPS points
    card = response.context["widgets"]
    mine = next(c for c in card if c.get("template") == "partners/widgets/my_tier.html")
    assert mine["next_tier"].code == "gold"
    assert [(g["have"], g["need"], g["missing"]) for g in mine["gaps"]] == [
        (1500000, 5000000, 3500000),
        (3, 5, 2),
        (0, 1, 1),
        (0, 20, 20),
    ]
    assert "To reach Gold" in response.content.decode()


def test_partner_admin_dashboard_survives_sales_without_an_fx_rate(client, time_machine):
    # given sales in EUR and no EUR rate loaded
    time_machine.move_to(dt.datetime(2026, 9, 1, tzinfo=dt.UTC))
    partner = PartnerFactory(tier=tier("silver"), contract_currency="EUR")
    revenue(partner, "90000", day="2026-07-10", currency="EUR")
    certify(partner, total=3)
    client.force_login(PartnerUserFactory(partner=partner, role=Role.PARTNER_ADMIN))
    # when
    response = client.get(reverse("core:dashboard"))
    # then the card still shows, revenue unknown, the other gaps as usual
    assert response.status_code == 200
    mine = next(
        c
        for c in response.context["widgets"]
        if c.get("template") == "partners/widgets/my_tier.html"
    )
    assert mine["revenue_unknown"]
    assert [(g["have"], g["missing"]) for g in mine["gaps"]][:2] == [(None, None), (3, 2)]
    assert "without an exchange rate" in response.content.decode()


def test_top_tier_has_no_gap(client):
    admin = PartnerUserFactory(partner=PartnerFactory(tier=tier("diamond")))
    client.force_login(admin)
    assert "You hold the highest tier." in client.get(reverse("core:dashboard")).content.decode()


# --- specializations -----------------------------------------------------------------------------


def test_specializations_match_any_or_all_tags(manager):
    both = PartnerFactory(specializations=["healthcare", "smart retail"])
    retail = PartnerFactory(specializations=["smart retail"])
    PartnerFactory(specializations=["healthcare"], status="frozen")
    PartnerFactory(specializations=["education"])
    assert set(partners_with_specialization(user=manager, tags=[" Smart  Retail"])) == {
        both,
        retail,
    }
    assert list(
        partners_with_specialization(
            user=manager, tags=["healthcare", "smart retail"], match_all=True
        )
    ) == [both]
    assert not partners_with_specialization(user=manager, tags=[" "]).exists()


def test_specializations_are_scoped_for_partner_users(partner, other_partner):
    Partner.objects.filter(pk__in=[partner.pk, other_partner.pk]).update(
        specializations=["healthcare"]
    )
    user = PartnerUserFactory(partner=partner)
    assert list(partners_with_specialization(user=user, tags="healthcare")) == [partner]


def _profile(partner, **changes) -> dict:
    data = {
        "legal_name": partner.legal_name,
        "country": partner.country,
        "partner_type": partner.partner_type,
        "regions": partner.regions,
        "contract_currency": partner.contract_currency,
        "credit_limit": "100000.00",
        "specializations": "",
    }
    return data | changes


def test_staff_edit_specializations_normalised(client, manager):
    partner = PartnerFactory(channel_manager=manager)
    client.force_login(manager)
    response = client.post(
        reverse("partners:partner_edit", args=[partner.pk]),
        _profile(partner, specializations="Healthcare,  Smart   Retail, healthcare,"),
    )
    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.specializations == ["healthcare", "smart retail"]


def test_too_long_specialization_is_a_field_error(client, manager):
    partner = PartnerFactory(channel_manager=manager, specializations=["iot"])
    client.force_login(manager)
    response = client.post(
        reverse("partners:partner_edit", args=[partner.pk]),
        _profile(partner, specializations="x" * 41),
    )
    assert 'id="error-specializations"' in response.content.decode()
    partner.refresh_from_db()
    assert partner.specializations == ["iot"]


def test_partner_users_cannot_edit_specializations(client, partner_user, partner):
    client.force_login(partner_user)
    response = client.post(
        reverse("partners:partner_edit", args=[partner.pk]),
        _profile(partner, specializations="hacked"),
    )
    assert response.status_code == 404
    partner.refresh_from_db()
    assert "hacked" not in partner.specializations


def test_directory_filters_by_specialization(client, manager):
    wanted = PartnerFactory(specializations=["healthcare"])
    PartnerFactory(specializations=["education"])
    client.force_login(manager)
    response = client.get(reverse("partners:partner_list"), {"specialization": " HealthCare "})
    assert [p.pk for p in response.context["page"]] == [wanted.pk]
