import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from core.models import AuditEvent, FxRate
from funds import services
from funds.choices import LedgerKind, RequestStatus
from funds.models import FundRequest, MdfLedgerEntry
from funds.selectors import mdf_balance
from tests.factories import PartnerFactory, PartnerUserFactory, staff

from .factories import allocation, pdf, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def funded(partner):
    allocation(partner, "1000000.00")
    return partner


def test_request_at_exactly_half_the_budget_is_accepted(funded, partner_user):
    request = submit(funded, partner_user, "5000.00", budget=Decimal("10000.00"))
    assert request.status == RequestStatus.SUBMITTED
    assert request.amount_cny == Decimal("5000.00")
    assert AuditEvent.objects.filter(action="fund_request.submitted").count() == 1


def test_request_above_half_the_budget_is_refused(funded, partner_user):
    with pytest.raises(ValidationError) as exc:
        submit(funded, partner_user, "5000.01", budget=Decimal("10000.00"))
    assert "requested_amount" in exc.value.message_dict
    assert not FundRequest.objects.exists()


def test_request_above_available_balance_is_refused(partner, partner_user):
    allocation(partner, "999.99")
    with pytest.raises(ValidationError) as exc:
        submit(partner, partner_user, "1000.00")
    assert "requested_amount" in exc.value.message_dict
    assert not FundRequest.objects.exists()


def test_request_with_end_before_start_is_refused(funded, partner_user):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as exc:
        submit(funded, partner_user, start_date=today, end_date=today - datetime.timedelta(days=1))
    assert "end_date" in exc.value.message_dict


def test_request_attachment_must_really_be_a_document(funded, partner_user):
    fake = SimpleUploadedFile("brochure.pdf", b"MZ not a pdf")
    with pytest.raises(ValidationError) as exc:
        submit(funded, partner_user, attachments=[fake])
    assert "attachments" in exc.value.message_dict
    assert not FundRequest.objects.exists()


def test_request_converts_to_cny_at_request_date(partner_user):
    partner = partner_user.partner
    partner.contract_currency = "EUR"
    partner.save()
    allocation(partner, "50000.00")
    FxRate.objects.create(
        base_currency="EUR",
        quote_currency="CNY",
        rate_date=timezone.localdate(),
        rate=Decimal("7.8"),
    )
    request = submit(partner, partner_user, "1300.00")
    assert request.amount_cny == Decimal("10140.00")
    assert request.approver_roles == ["channel_director", "cfo"]


def test_request_without_fx_rate_gives_field_error(partner_user):
    partner = partner_user.partner
    partner.contract_currency = "EUR"
    partner.save()
    allocation(partner, "50000.00")
    with pytest.raises(ValidationError) as exc:
        submit(partner, partner_user, "100.00")
    assert "requested_amount" in exc.value.message_dict


# --- approval matrix (DESIGN §7) -----------------------------------------------------------------


def _owned_manager(partner):
    manager = staff(Role.CHANNEL_MANAGER)
    partner.channel_manager = manager
    partner.save()
    return manager


@pytest.mark.parametrize(
    ("amount", "approvers_needed", "roles"),
    [
        ("10000.00", 1, ["channel_manager", "channel_director", "cfo"]),
        ("10000.01", 1, ["channel_director", "cfo"]),
        ("100000.00", 1, ["channel_director", "cfo"]),
        ("100000.01", 2, ["cfo", "channel_director", "admin"]),
    ],
)
def test_matrix_row_chosen_at_each_boundary(funded, partner_user, amount, approvers_needed, roles):
    request = submit(funded, partner_user, amount)
    assert request.approvals_required == approvers_needed
    assert request.approver_roles == roles


@pytest.mark.parametrize(
    ("eur", "cny", "approvers_needed", "first_role"),
    [
        ("1250.00", "10000.00", 1, "channel_manager"),
        ("1250.01", "10000.08", 1, "channel_director"),
        ("12500.00", "100000.00", 1, "channel_director"),
        ("12500.01", "100000.08", 2, "cfo"),
    ],
)
def test_matrix_compares_the_cny_equivalent_through_the_fx_table(
    partner, partner_user, eur, cny, approvers_needed, first_role
):
    # given a partner contracting in EUR and EUR 1 = CNY 8 on the request date
    partner.contract_currency = "EUR"
    partner.save()
    allocation(partner, "50000.00")
    FxRate.objects.create(
        base_currency="EUR",
        quote_currency="CNY",
        rate_date=timezone.localdate(),
        rate=Decimal("8"),
    )
    # when
    request = submit(partner, partner_user, eur)
    # then the matrix row is the one of the CNY equivalent
    assert request.amount_cny == Decimal(cny)
    assert request.approvals_required == approvers_needed
    assert request.approver_roles[0] == first_role


