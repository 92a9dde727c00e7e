import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from tests.factories import PartnerFactory, PartnerUserFactory, tier
from training import selectors
from training.choices import Level

from .factories import CertificationFactory, CourseFactory

pytestmark = pytest.mark.django_db


def test_partner_admin_sees_gap_to_next_tier_and_expiring(client):
    # given a Silver partner (next: Gold needs 5 incl. 1 senior)
    partner = PartnerFactory(tier=tier("silver"))
    admin = PartnerUserFactory(partner=partner, role=Role.PARTNER_ADMIN)
    today = timezone.localdate()
    for _ in range(2):
        CertificationFactory(user=PartnerUserFactory(partner=partner, role=Role.PARTNER_SALES))
    soon = CertificationFactory(
        user=PartnerUserFactory(
            partner=partner, role=Role.PARTNER_SALES, full_name="Soon Expiring"
        ),
        issued_on=today - dt.timedelta(days=700),
        expires_on=today + dt.timedelta(days=20),
    )
    client.force_login(admin)
    # when
    response = client.get(reverse("training:coverage"))
    # then
    assert response.status_code == 200
    assert response.context["next_tier"].code == "gold"
    assert response.context["counts"] == {"total": 3, "junior": 3, "mid": 0, "senior": 0}
    assert response.context["missing_total"] == 2
    assert response.context["missing_senior"] == 1
    assert [c.pk for c in response.context["expiring"]] == [soon.pk]
    assert "Soon Expiring" in response.content.decode()


def test_coverage_page_only_for_partner_admins(client, partner):
    sales = PartnerUserFactory(partner=partner, role=Role.PARTNER_SALES)
    client.force_login(sales)
    assert client.get(reverse("training:coverage")).status_code == 403


def test_staff_coverage_report_fixed_query_count(client, manager, django_assert_max_num_queries):
    senior = CourseFactory(level=Level.SENIOR)
    for _ in range(5):
        partner = PartnerFactory()
        for _ in range(2):
            CertificationFactory(user=PartnerUserFactory(partner=partner), course=senior)
    client.force_login(manager)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("training:coverage_report"))
    rows = list(response.context["page"].object_list)
    assert len(rows) == 5
    assert {(r.certified, r.senior_certified) for r in rows} == {(2, 2)}
    # silver partners are measured against gold next
    assert {r.next_tier.code for r in rows} == {"gold"}
    assert "2 / 5" in response.content.decode()


def test_staff_coverage_report_refused_to_partner_users(client, partner_user):
    client.force_login(partner_user)
    assert client.get(reverse("training:coverage_report")).status_code == 403


def test_dashboard_shows_coverage_card_for_partner_admin(client, partner_user):
    client.force_login(partner_user)
    response = client.get(reverse("core:dashboard"))
    assert response.status_code == 200
    assert "certified staff" in response.content.decode()


def test_staff_dashboard_card_counts_partners_below_requirement(client, manager):
    # given a silver partner (needs 2) with 2 certified and one with 1, one expiring soon
    ok, short = PartnerFactory(tier=tier("silver")), PartnerFactory(tier=tier("silver"))
    for _ in range(2):
        CertificationFactory(user=PartnerUserFactory(partner=ok))
    today = timezone.localdate()
    CertificationFactory(
        user=PartnerUserFactory(partner=short),
        issued_on=today - dt.timedelta(days=700),
        expires_on=today + dt.timedelta(days=30),
    )
    client.force_login(manager)
    response = client.get(reverse("core:dashboard"))
    assert response.status_code == 200
    card = selectors.coverage_summary_for(user=manager)
    assert card == {"below": 1, "partners": 2, "expiring": 1}
    assert 'id="coverage-below">1<' in response.content.decode()


def test_partner_sales_dashboard_shows_own_certifications_expiring_soon(client, partner):
    sales = PartnerUserFactory(partner=partner, role=Role.PARTNER_SALES)
    today = timezone.localdate()
    CertificationFactory(
        user=sales,
        issued_on=today - dt.timedelta(days=700),
        expires_on=today + dt.timedelta(days=10),
    )
    CertificationFactory(user=PartnerUserFactory(partner=partner, role=Role.PARTNER_SALES))
    client.force_login(sales)
    response = client.get(reverse("core:dashboard"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "My certifications" in page and "Expires soon" in page
    assert len(re.findall(r"/training/certifications/\d+/", page)) == 1
