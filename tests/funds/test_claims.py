import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.choices import Role
from core.models import AuditEvent
from funds import services
from funds.choices import ClaimStatus, LedgerKind, RequestStatus, SettlementState
from funds.models import Claim, MdfLedgerEntry
from funds.selectors import mdf_balance
from funds.tasks import fund_request_release_unclaimed_task
from settlement.models import SettlementEntry
from tests.factories import staff

from .factories import allocation, pdf, submit

pytestmark = pytest.mark.django_db

START = datetime.date(2026, 3, 2)
END = datetime.date(2026, 3, 3)


@pytest.fixture
def approved(partner, partner_user):
    """A 10,000 request on a 40,000 budget (share 25%), approved, activity on 2–3 March 2026."""
    with time_machine.travel(datetime.datetime(2026, 2, 1, 9, 0), tick=False):
        allocation(partner, "50000.00")
        request = submit(
            partner,
            partner_user,
            "10000.00",
            budget=Decimal("40000.00"),
            start_date=START,
            end_date=END,
        )
        services.fund_request_approve(fund_request=request, actor=staff(Role.CHANNEL_DIRECTOR))
    request.refresh_from_db()
    return request


def _claim(request, user, spend="20000.00", **extra):
    return services.claim_submit(
        fund_request=request,
        actor=user,
        actual_spend=Decimal(spend),
        leads_generated=12,
        attachments=[pdf()],
        **extra,
    )


@pytest.mark.parametrize("day", [END, END + datetime.timedelta(days=60)])
def test_claim_accepted_from_activity_end_to_day_60(approved, partner_user, day):
    with time_machine.travel(day, tick=False):
        claim = _claim(approved, partner_user)
    assert claim.status == ClaimStatus.SUBMITTED
    assert claim.attachments.count() == 1


@pytest.mark.parametrize(
    "day", [END - datetime.timedelta(days=1), END + datetime.timedelta(days=61)]
)
def test_claim_refused_before_activity_end_or_after_60_days(approved, partner_user, day):
    with time_machine.travel(day, tick=False), pytest.raises(ValidationError):
        _claim(approved, partner_user)
    assert not Claim.objects.exists()


def test_claim_needs_proof_of_performance(approved, partner_user):
    with time_machine.travel(END, tick=False), pytest.raises(ValidationError) as exc:
        services.claim_submit(
            fund_request=approved, actor=partner_user, actual_spend=Decimal("1"), attachments=[]
        )
    assert "attachments" in exc.value.message_dict


def test_claim_by_other_company_refused(approved, other_partner_user):
    with time_machine.travel(END, tick=False), pytest.raises(PermissionDenied):
        _claim(approved, other_partner_user)


@pytest.mark.parametrize(
    ("spend", "expected"),
    [
        ("20000.00", "5000.00"),  # 25% of spend, below the approved amount
        ("40000.00", "10000.00"),
        ("90000.00", "10000.00"),  # capped at the approved amount
        ("333.33", "83.33"),  # 83.3325 rounded half up
        ("333.34", "83.34"),  # 83.335 rounded half up
    ],
)
def test_reimbursement_is_min_of_approved_and_share_of_spend(
    approved, partner_user, finance_user, spend, expected
):
    with time_machine.travel(END, tick=False):
        claim = _claim(approved, partner_user, spend)
        services.claim_validate(claim=claim, actor=finance_user)
    claim.refresh_from_db()
    assert claim.reimbursement_amount == Decimal(expected)


def test_validation_releases_reservation_and_books_reimbursement(
    approved, partner_user, finance_user
):
    with time_machine.travel(END, tick=False):
        claim = _claim(approved, partner_user, "20000.00")
        services.claim_validate(claim=claim, actor=finance_user)
    claim.refresh_from_db()
    approved.refresh_from_db()
    assert approved.status == RequestStatus.CLAIMED
    assert claim.status == ClaimStatus.VALIDATED
    assert MdfLedgerEntry.objects.get(kind=LedgerKind.RELEASE).amount == Decimal("10000.00")
    assert MdfLedgerEntry.objects.get(kind=LedgerKind.REIMBURSEMENT).amount == Decimal("-5000.00")
    assert mdf_balance(partner=approved.partner) == Decimal("45000.00")
    assert AuditEvent.objects.filter(action="claim.validated").count() == 1


