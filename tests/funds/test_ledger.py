import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.choices import Role
from core.models import AuditEvent, FxRate
from core.periods import Quarter
from funds import services
from funds.choices import LedgerKind
from funds.inputs import partner_net_revenue
from funds.models import MdfLedgerEntry
from funds.selectors import mdf_balance
from funds.tasks import mdf_accrue_all_task, mdf_expire_all_task
from tests.factories import PartnerFactory, PartnerUserFactory, staff, tier
from tests.rebates.factories import line

from .factories import allocation

pytestmark = pytest.mark.django_db


def test_balance_equals_sum_of_entries(partner):
    # given
    allocation(partner, "1000.00")
    allocation(partner, "250.50")
    MdfLedgerEntry.objects.create(
        partner=partner,
        kind=LedgerKind.RESERVATION,
        amount=Decimal("-300.25"),
        currency="CNY",
        quarter="2026Q4",
    )
    # when
    balance = mdf_balance(partner=partner)
    # then
    assert balance == sum(e.amount for e in MdfLedgerEntry.objects.filter(partner=partner))
    assert balance == Decimal("950.25")


def test_balance_of_partner_without_entries_is_zero(partner):
    assert mdf_balance(partner=partner) == Decimal("0")


@pytest.mark.parametrize("change", ["update", "delete"])
def test_ledger_entries_are_append_only_in_the_database(partner, change):
    entry = allocation(partner, "100.00")
    with pytest.raises(IntegrityError), transaction.atomic():
        if change == "update":
            MdfLedgerEntry.objects.filter(pk=entry.pk).update(amount=Decimal("999"))
        else:
            MdfLedgerEntry.objects.filter(pk=entry.pk).delete()
    entry.refresh_from_db()
    assert entry.amount == Decimal("100.00")


def test_net_revenue_is_zero_without_sales_lines(partner):
    assert partner_net_revenue(partner, Quarter.parse("2026Q3")) == Decimal("0")


def test_net_revenue_reads_sales_lines_minus_returns_in_the_quarter(partner):
    # given sales and a return in 2026Q3, and a sale outside it
    line(partner, "150000.00", day="2026-07-01")
    line(partner, "60000.00", day="2026-09-30")
    line(partner, "10000.00", kind="return", day="2026-08-15")
    line(partner, "999999.00", day="2026-10-01")
    # then
    assert partner_net_revenue(partner, Quarter.parse("2026Q3")) == Decimal("200000.00")


def test_net_revenue_converts_other_currencies_at_the_quarter_end(partner):
    FxRate.objects.create(
        base_currency="USD",
        quote_currency=partner.contract_currency,
        rate_date=datetime.date(2026, 9, 30),
        rate=Decimal("7"),
    )
    line(partner, "1000.00", currency="USD", day="2026-08-01")
    assert partner_net_revenue(partner, Quarter.parse("2026Q3")) == Decimal("7000.00")


def test_accrual_is_tier_rate_times_previous_quarter_revenue(partner):
    # given a gold partner with 200,000 net revenue in 2026Q3 (and sales in 2026Q4 that do not count)
    partner.tier = tier("gold")
    partner.save()
    line(partner, "210000.00", day="2026-08-01")
    line(partner, "10000.00", kind="return", day="2026-09-01")
    line(partner, "500000.00", day="2026-10-15")
    # when
    created = mdf_accrue_all_task(quarter="2026Q4")
    # then
    entry = MdfLedgerEntry.objects.get(partner=partner, kind=LedgerKind.ACCRUAL)
    assert created == 1
    assert entry.quarter == "2026Q4"
    assert entry.amount == (partner.tier.mdf_rate * Decimal("200000.00")).quantize(Decimal("0.01"))
    assert entry.amount == Decimal("4000.00")
    assert entry.currency == partner.contract_currency