def test_manager_approves_up_to_10000_and_amount_is_reserved(funded, partner_user):
    manager = _owned_manager(funded)
    request = submit(funded, partner_user, "10000.00")
    balance_before = mdf_balance(partner=funded)
    services.fund_request_approve(fund_request=request, actor=manager)
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED
    assert request.approved_amount == Decimal("10000.00")
    reservation = MdfLedgerEntry.objects.get(kind=LedgerKind.RESERVATION, fund_request=request)
    assert reservation.amount == Decimal("-10000.00")
    assert mdf_balance(partner=funded) == balance_before - Decimal("10000.00")
    assert AuditEvent.objects.filter(action="fund_request.approved").count() == 1


def test_manager_refused_above_10000(funded, partner_user):
    manager = _owned_manager(funded)
    request = submit(funded, partner_user, "10000.01")
    with pytest.raises(PermissionDenied):
        services.fund_request_approve(fund_request=request, actor=manager)
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED
    assert not MdfLedgerEntry.objects.filter(kind=LedgerKind.RESERVATION).exists()


def test_manager_of_another_partner_is_refused(funded, partner_user):
    request = submit(funded, partner_user, "100.00")
    with pytest.raises(PermissionDenied):
        services.fund_request_approve(fund_request=request, actor=staff(Role.CHANNEL_MANAGER))


@pytest.mark.parametrize("amount", ["10000.01", "100000.00"])
def test_director_approves_up_to_100000(funded, partner_user, amount):
    request = submit(funded, partner_user, amount)
    services.fund_request_approve(fund_request=request, actor=staff(Role.CHANNEL_DIRECTOR))
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED


def test_above_100000_needs_cfo_and_a_second_executive(funded, partner_user):
    request = submit(funded, partner_user, "100000.01")
    services.fund_request_approve(fund_request=request, actor=staff(Role.CFO))
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED
    services.fund_request_approve(fund_request=request, actor=staff(Role.CHANNEL_DIRECTOR))
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED
    assert request.approvals.count() == 2


def test_above_100000_director_alone_is_not_enough(funded, partner_user):
    request = submit(funded, partner_user, "100000.01")
    services.fund_request_approve(fund_request=request, actor=staff(Role.CHANNEL_DIRECTOR))
    with pytest.raises(PermissionDenied):
        services.fund_request_approve(fund_request=request, actor=staff(Role.ADMIN))
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED


def test_above_100000_second_executive_must_be_a_different_person(funded, partner_user):
    cfo = staff(Role.CFO)
    request = submit(funded, partner_user, "100000.01")
    services.fund_request_approve(fund_request=request, actor=cfo)
    with pytest.raises(ValidationError):
        services.fund_request_approve(fund_request=request, actor=cfo)
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED


@pytest.mark.parametrize("role", [Role.CHANNEL_MANAGER, Role.FINANCE, Role.LEGAL])
def test_wrong_role_refused_above_100000(funded, partner_user, role):
    request = submit(funded, partner_user, "100000.01")
    with pytest.raises(PermissionDenied):
        services.fund_request_approve(fund_request=request, actor=staff(role))
    assert not request.approvals.exists()


def test_final_approval_refused_when_balance_no_longer_covers(partner, partner_user):
    allocation(partner, "5000.00")
    first = submit(partner, partner_user, "4000.00")
    second = submit(partner, partner_user, "4000.00")
    director = staff(Role.CHANNEL_DIRECTOR)
    services.fund_request_approve(fund_request=first, actor=director)
    with pytest.raises(ValidationError):
        services.fund_request_approve(fund_request=second, actor=director)
    second.refresh_from_db()
    assert second.status == RequestStatus.SUBMITTED


def test_rejection_needs_a_note_and_is_audited(funded, partner_user):
    director = staff(Role.CHANNEL_DIRECTOR)
    request = submit(funded, partner_user, "100.00")
    with pytest.raises(ValidationError):
        services.fund_request_reject(fund_request=request, actor=director, note="")
    services.fund_request_reject(fund_request=request, actor=director, note="Out of scope")
    request.refresh_from_db()
    assert request.status == RequestStatus.REJECTED
    assert AuditEvent.objects.filter(action="fund_request.rejected").count() == 1
    with pytest.raises(ValidationError):
        services.fund_request_approve(fund_request=request, actor=director)


def test_partner_is_notified_of_decision(funded, partner_user, committed):
    with committed():
        request = submit(funded, partner_user, "100.00")
        services.fund_request_approve(fund_request=request, actor=staff(Role.CHANNEL_DIRECTOR))
    assert partner_user.notifications.filter(kind="mdf.decision").count() == 1


