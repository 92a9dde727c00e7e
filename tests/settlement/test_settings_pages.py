"""Settings pages (DESIGN §9): finance edits the settlement settings, administrators the deal
settings; each change validates, applies at once and leaves an audit row before → after."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.choices import Role
from core.models import AuditEvent
from deals.models import DealSettings
from settlement.models import PartnerTaxProfile, SettlementPolicy
from settlement.services import required_approvals_for
from tests.factories import PartnerFactory, PartnerUserFactory, staff

from .factories import built_statement

pytestmark = pytest.mark.django_db

POLICY = {
    "policy-countersign_threshold": "500000",
    "policy-countersign_approvers": "2",
    "policy-match_window_days": "7",
    "policy-amount_tolerance": "0.01",
    "policy-duplicate_payment_days": "30",
}


def test_finance_changes_the_countersign_threshold_and_it_applies_at_once(client, partner):
    # given a statement below the default threshold (one approval) and finance signed in
    statement = built_statement(partner)
    statement.payable = Decimal("600000")
    assert required_approvals_for(statement) == 1
    client.force_login(staff(Role.FINANCE))
    # when finance lowers the threshold
    response = client.post(reverse("settlement:settings"), POLICY)
    # then it is saved, the next decision reads it and the audit row shows before and after
    assert response.status_code == 302
    policy = SettlementPolicy.current()
    assert policy.countersign_threshold == Decimal("500000")
    assert policy.amount_tolerance == Decimal("0.01")
    assert required_approvals_for(statement) == 2
    event = AuditEvent.objects.get(action="settlement_policy.changed")
    assert event.changes["countersign_threshold"] == {
        "before": "1000000.0000",
        "after": "500000.0000",
    }
    assert event.changes["match_window_days"] == {"before": 5, "after": 7}
    assert "duplicate_payment_days" not in event.changes


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("countersign_threshold", "-1"),
        ("countersign_threshold", "abc"),
        ("countersign_approvers", "0"),
        ("match_window_days", "-3"),
        ("amount_tolerance", "0.5"),
        ("amount_tolerance", "0.00001"),
        ("duplicate_payment_days", "0"),
    ],
)
def test_bad_settlement_settings_get_a_field_message_and_change_nothing(client, field, value):
    # given finance signed in
    client.force_login(staff(Role.FINANCE))
    before = SettlementPolicy.current()
    # when one value is out of range
    response = client.post(reverse("settlement:settings"), POLICY | {f"policy-{field}": value})
    # then the field says why, nothing is saved and nothing audited
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert 'id="field-' + field + '"' in response.content.decode()
    after = SettlementPolicy.objects.get(pk=1)
    assert after.countersign_threshold == before.countersign_threshold
    assert after.amount_tolerance == before.amount_tolerance
    assert not AuditEvent.objects.filter(action="settlement_policy.changed").exists()


def test_saving_unchanged_settings_writes_no_audit_row(client):
    client.force_login(staff(Role.FINANCE))
    policy = SettlementPolicy.current()
    unchanged = {
        f"policy-{name}": str(getattr(policy, name))
        for name in (
            "countersign_threshold",
            "countersign_approvers",
            "match_window_days",
            "amount_tolerance",
            "duplicate_payment_days",
        )
    }
    assert client.post(reverse("settlement:settings"), unchanged).status_code == 302
    assert not AuditEvent.objects.filter(action="settlement_policy.changed").exists()


def test_finance_sets_a_partner_tax_rate_as_a_percentage(client):
    # given a partner without a tax rate
    partner = PartnerFactory()
    client.force_login(staff(Role.CFO))
    # when finance sets 6 %
    response = client.post(
        reverse("settlement:partner_tax_rate"),
        {"tax-tax_id": partner.tax_id, "tax-rate_percent": "6"},
    )
    # then the profile holds 0.06, the list shows it and the audit row names the partner
    assert response.status_code == 302
    assert PartnerTaxProfile.objects.get(partner=partner).tax_rate == Decimal("0.06")
    page = client.get(reverse("settlement:settings")).content.decode()
    assert partner.legal_name in page and "6.00 %" in page
    event = AuditEvent.objects.get(action="partner_tax_rate.changed")
    assert event.partner_id == partner.pk
    assert event.changes["tax_rate"] == {"before": "0.0000", "after": "0.0600"}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"tax-tax_id": "NO-SUCH-ID", "tax-rate_percent": "6"}, "tax_id"),
        ({"tax-rate_percent": "-1"}, "rate_percent"),
        ({"tax-rate_percent": "100"}, "rate_percent"),
        ({"tax-rate_percent": "6.123"}, "rate_percent"),
        ({"tax-rate_percent": "six"}, "rate_percent"),
    ],
)
def test_bad_tax_rates_get_a_field_message_and_change_nothing(client, data, field):
    partner = PartnerFactory()
    client.force_login(staff(Role.FINANCE))
    response = client.post(
        reverse("settlement:partner_tax_rate"), {"tax-tax_id": partner.tax_id} | data
    )
    assert response.status_code == 400
    assert response.context["tax_form"].errors[field]
    assert not PartnerTaxProfile.objects.exists()
    assert not AuditEvent.objects.filter(action="partner_tax_rate.changed").exists()


@pytest.mark.parametrize("role", [Role.CHANNEL_MANAGER, Role.CHANNEL_DIRECTOR, Role.LEGAL])
def test_non_finance_staff_are_refused_the_financial_settings(client, role):
    partner = PartnerFactory()
    client.force_login(staff(role))
    assert client.get(reverse("settlement:settings")).status_code == 403
    assert client.post(reverse("settlement:settings"), POLICY).status_code == 403
    response = client.post(
        reverse("settlement:partner_tax_rate"),
        {"tax-tax_id": partner.tax_id, "tax-rate_percent": "6"},
    )
    assert response.status_code == 403
    assert SettlementPolicy.current().countersign_threshold == Decimal("1000000")
    assert not PartnerTaxProfile.objects.exists()


@pytest.mark.parametrize("role", [Role.PARTNER_ADMIN, Role.PARTNER_FINANCE])
def test_partner_users_are_refused_every_settings_page(client, partner, role):
    client.force_login(PartnerUserFactory(partner=partner, role=role))
    for name in ("core:settings", "settlement:settings", "deals:settings"):
        assert client.get(reverse(name)).status_code == 403, name
    response = client.post(
        reverse("settlement:partner_tax_rate"),
        {"tax-tax_id": partner.tax_id, "tax-rate_percent": "0"},
    )
    assert response.status_code == 403
    assert not PartnerTaxProfile.objects.exists()


def test_the_settings_page_lists_the_sections_each_role_may_edit(client):
    # finance: the settlement section only, reached from the sidebar
    client.force_login(staff(Role.FINANCE))
    page = client.get(reverse("core:dashboard")).content.decode()
    assert f'href="{reverse("core:settings")}"' in page
    page = client.get(reverse("core:settings")).content.decode()
    assert reverse("settlement:settings") in page
    assert reverse("deals:settings") not in page
    # administrators: every section
    client.force_login(staff(Role.ADMIN))
    page = client.get(reverse("core:settings")).content.decode()
    assert reverse("settlement:settings") in page and reverse("deals:settings") in page
    # channel managers have no settings
    client.force_login(staff(Role.CHANNEL_MANAGER))
    assert f'href="{reverse("core:settings")}"' not in client.get("/").content.decode()
    assert client.get(reverse("core:settings")).status_code == 403


def test_the_settlement_settings_page_has_a_fixed_query_count(
    client, django_assert_max_num_queries
):
    for rate in ("0.01", "0.02", "0.03"):
        PartnerTaxProfile.objects.create(partner=PartnerFactory(), tax_rate=Decimal(rate))
    client.force_login(staff(Role.FINANCE))
    with django_assert_max_num_queries(10):
        response = client.get(reverse("settlement:settings"))
    assert response.status_code == 200
    assert response.content.decode().count(" %</td>") == 3


def test_administrators_change_the_deal_settings(client):
    # given an administrator
    client.force_login(staff(Role.ADMIN))
    data = {"similarity_threshold": "0.70", "sla_business_days": "3", "extension_days": "30"}
    # when the threshold and SLA change
    response = client.post(reverse("deals:settings"), data)
    # then the rules read them at once and the audit row shows before → after
    assert response.status_code == 302
    rules = DealSettings.current()
    assert rules.similarity_threshold == Decimal("0.70") and rules.sla_business_days == 3
    event = AuditEvent.objects.get(action="deal_settings.changed")
    assert event.changes == {
        "similarity_threshold": {"before": "0.80", "after": "0.70"},
        "sla_business_days": {"before": 2, "after": 3},
    }


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("similarity_threshold", "1.5"),
        ("similarity_threshold", "0.05"),
        ("similarity_threshold", "0.755"),
        ("sla_business_days", "0"),
        ("sla_business_days", "-1"),
        ("extension_days", "1000"),
    ],
)
def test_bad_deal_settings_get_a_field_message_and_change_nothing(client, field, value):
    client.force_login(staff(Role.ADMIN))
    data = {"similarity_threshold": "0.80", "sla_business_days": "2", "extension_days": "30"}
    response = client.post(reverse("deals:settings"), data | {field: value})
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not DealSettings.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("role", [Role.FINANCE, Role.CHANNEL_DIRECTOR, Role.CFO])
def test_only_administrators_change_the_deal_settings(client, role):
    client.force_login(staff(role))
    data = {"similarity_threshold": "0.5", "sla_business_days": "2", "extension_days": "30"}
    assert client.get(reverse("deals:settings")).status_code == 403
    assert client.post(reverse("deals:settings"), data).status_code == 403
    assert not DealSettings.objects.exists()


def test_finance_reads_and_changes_the_settings_through_the_api(client):
    # given finance with an API client
    client.force_login(staff(Role.FINANCE))
    url = "/api/v1/settlement/settings/"
    assert client.get(url).json()["countersign_threshold"] == "1000000.0000"
    # when a bad value is sent, then a field message and nothing changes
    response = client.patch(url, {"amount_tolerance": "-0.1"}, content_type="application/json")
    assert response.status_code == 400 and "amount_tolerance" in response.json()
    assert not AuditEvent.objects.exists()
    # when a good one is sent, then it applies and is audited
    response = client.patch(url, {"match_window_days": 9}, content_type="application/json")
    assert response.status_code == 200 and response.json()["match_window_days"] == 9
    assert SettlementPolicy.current().match_window_days == 9
    assert AuditEvent.objects.get(action="settlement_policy.changed").changes == {
        "match_window_days": {"before": 5, "after": 9}
    }


@pytest.mark.parametrize("role", [Role.CHANNEL_MANAGER, Role.PARTNER_ADMIN])
def test_the_settings_api_refuses_who_is_not_finance(client, partner, role):
    user = PartnerUserFactory(partner=partner, role=role) if role == Role.PARTNER_ADMIN else None
    client.force_login(user or staff(role))
    url = "/api/v1/settlement/settings/"
    assert client.get(url).status_code == 403
    response = client.patch(url, {"match_window_days": 9}, content_type="application/json")
    assert response.status_code == 403
    assert SettlementPolicy.current().match_window_days == 5


def test_administrators_change_the_deal_settings_through_the_api(client):
    url = "/api/v1/deals/settings/"
    client.force_login(staff(Role.FINANCE))
    assert client.get(url).status_code == 403
    client.force_login(staff(Role.ADMIN))
    assert client.get(url).json()["similarity_threshold"] == "0.80"
    response = client.patch(url, {"sla_business_days": 0}, content_type="application/json")
    assert response.status_code == 400 and "sla_business_days" in response.json()
    response = client.patch(url, {"similarity_threshold": "0.9"}, content_type="application/json")
    assert response.status_code == 200
    assert DealSettings.current().similarity_threshold == Decimal("0.90")
    assert AuditEvent.objects.get(action="deal_settings.changed").changes == {
        "similarity_threshold": {"before": "0.80", "after": "0.90"}
    }
