from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory
from django.urls import reverse

from accounts.choices import Role
from funds import services
from funds.dashboard import mdf_balance_card, mdf_utilisation_card
from funds.models import ActivityResult, MdfLedgerEntry
from funds.selectors import activity_roi, partner_roi
from tests.factories import staff

from .factories import allocation, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(partner, partner_user):
    allocation(partner, "10000.00")
    request = submit(partner, partner_user, "2000.00")
    return services.fund_request_approve(fund_request=request, actor=staff(Role.CHANNEL_DIRECTOR))


def test_result_recorded_and_roi_per_activity(approved, partner_user):
    services.activity_result_record(
        fund_request=approved, actor=partner_user, leads_count=40, deal_revenue=Decimal("50000")
    )
    approved.refresh_from_db()
    assert activity_roi(fund_request=approved) == Decimal("25.00")


def test_result_update_is_audited(approved, manager):
    director = staff(Role.CHANNEL_DIRECTOR)
    services.activity_result_record(
        fund_request=approved, actor=director, leads_count=1, deal_revenue=Decimal("1")
    )
    services.activity_result_record(
        fund_request=approved, actor=director, leads_count=5, deal_revenue=Decimal("10")
    )
    result = ActivityResult.objects.get()
    assert result.leads_count == 5
    from core.models import AuditEvent

    assert AuditEvent.objects.filter(action="activity_result.recorded").count() == 2


def test_result_refused_for_other_company_and_pending_requests(
    approved, other_partner_user, partner, partner_user
):
    with pytest.raises(PermissionDenied):
        services.activity_result_record(
            fund_request=approved, actor=other_partner_user, leads_count=1, deal_revenue=Decimal(0)
        )
    pending = submit(partner, partner_user, "100.00")
    with pytest.raises(ValidationError):
        services.activity_result_record(
            fund_request=pending, actor=partner_user, leads_count=1, deal_revenue=Decimal(0)
        )
    with pytest.raises(ValidationError):
        services.activity_result_record(
            fund_request=approved, actor=partner_user, leads_count=-1, deal_revenue=Decimal(0)
        )
    assert not ActivityResult.objects.exists()


def test_partner_roi_is_revenue_over_reimbursed(approved, partner_user, partner):
    MdfLedgerEntry.objects.create(
        partner=partner,
        kind="reimbursement",
        amount=Decimal("-1000"),
        currency="CNY",
        quarter="2026Q4",
    )
    services.activity_result_record(
        fund_request=approved, actor=partner_user, leads_count=7, deal_revenue=Decimal("8000")
    )
    # then funds used = 1,000 reimbursed + 2,000 still reserved for the approved activity
    roi = partner_roi(partner=partner)
    assert roi == {
        "leads": 7,
        "revenue": Decimal("8000.00"),
        "spent": Decimal("3000.00"),
        "roi": Decimal("2.67"),
    }


def test_result_form_on_detail_page(client, approved, partner_user, other_partner_user):
    url = reverse("funds:result_record", args=[approved.pk])
    client.force_login(other_partner_user)
    assert client.post(url, {"leads_count": "3", "deal_revenue": "10"}).status_code == 404
    client.force_login(partner_user)
    client.post(url, {"leads_count": "bad", "deal_revenue": "10"})
    assert not ActivityResult.objects.exists()
    client.post(url, {"leads_count": "3", "deal_revenue": "10"})
    assert ActivityResult.objects.get().leads_count == 3


def test_widgets(approved, partner_user, admin_user):
    request = RequestFactory().get("/")
    request.user = partner_user
    assert mdf_balance_card(request)["summary"]["balance"] == Decimal("8000.00")
    request.user = admin_user
    stats = mdf_utilisation_card(request)["stats"]
    assert stats["allocated"] == Decimal("10000.00")
    assert stats["percent"] == 20


def test_dashboard_renders_widgets(client, approved, partner_user, admin_user):
    for user in (partner_user, admin_user):
        client.force_login(user)
        response = client.get(reverse("core:dashboard"))
        assert response.status_code == 200
        assert "MDF" in response.content.decode()