# --- pages ---------------------------------------------------------------------------------------


def _form(amount="1000.00", budget="2000.00"):
    start = timezone.localdate() + datetime.timedelta(days=5)
    return {
        "title": "Summit",
        "activity_type": "industry_summit",
        "start_date": start.isoformat(),
        "end_date": (start + datetime.timedelta(days=2)).isoformat(),
        "total_budget": budget,
        "requested_amount": amount,
        "expected_leads": "30",
    }


def test_create_page_submits_request_with_attachment(client, funded, partner_user):
    client.force_login(partner_user)
    response = client.post(reverse("funds:request_create"), _form() | {"attachments": pdf()})
    request = FundRequest.objects.get()
    assert response.status_code == 302
    assert request.attachments.count() == 1


def test_create_page_field_error_when_share_above_half(client, funded, partner_user):
    client.force_login(partner_user)
    response = client.post(reverse("funds:request_create"), _form("1000.01", "2000.00"))
    assert response.status_code == 200
    assert "requested_amount" in response.context["form"].errors
    assert b'id="error-requested_amount"' in response.content
    assert not FundRequest.objects.exists()


def test_create_page_field_error_on_garbage(client, funded, partner_user):
    client.force_login(partner_user)
    response = client.post(reverse("funds:request_create"), _form("lots", "x"))
    assert response.status_code == 200
    assert {"requested_amount", "total_budget"} <= set(response.context["form"].errors)


def test_create_page_refused_to_staff(client, manager):
    client.force_login(manager)
    assert client.get(reverse("funds:request_create")).status_code == 403


def test_detail_of_another_company_is_404(client, funded, partner_user, other_partner_user):
    request = submit(funded, partner_user, "100.00")
    client.force_login(other_partner_user)
    assert client.get(reverse("funds:request_detail", args=[request.pk])).status_code == 404
    attachment_url = reverse("funds:attachment", args=["request", 1])
    assert client.get(attachment_url).status_code == 404


def test_attachment_downloads_for_own_company(client, funded, partner_user, other_partner_user):
    request = submit(funded, partner_user, "100.00", attachments=[pdf()])
    url = reverse("funds:attachment", args=["request", request.attachments.get().pk])
    client.force_login(partner_user)
    assert client.get(url).status_code == 200
    client.force_login(other_partner_user)
    assert client.get(url).status_code == 404


def test_request_list_fixed_queries(client, admin_user, django_assert_max_num_queries):
    for _ in range(4):
        partner = PartnerFactory()
        allocation(partner, "1000.00")
        submit(partner, PartnerUserFactory(partner=partner), "100.00")
    client.force_login(admin_user)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("funds:request_list"))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 4


def test_request_list_partner_sees_only_own(client, funded, partner_user, other_partner):
    allocation(other_partner, "1000.00")
    submit(other_partner, PartnerUserFactory(partner=other_partner), "100.00", title="Hidden")
    submit(funded, partner_user, "100.00", title="Mine")
    client.force_login(partner_user)
    body = client.get(reverse("funds:request_list")).content.decode()
    assert "Mine" in body and "Hidden" not in body


def test_queue_and_approve_through_pages(client, funded, partner_user):
    request = submit(funded, partner_user, "100.00")
    director = staff(Role.CHANNEL_DIRECTOR)
    client.force_login(director)
    assert request.title in client.get(reverse("funds:request_queue")).content.decode()
    detail = client.get(reverse("funds:request_detail", args=[request.pk]))
    assert detail.context["can_decide"]
    client.post(reverse("funds:request_approve", args=[request.pk]), {"note": "ok"})
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED
    page = client.get(reverse("funds:request_detail", args=[request.pk])).content.decode()
    assert "(Channel director)" in page


def test_page_approve_by_wrong_role_leaves_request_unchanged(client, funded, partner_user):
    request = submit(funded, partner_user, "20000.00")
    client.force_login(_owned_manager(funded))
    response = client.post(reverse("funds:request_approve", args=[request.pk]))
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED


def test_partner_cannot_post_approval(client, funded, partner_user):
    request = submit(funded, partner_user, "100.00")
    client.force_login(partner_user)
    assert client.post(reverse("funds:request_approve", args=[request.pk])).status_code == 403


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_request_page_shows_amounts_currency_first_with_separators(
    client, funded, partner_user, language
):
    request = submit(funded, partner_user, "1234.50", budget=Decimal("2500.00"))
    partner_user.language = language
    partner_user.save(update_fields=["language"])
    client.force_login(partner_user)
    page = client.get(reverse("funds:request_detail", args=[request.pk])).content.decode()
    assert f"{request.currency} 2,500.00" in page
    assert f"{request.currency} 1,234.50" in page
    assert "2500.00" not in page