def test_accrual_job_in_chunks_accrues_every_partner_once():
    # given 6 gold partners with revenue in 2026Q3
    partners = [PartnerFactory(tier=tier("gold")) for _ in range(6)]
    for p in partners:
        line(p, "100000.00", day="2026-08-01")
    # when the job runs in chunks of 3, then the accruals are all booked
    assert services.mdf_accrue_all(quarter=Quarter.parse("2026Q4"), chunk_size=3) == 6
    assert MdfLedgerEntry.objects.filter(kind=LedgerKind.ACCRUAL).count() == 6


def test_accrual_not_skipped_by_other_entries_of_the_quarter(partner):
    # given an accrual of an earlier quarter and a discretionary allocation in 2026Q4
    partner.tier = tier("gold")
    partner.save()
    allocation(partner, "500.00", quarter="2026Q3", kind=LedgerKind.ACCRUAL)
    allocation(partner, "100.00", quarter="2026Q4")
    line(partner, "100000.00", day="2026-08-01")
    # when the 2026Q4 accrual runs, then the partner still accrues
    assert mdf_accrue_all_task(quarter="2026Q4") == 1
    assert MdfLedgerEntry.objects.get(kind=LedgerKind.ACCRUAL, quarter="2026Q4").amount == Decimal(
        "2000.00"
    )


def test_accrual_runs_once_per_partner_and_quarter(partner):
    line(partner, "100000.00", day="2026-08-01")
    partner.tier = tier("gold")
    partner.save()
    mdf_accrue_all_task(quarter="2026Q4")
    # when run again
    assert mdf_accrue_all_task(quarter="2026Q4") == 0
    # then
    assert MdfLedgerEntry.objects.filter(partner=partner, kind=LedgerKind.ACCRUAL).count() == 1


def test_accrual_without_revenue_books_nothing(partner):
    partner.tier = tier("gold")
    partner.save()
    assert mdf_accrue_all_task(quarter="2026Q4") == 0
    assert not MdfLedgerEntry.objects.exists()


def test_discretionary_allocation_by_staff_with_reason(partner, admin_user):
    entry = services.mdf_allocate(
        partner=partner, amount=Decimal("5000"), reason="Launch event", actor=admin_user
    )
    assert entry.kind == LedgerKind.DISCRETIONARY
    assert entry.created_by == admin_user
    assert mdf_balance(partner=partner) == Decimal("5000.00")
    assert AuditEvent.objects.filter(action="mdf.allocated").count() == 1


def test_discretionary_allocation_needs_a_reason(partner, admin_user):
    with pytest.raises(ValidationError) as exc:
        services.mdf_allocate(partner=partner, amount=Decimal("5000"), reason=" ", actor=admin_user)
    assert "reason" in exc.value.message_dict
    assert not MdfLedgerEntry.objects.exists()


def test_discretionary_allocation_refused_to_partner_users_and_foreign_managers(
    partner, partner_user, manager
):
    for actor in (partner_user, manager):
        with pytest.raises(PermissionDenied):
            services.mdf_allocate(partner=partner, amount=Decimal("1"), reason="x", actor=actor)
    assert not MdfLedgerEntry.objects.exists()


def test_expiry_removes_previous_quarters_funds_left_unused(partner):
    # given 1,000 allocated in Q1, 500 in Q2, 300 spent in Q2
    allocation(partner, "1000.00", quarter="2026Q1")
    allocation(partner, "500.00", quarter="2026Q2")
    MdfLedgerEntry.objects.create(
        partner=partner,
        kind="reimbursement",
        amount=Decimal("-300"),
        currency="CNY",
        quarter="2026Q2",
    )
    # when the expiry job runs for Q2, which has ended
    mdf_expire_all_task(quarter="2026Q2")
    # then the 700 left of Q1's money expires, Q2's 500 stays
    expiry = MdfLedgerEntry.objects.get(kind=LedgerKind.EXPIRY)
    assert expiry.amount == Decimal("-700.00")
    assert expiry.quarter == "2026Q2"
    assert mdf_balance(partner=partner) == Decimal("500.00")


