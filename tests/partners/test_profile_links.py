"""The partner page (staff) and "My company" link to the partner's agreements, credit limits and
exposure and business reports, scoped like those lists; the lists narrowed to one partner by
`?partner=` answer 404 for a company the user may not see. Query counts stay fixed."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.choices import Role
from partners import services
from partners.choices import PartnerType, ScorecardKind
from partners.models import BusinessReport, CreditApplication, TierChange

from ..factories import PartnerFactory, PartnerUserFactory, staff, tier
from .factories import agreement_in

pytestmark = pytest.mark.django_db
LISTS = ["partners:agreement_list", "partners:credit_list", "partners:report_list"]


@pytest.fixture
def managed(manager, partner):
    partner.channel_manager = manager
    partner.save()
    return partner


def _report(partner, user, month):
    return BusinessReport.objects.create(
        partner=partner,
        month=month,
        pipeline="x",
        submitted_by=user,
        submitted_at=datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC),
    )


def _credit(partner, user, amount="5000", status="submitted"):
    return CreditApplication.objects.create(
        partner=partner,
        status=status,
        kind="normal",
        amount=Decimal(amount),
        currency="CNY",
        justification="x",
        requested_by=user,
    )


def _fill(partner, *, times: int, manager):
    """`times` agreements, reports, credit applications, scorecards and tier changes."""
    finance = PartnerUserFactory(partner=partner, role=Role.PARTNER_FINANCE)
    for n in range(times):
        agreement_in("active" if n == 0 else "expired", partner=partner)
        _report(partner, finance, datetime.date(2025, 1 + n, 1))
        _credit(partner, finance, status="submitted" if n == 0 else "withdrawn")
        services.scorecard_evaluate(
            partner=partner, actor=manager, kind=ScorecardKind.ON_DEMAND, reason=f"r{n}"
        )
        TierChange.objects.create(
            partner=partner, from_tier=tier("registered"), to_tier=tier("silver"), figures={}
        )


def test_staff_page_links_to_the_partners_lists_and_shows_exposure(client, manager, managed):
    # given an active agreement, a business report and a credit application of the partner
    finance = PartnerUserFactory(partner=managed, role=Role.PARTNER_FINANCE)
    agreement = agreement_in("active", partner=managed)
    report = _report(managed, finance, datetime.date(2026, 5, 1))
    _credit(managed, finance)
    client.force_login(manager)
    # when the channel manager opens the partner page
    response = client.get(reverse("partners:partner_detail", args=[managed.pk]))
    # then it shows the agreement in force, the exposure and the latest report, with links
    html = response.content.decode()
    relationship = response.context["relationship"]
    assert relationship["agreements"]["in_force"] == agreement
    assert relationship["latest_report"] == report
    assert relationship["credit_open"] == 1
    assert relationship["exposure"]["limit"] == managed.credit_limit
    for name in LISTS:
        assert f'{reverse(name)}?partner={managed.pk}"' in html
    assert reverse("partners:agreement_detail", args=[agreement.pk]) in html
    assert reverse("partners:report_detail", args=[report.pk]) in html


def test_staff_lists_narrowed_to_the_partner(client, manager, managed, other_partner):
    finance = PartnerUserFactory(partner=managed, role=Role.PARTNER_FINANCE)
    other_finance = PartnerUserFactory(partner=other_partner, role=Role.PARTNER_FINANCE)
    agreement_in("active", partner=managed)
    agreement_in("active", partner=other_partner)
    _report(managed, finance, datetime.date(2026, 5, 1))
    _credit(managed, finance)
    _credit(other_partner, other_finance)
    client.force_login(manager)
    for name in LISTS:
        response = client.get(reverse(name), {"partner": managed.pk})
        assert response.status_code == 200, name
        rows = list(response.context["page"].object_list)
        assert rows and {row.partner_id for row in rows} == {managed.pk}, name
        assert response.context["partner_filter"] == managed
    credit = client.get(reverse("partners:credit_list"), {"partner": managed.pk})
    assert credit.context["exposure"]["currency"] == managed.contract_currency


def test_a_bad_partner_filter_is_404(client, manager):
    client.force_login(manager)
    for name in LISTS:
        assert client.get(reverse(name), {"partner": "abc"}).status_code == 404
        assert client.get(reverse(name), {"partner": 999999}).status_code == 404


def test_partner_user_naming_another_company_gets_404(client, partner_user, other_partner, partner):
    # a distributor's admin may read its dealer's profile, but not the dealer's lists
    partner.partner_type = PartnerType.DISTRIBUTOR
    partner.save()
    dealer = PartnerFactory(parent=partner)
    client.force_login(partner_user)
    for name in LISTS:
        assert client.get(reverse(name), {"partner": other_partner.pk}).status_code == 404
        assert client.get(reverse(name), {"partner": dealer.pk}).status_code == 404
        assert client.get(reverse(name), {"partner": partner.pk}).status_code == 200
    response = client.get(reverse("partners:partner_detail", args=[dealer.pk]))
    assert response.status_code == 200
    assert response.context["relationship"] == {}
    assert "?partner=" not in response.content.decode()


def test_my_company_links_to_own_lists_for_the_partner_admin(client, partner, partner_user):
    agreement = agreement_in("active", partner=partner)
    client.force_login(partner_user)
    response = client.get(reverse("partners:my_company"))
    html = response.content.decode()
    assert set(response.context["relationship"]) == {
        "agreements",
        "exposure",
        "credit_open",
        "latest_report",
    }
    for name in LISTS:
        assert f'href="{reverse(name)}"' in html
    assert "?partner=" not in html
    assert reverse("partners:agreement_detail", args=[agreement.pk]) in html


def test_partner_sales_gets_no_agreements_or_credit(client, partner):
    agreement_in("active", partner=partner)
    sales = PartnerUserFactory(partner=partner, role=Role.PARTNER_SALES)
    client.force_login(sales)
    response = client.get(reverse("partners:my_company"))
    assert set(response.context["relationship"]) == {"latest_report"}
    html = response.content.decode()
    assert reverse("partners:agreement_list") not in html
    assert reverse("partners:credit_list") not in html
    assert reverse("partners:report_list") in html


def test_partner_finance_sees_credit_and_agreements(client, partner):
    finance = PartnerUserFactory(partner=partner, role=Role.PARTNER_FINANCE)
    client.force_login(finance)
    response = client.get(reverse("partners:my_company"))
    assert {"agreements", "exposure"} <= set(response.context["relationship"])


def test_reports_only_for_the_channel_team_that_manages_the_partner(client, partner):
    # legal and finance staff get agreements and credit, not business reports
    for role in (Role.LEGAL, Role.FINANCE):
        client.force_login(staff(role))
        response = client.get(reverse("partners:partner_detail", args=[partner.pk]))
        assert set(response.context["relationship"]) == {"agreements", "exposure", "credit_open"}
    # a channel manager of other partners: no link to a list that would be empty
    client.force_login(staff(Role.CHANNEL_MANAGER))
    response = client.get(reverse("partners:partner_detail", args=[partner.pk]))
    assert response.status_code == 200
    assert "latest_report" not in response.context["relationship"]
    assert f"{reverse('partners:report_list')}?partner=" not in response.content.decode()


def test_profile_shows_latest_scorecard_class_and_tier_history(client, manager, managed):
    services.scorecard_evaluate(
        partner=managed, actor=manager, kind=ScorecardKind.ON_DEMAND, reason="incident"
    )
    latest = services.scorecard_evaluate(
        partner=managed, actor=manager, kind=ScorecardKind.ON_DEMAND, reason="again"
    )
    TierChange.objects.create(
        partner=managed, from_tier=tier("registered"), to_tier=tier("silver"), figures={}
    )
    client.force_login(manager)
    response = client.get(reverse("partners:partner_detail", args=[managed.pk]))
    html = response.content.decode()
    assert response.context["latest_scorecard"] == latest
    assert reverse("partners:scorecard_detail", args=[latest.pk]) in html
    assert f"score {latest.total} ({latest.year})" in html
    assert 'id="tier-history"' in html and "Silver" in html


@pytest.mark.parametrize("times", [1, 6])
def test_staff_page_query_count_is_fixed(
    client, manager, managed, times, django_assert_max_num_queries
):
    _fill(managed, times=times, manager=manager)
    client.force_login(manager)
    # (the credit card reads reconciliation's orders and payments: two queries whatever their number;
    # one more finds the partner's exit, if any, for its link, and one the credit rating card's
    # latest ratings)
    with django_assert_max_num_queries(23):
        response = client.get(reverse("partners:partner_detail", args=[managed.pk]))
    assert response.status_code == 200


@pytest.mark.parametrize("times", [1, 6])
def test_my_company_query_count_is_fixed(
    client, manager, partner, partner_user, times, django_assert_max_num_queries
):
    _fill(partner, times=times, manager=manager)
    client.force_login(partner_user)
    # (one query finds the company's exit, if any, for its link)
    with django_assert_max_num_queries(21):
        response = client.get(reverse("partners:my_company"))
    assert response.status_code == 200