def test_reimbursement_is_queued_for_the_next_statement(approved, partner_user, finance_user):
    with time_machine.travel(END, tick=False):
        claim = services.claim_validate(claim=_claim(approved, partner_user), actor=finance_user)
    assert claim.settlement_state == SettlementState.QUEUED
    entry = SettlementEntry.objects.get(source_type="funds.claim", source_id=str(claim.pk))
    assert (entry.partner, entry.kind, entry.amount, entry.currency, entry.period) == (
        approved.partner,
        "mdf_reimbursement",
        Decimal("5000.00"),
        "CNY",
        "2026Q1",
    )
    assert entry.description == f"MDF reimbursement: {approved.title}"


def test_validation_only_once_and_only_by_finance(approved, partner_user, finance_user, manager):
    with time_machine.travel(END, tick=False):
        claim = _claim(approved, partner_user)
        with pytest.raises(PermissionDenied):
            services.claim_validate(claim=claim, actor=manager)
        services.claim_validate(claim=claim, actor=finance_user)
        with pytest.raises(ValidationError):
            services.claim_validate(claim=claim, actor=finance_user)
    assert MdfLedgerEntry.objects.filter(kind=LedgerKind.REIMBURSEMENT).count() == 1


def test_claim_rejection_needs_note(approved, partner_user, finance_user):
    with time_machine.travel(END, tick=False):
        claim = _claim(approved, partner_user)
        with pytest.raises(ValidationError):
            services.claim_reject(claim=claim, actor=finance_user, note="")
        services.claim_reject(claim=claim, actor=finance_user, note="No invoices")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.REJECTED


def test_unclaimed_reservation_released_after_window_once(approved):
    with time_machine.travel(END + datetime.timedelta(days=60), tick=False):
        assert fund_request_release_unclaimed_task() == 0
    with time_machine.travel(END + datetime.timedelta(days=61), tick=False):
        assert fund_request_release_unclaimed_task() == 1
        assert fund_request_release_unclaimed_task() == 0
    approved.refresh_from_db()
    assert approved.status == RequestStatus.RELEASED
    assert mdf_balance(partner=approved.partner) == Decimal("50000.00")


def test_pending_claim_keeps_its_reservation(approved, partner_user):
    with time_machine.travel(END, tick=False):
        _claim(approved, partner_user)
    with time_machine.travel(END + datetime.timedelta(days=90), tick=False):
        assert fund_request_release_unclaimed_task() == 0


# --- pages ---------------------------------------------------------------------------------------


def test_claim_page_files_claim(client, approved, partner_user):
    client.force_login(partner_user)
    with time_machine.travel(END, tick=False):
        response = client.post(
            reverse("funds:claim_create", args=[approved.pk]),
            {"actual_spend": "100.00", "leads_generated": "3", "attachments": pdf()},
        )
    assert response.status_code == 302
    assert Claim.objects.get().actual_spend == Decimal("100.00")


def test_claim_page_late_claim_shows_error(client, approved, partner_user):
    client.force_login(partner_user)
    with time_machine.travel(END + datetime.timedelta(days=61), tick=False):
        response = client.post(
            reverse("funds:claim_create", args=[approved.pk]),
            {"actual_spend": "100.00", "leads_generated": "3", "attachments": pdf()},
        )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not Claim.objects.exists()


def test_claim_pages_of_another_company_are_404(client, approved, partner_user, other_partner_user):
    with time_machine.travel(END, tick=False):
        claim = _claim(approved, partner_user)
    client.force_login(other_partner_user)
    assert client.get(reverse("funds:claim_detail", args=[claim.pk])).status_code == 404
    assert client.get(reverse("funds:claim_create", args=[approved.pk])).status_code == 404
    url = reverse("funds:attachment", args=["claim", claim.attachments.get().pk])
    assert client.get(url).status_code == 404


def test_finance_validates_through_page(client, approved, partner_user, finance_user):
    with time_machine.travel(END, tick=False):
        claim = _claim(approved, partner_user)
        client.force_login(finance_user)
        assert client.get(reverse("funds:claim_detail", args=[claim.pk])).context["can_validate"]
        client.post(reverse("funds:claim_validate", args=[claim.pk]))
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.VALIDATED


def test_claim_list_fixed_queries(
    client, approved, partner_user, finance_user, django_assert_max_num_queries
):
    with time_machine.travel(END, tick=False):
        _claim(approved, partner_user)
    client.force_login(finance_user)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("funds:claim_list"))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 1