def test_expiry_is_idempotent_and_spares_recent_funds(partner):
    allocation(partner, "1000.00", quarter="2026Q1")
    services.mdf_expire(partner=partner, quarter=Quarter.parse("2026Q2"))
    assert services.mdf_expire(partner=partner, quarter=Quarter.parse("2026Q2")) is None
    allocation(partner, "400.00", quarter="2026Q3")
    assert services.mdf_expire(partner=partner, quarter=Quarter.parse("2026Q3")) is None
    assert MdfLedgerEntry.objects.filter(kind=LedgerKind.EXPIRY).count() == 1
    assert mdf_balance(partner=partner) == Decimal("400.00")


# --- pages ---------------------------------------------------------------------------------------


def test_balance_page_shows_own_ledger_only(client, partner, partner_user, other_partner):
    allocation(partner, "1234.00")
    MdfLedgerEntry.objects.create(
        partner=other_partner,
        kind="discretionary",
        amount=Decimal("777"),
        currency="CNY",
        quarter="2026Q4",
        reason="secret other reason",
    )
    client.force_login(partner_user)
    response = client.get(reverse("funds:balance"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "1234.00" in body
    assert "secret other reason" not in body


def test_balance_page_for_partner_finance_but_not_sales(client, partner):
    finance = PartnerUserFactory(partner=partner, role=Role.PARTNER_FINANCE)
    sales = PartnerUserFactory(partner=partner, role=Role.PARTNER_SALES)
    client.force_login(finance)
    assert client.get(reverse("funds:balance")).status_code == 200
    client.force_login(sales)
    assert client.get(reverse("funds:balance")).status_code == 403


def test_balance_page_anonymous_redirects(client):
    assert client.get(reverse("funds:balance")).status_code == 302


def test_staff_ledger_page_fixed_queries(client, admin_user, django_assert_max_num_queries):
    from tests.factories import PartnerFactory

    for _ in range(5):
        allocation(PartnerFactory(), "10.00")
    client.force_login(admin_user)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("funds:ledger"))
    assert response.status_code == 200


def test_staff_ledger_for_one_partner_shows_summary(client, admin_user, partner):
    allocation(partner, "88.00")
    client.force_login(admin_user)
    response = client.get(reverse("funds:ledger"), {"partner": partner.pk})
    assert response.status_code == 200
    assert response.context["summary"]["balance"] == Decimal("88.00")


def test_ledger_page_refused_to_partner_users(client, partner_user):
    client.force_login(partner_user)
    assert client.get(reverse("funds:ledger")).status_code == 403


def test_allocation_page_shows_field_error_without_reason(client, partner):
    director = staff(Role.CHANNEL_DIRECTOR)
    client.force_login(director)
    response = client.post(
        reverse("funds:allocate"), {"partner": partner.tax_id, "amount": "100", "reason": ""}
    )
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    assert not MdfLedgerEntry.objects.exists()


def test_allocation_page_records_allocation(client, partner):
    client.force_login(staff(Role.CHANNEL_DIRECTOR))
    response = client.post(
        reverse("funds:allocate"), {"partner": partner.tax_id, "amount": "100", "reason": "Summit"}
    )
    assert response.status_code == 302
    assert mdf_balance(partner=partner) == Decimal("100.00")


def test_ledger_page_api_and_export_filter_alike(client):
    from rest_framework.test import APIClient

    east = PartnerFactory(legal_name="Eastwind Ledger Co")
    west = PartnerFactory(legal_name="Westgate Ledger Co")
    allocation(east, "100")
    allocation(west, "200")
    allocation(east, "300", kind=LedgerKind.ACCRUAL)
    finance = staff(Role.FINANCE)
    query = {"partner_name": "eastwind", "sort": "amount"}
    client.force_login(finance)
    page = client.get(reverse("funds:ledger"), query)
    shown = [e.partner.legal_name for e in page.context["page"].object_list]
    api = APIClient()
    api.force_authenticate(finance)
    listed = api.get("/api/v1/mdf/ledger/", query).json()["results"]
    export = client.get(reverse("core:export", args=["mdf-ledger"]), {"format": "csv", **query})
    assert shown == ["Eastwind Ledger Co", "Eastwind Ledger Co"]
    assert [e["amount"] for e in listed] == ["100.00", "300.00"]
    assert "Westgate" not in export.getvalue().decode("utf-8-sig")
