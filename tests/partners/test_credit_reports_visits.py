"""Credit limits (DESIGN §2.6), business reports and visits (DESIGN §2.8): services."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError

from accounts.choices import Role
from core.models import AuditEvent, FxRate, Notification
from partners import selectors, services
from partners.choices import CreditStatus, ReportStatus, VisitStatus
from partners.models import BusinessReport, CreditApplication, PartnerVisit

from ..factories import PartnerFactory, PartnerUserFactory, staff

pytestmark = pytest.mark.django_db
NOON = "T04:00:00Z"


@pytest.fixture
def managed(manager):
    return PartnerFactory(channel_manager=manager, credit_limit=Decimal("100000.00"))


@pytest.fixture
def partner_finance(managed):
    return PartnerUserFactory(partner=managed, role=Role.PARTNER_FINANCE)


def _apply(partner, user, **kwargs):
    data = {"kind": "normal", "amount": Decimal("250000"), "justification": "Growth in Q3"}
    data.update(kwargs)
    return services.credit_application_submit(partner=partner, actor=user, **data)


# --- credit limits ----------------------------------------------------------------------------


def test_partner_finance_applies_and_finance_approves_a_normal_limit(
    managed, partner_finance, finance_user
):
    application = _apply(managed, partner_finance)
    services.credit_application_approve(application=application, actor=finance_user, note="ok")
    managed.refresh_from_db()
    application.refresh_from_db()
    assert application.status == CreditStatus.APPROVED
    assert application.decided_by == finance_user
    assert managed.credit_limit == Decimal("250000.00")
    assert AuditEvent.objects.filter(action="partner.credit_limit_changed").exists()


@pytest.mark.parametrize("role", [Role.PARTNER_ADMIN, Role.PARTNER_SALES])
def test_only_partner_finance_applies(managed, role):
    with pytest.raises(PermissionDenied):
        _apply(managed, PartnerUserFactory(partner=managed, role=role))


def test_a_partner_user_cannot_apply_for_another_company(managed, other_partner):
    user = PartnerUserFactory(partner=other_partner, role=Role.PARTNER_FINANCE)
    with pytest.raises(PermissionDenied):
        _apply(managed, user)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"amount": Decimal("0")}, "amount"),
        ({"amount": Decimal("-5")}, "amount"),
        ({"justification": "  "}, "justification"),
        ({"kind": "special", "project_name": ""}, "project_name"),
        ({"kind": "gold"}, "kind"),
    ],
)
def test_bad_credit_applications_are_refused_field_by_field(
    managed, partner_finance, kwargs, field
):
    with pytest.raises(ValidationError) as exc:
        _apply(managed, partner_finance, **kwargs)
    assert field in exc.value.message_dict
    assert not CreditApplication.objects.exists()


def test_one_waiting_application_per_kind(managed, partner_finance):
    _apply(managed, partner_finance)
    with pytest.raises(ValidationError):
        _apply(managed, partner_finance)
    _apply(managed, partner_finance, kind="special", project_name="Metro line 5")
    assert CreditApplication.objects.count() == 2


def test_the_database_refuses_two_waiting_applications_of_a_kind(managed, partner_finance):
    first = _apply(managed, partner_finance)
    with pytest.raises(IntegrityError):
        CreditApplication.objects.create(
            partner=managed,
            kind=first.kind,
            amount=Decimal("1"),
            currency="CNY",
            justification="x",
            requested_by=partner_finance,
        )


@pytest.mark.parametrize("role", [Role.CHANNEL_MANAGER, Role.CHANNEL_DIRECTOR, Role.LEGAL])
def test_only_finance_decides(managed, partner_finance, role):
    application = _apply(managed, partner_finance)
    with pytest.raises(PermissionDenied):
        services.credit_application_approve(application=application, actor=staff(role))
    application.refresh_from_db()
    assert application.status == CreditStatus.SUBMITTED


@pytest.mark.parametrize("role", [Role.FINANCE, Role.CFO, Role.ADMIN])
def test_finance_cfo_and_admin_may_reject_with_a_reason(managed, partner_finance, role):
    application = _apply(managed, partner_finance)
    services.credit_application_reject(application=application, actor=staff(role), note="No")
    application.refresh_from_db()
    assert application.status == CreditStatus.REJECTED
    managed.refresh_from_db()
    assert managed.credit_limit == Decimal("100000.00")


def test_a_rejection_needs_a_reason(managed, partner_finance, finance_user):
    application = _apply(managed, partner_finance)
    with pytest.raises(ValidationError) as exc:
        services.credit_application_reject(application=application, actor=finance_user, note="")
    assert "note" in exc.value.message_dict


@pytest.mark.parametrize("decided", ["approved", "rejected", "withdrawn"])
def test_a_decided_application_cannot_be_decided_again(
    managed, partner_finance, finance_user, decided
):
    application = _apply(managed, partner_finance)
    CreditApplication.objects.filter(pk=application.pk).update(status=decided)
    with pytest.raises(ValidationError):
        services.credit_application_approve(application=application, actor=finance_user)
    with pytest.raises(ValidationError):
        services.credit_application_reject(application=application, actor=finance_user, note="x")
    with pytest.raises(ValidationError):
        services.credit_application_withdraw(application=application, actor=partner_finance)


def test_the_company_withdraws_a_waiting_application(managed, partner_finance):
    application = _apply(managed, partner_finance)
    services.credit_application_withdraw(application=application, actor=partner_finance)
    application.refresh_from_db()
    assert application.status == CreditStatus.WITHDRAWN


def test_exposure_is_zero_when_no_order_exists(managed):
    exposure = selectors.credit_exposure_for(partner=managed)
    assert exposure["exposure"] == Decimal("0.00")
    assert exposure["available"] == Decimal("100000.00")
    assert exposure["over_limit"] is False


def test_exposure_counts_won_orders_in_the_contract_currency_against_both_limits(
    managed, partner_finance, finance_user, time_machine
):
    from deals.choices import DealStatus
    from deals.models import DealLine
    from tests.deals.factories import DealFactory, ProductFactory

    def won(currency, lines, status=DealStatus.WON):
        deal = DealFactory(partner=managed, status=status, currency=currency)
        for quantity, price, final in lines:
            DealLine.objects.create(
                deal=deal,
                product=ProductFactory(),
                quantity=quantity,
                unit_price=price,
                final=final,
            )

    time_machine.move_to("2026-06-01" + NOON)
    special = _apply(
        managed, partner_finance, kind="special", project_name="Metro", amount=Decimal("50000")
    )
    services.credit_application_approve(application=special, actor=finance_user)
    FxRate.objects.create(
        base_currency="USD",
        quote_currency="CNY",
        rate=Decimal("7"),
        rate_date=datetime.date(2026, 5, 31),
    )
    won("CNY", [(2, Decimal("40000"), True)])
    won("USD", [(1, Decimal("10000"), True)])
    won("CNY", [(1, Decimal("1"), True)], status=DealStatus.APPROVED)

    exposure = selectors.credit_exposure_for(partner=managed)

    assert exposure["limit"] == Decimal("150000.00")
    assert exposure["exposure"] == Decimal("150000.00")  # 80,000 + 10,000 × 7
    assert exposure["available"] == Decimal("0.00")
    assert exposure["over_limit"] is False


def test_exposure_takes_imported_orders_and_payments_without_counting_a_deal_twice(
    managed, time_machine
):
    # given an ERP order, a won deal already taken in as that order, another won deal not yet
    # reconciled, and two payments (one in USD)
    from deals.choices import DealStatus
    from deals.models import DealLine
    from settlement.models import Order, Payment
    from tests.deals.factories import DealFactory, ProductFactory

    time_machine.move_to("2026-06-01" + NOON)
    FxRate.objects.create(
        base_currency="USD",
        quote_currency="CNY",
        rate=Decimal("7"),
        rate_date=datetime.date(2026, 5, 31),
    )
    for number, amount in (("SO-1", Decimal("30000")), ("SO-2", Decimal("5000"))):
        deal = DealFactory(
            partner=managed, status=DealStatus.WON, currency="CNY", order_number=number
        )
        DealLine.objects.create(
            deal=deal, product=ProductFactory(), quantity=1, unit_price=amount, final=True
        )
    Order.objects.create(
        partner=managed,
        reference="SO-1",
        order_date=datetime.date(2026, 5, 2),
        amount=Decimal("30000"),
        currency="CNY",
    )
    for n, (amount, currency) in enumerate(((Decimal("10000"), "CNY"), (Decimal("1000"), "USD"))):
        Payment.objects.create(
            partner=managed,
            transaction_id=f"TX-{n}",
            paid_on=datetime.date(2026, 5, 20),
            amount=amount,
            currency=currency,
        )
    # when
    exposure = selectors.credit_exposure_for(partner=managed)
    # then orders 30,000 + 5,000 − payments 10,000 + 1,000 × 7
    assert (exposure["orders"], exposure["payments"]) == (Decimal("35000.00"), Decimal("17000.00"))
    assert exposure["exposure"] == Decimal("18000.00")
    assert exposure["available"] == Decimal("82000.00")


# --- business reports -------------------------------------------------------------------------


@pytest.fixture
def sales(managed):
    return PartnerUserFactory(partner=managed, role=Role.PARTNER_SALES)


def _report(partner, user, month=datetime.date(2026, 5, 1), **kwargs):
    data = {"pipeline": "12 opportunities", "support_needed": "Demo kit"}
    data.update(kwargs)
    return services.business_report_submit(partner=partner, actor=user, month=month, **data)


def test_a_partner_user_submits_the_monthly_report_and_the_manager_is_told(
    managed, sales, manager, time_machine
):
    time_machine.move_to("2026-06-03" + NOON)
    report = _report(managed, sales, month=datetime.date(2026, 5, 17))
    assert report.month == datetime.date(2026, 5, 1)
    assert report.status == ReportStatus.SUBMITTED
    assert manager.notifications.filter(kind="partner.report_submitted").exists()


def test_one_report_per_month(managed, sales, time_machine):
    time_machine.move_to("2026-06-03" + NOON)
    _report(managed, sales)
    with pytest.raises(ValidationError) as exc:
        _report(managed, sales)
    assert "month" in exc.value.message_dict
    assert BusinessReport.objects.count() == 1


def test_a_future_month_is_refused(managed, sales, time_machine):
    time_machine.move_to("2026-06-03" + NOON)
    with pytest.raises(ValidationError) as exc:
        _report(managed, sales, month=datetime.date(2026, 7, 1))
    assert "month" in exc.value.message_dict


def test_a_report_needs_a_pipeline(managed, sales, time_machine):
    time_machine.move_to("2026-06-03" + NOON)
    with pytest.raises(ValidationError) as exc:
        _report(managed, sales, pipeline=" ")
    assert "pipeline" in exc.value.message_dict


def test_staff_cannot_submit_a_partner_report(managed, manager, time_machine):
    time_machine.move_to("2026-06-03" + NOON)
    with pytest.raises(PermissionDenied):
        _report(managed, manager)


def test_the_manager_accepts_a_submitted_report(managed, sales, manager, time_machine):
    time_machine.move_to("2026-06-03" + NOON)
    report = _report(managed, sales)
    services.business_report_review(report=report, actor=manager, comment="Good", accept=True)
    report.refresh_from_db()
    assert report.status == ReportStatus.REVIEWED
    assert sales.notifications.filter(kind="partner.report_reviewed").exists()


def test_returned_then_resubmitted_then_reviewed(managed, sales, manager, time_machine):
    time_machine.move_to("2026-06-03" + NOON)
    report = _report(managed, sales)
    services.business_report_review(
        report=report, actor=manager, comment="More detail", accept=False
    )
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED
    services.business_report_resubmit(report=report, actor=sales, pipeline="14 opportunities")
    report.refresh_from_db()
    assert (report.status, report.pipeline) == (ReportStatus.SUBMITTED, "14 opportunities")
    services.business_report_review(report=report, actor=manager, comment="", accept=True)
    report.refresh_from_db()
    assert report.status == ReportStatus.REVIEWED


def test_returning_needs_a_comment(managed, sales, manager, time_machine):
    time_machine.move_to("2026-06-03" + NOON)
    report = _report(managed, sales)
    with pytest.raises(ValidationError) as exc:
        services.business_report_review(report=report, actor=manager, comment="", accept=False)
    assert "comment" in exc.value.message_dict


@pytest.mark.parametrize("status", ["reviewed", "returned"])
def test_only_a_submitted_report_is_reviewed(managed, sales, manager, status, time_machine):
    time_machine.move_to("2026-06-03" + NOON)
    report = _report(managed, sales)
    BusinessReport.objects.filter(pk=report.pk).update(status=status, review_comment="x")
    with pytest.raises(ValidationError):
        services.business_report_review(report=report, actor=manager, comment="y", accept=True)


@pytest.mark.parametrize("status", ["submitted", "reviewed"])
def test_only_a_returned_report_is_resubmitted(managed, sales, status, time_machine):
    time_machine.move_to("2026-06-03" + NOON)
    report = _report(managed, sales)
    BusinessReport.objects.filter(pk=report.pk).update(status=status)
    with pytest.raises(ValidationError):
        services.business_report_resubmit(report=report, actor=sales, pipeline="x")


def test_a_manager_of_other_partners_cannot_review(managed, sales, time_machine):
    time_machine.move_to("2026-06-03" + NOON)
    report = _report(managed, sales)
    with pytest.raises(PermissionDenied):
        services.business_report_review(
            report=report, actor=staff(Role.CHANNEL_MANAGER), comment="", accept=True
        )


# --- visits and the quarterly meeting flag ----------------------------------------------------


def test_plan_then_record_a_visit(managed, manager, time_machine):
    time_machine.move_to("2026-05-20" + NOON)
    visit = services.visit_plan(
        partner=managed, actor=manager, kind="review", planned_on=datetime.date(2026, 5, 18)
    )
    services.visit_record(
        visit=visit, actor=manager, visited_on=datetime.date(2026, 5, 18), summary="Q2 review"
    )
    visit.refresh_from_db()
    assert visit.status == VisitStatus.DONE


def test_a_visit_is_not_recorded_in_the_future_or_without_summary(managed, manager, time_machine):
    time_machine.move_to("2026-05-20" + NOON)
    visit = services.visit_plan(
        partner=managed, actor=manager, kind="review", planned_on=datetime.date(2026, 5, 25)
    )
    with pytest.raises(ValidationError) as exc:
        services.visit_record(
            visit=visit, actor=manager, visited_on=datetime.date(2026, 5, 25), summary="x"
        )
    assert "visited_on" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.visit_record(
            visit=visit, actor=manager, visited_on=datetime.date(2026, 5, 19), summary=""
        )
    assert "summary" in exc.value.message_dict
    visit.refresh_from_db()
    assert visit.status == VisitStatus.PLANNED


@pytest.mark.parametrize("status", ["done", "cancelled"])
def test_only_a_planned_visit_is_recorded_or_cancelled(managed, manager, status, time_machine):
    time_machine.move_to("2026-05-20" + NOON)
    visit = services.visit_plan(
        partner=managed, actor=manager, kind="site", planned_on=datetime.date(2026, 5, 18)
    )
    PartnerVisit.objects.filter(pk=visit.pk).update(
        status=status, visited_on=datetime.date(2026, 5, 18), summary="x"
    )
    with pytest.raises(ValidationError):
        services.visit_record(
            visit=visit, actor=manager, visited_on=datetime.date(2026, 5, 18), summary="y"
        )
    with pytest.raises(ValidationError):
        services.visit_cancel(visit=visit, actor=manager)


def test_a_manager_plans_visits_only_to_their_partners(managed):
    with pytest.raises(PermissionDenied):
        services.visit_plan(
            partner=managed,
            actor=staff(Role.CHANNEL_MANAGER),
            kind="review",
            planned_on=datetime.date(2026, 5, 18),
        )


def test_partners_without_a_meeting_this_quarter_are_flagged(managed, manager, time_machine):
    time_machine.move_to("2026-05-20" + NOON)
    met = PartnerFactory(channel_manager=manager)
    trained_only = PartnerFactory(channel_manager=manager)
    met_last_quarter = PartnerFactory(channel_manager=manager)
    PartnerFactory()  # someone else's partner
    PartnerVisit.objects.create(
        partner=met,
        manager=manager,
        kind="review",
        status="done",
        planned_on=datetime.date(2026, 4, 10),
        visited_on=datetime.date(2026, 4, 10),
        summary="ok",
    )
    PartnerVisit.objects.create(
        partner=trained_only,
        manager=manager,
        kind="training",
        status="done",
        planned_on=datetime.date(2026, 4, 10),
        visited_on=datetime.date(2026, 4, 10),
        summary="ok",
    )
    PartnerVisit.objects.create(
        partner=met_last_quarter,
        manager=manager,
        kind="site",
        status="done",
        planned_on=datetime.date(2026, 3, 31),
        visited_on=datetime.date(2026, 3, 31),
        summary="ok",
    )
    PartnerVisit.objects.create(
        partner=managed,
        manager=manager,
        kind="review",
        status="planned",
        planned_on=datetime.date(2026, 6, 10),
    )
    flagged = set(selectors.partners_without_quarterly_meeting(user=manager))
    assert flagged == {managed, trained_only, met_last_quarter}


def test_the_database_refuses_a_second_report_for_a_month(managed, sales, time_machine):
    time_machine.move_to("2026-06-03" + NOON)
    report = _report(managed, sales)
    with pytest.raises(IntegrityError):
        BusinessReport.objects.create(
            partner=managed,
            month=report.month,
            pipeline="again",
            submitted_by=sales,
            submitted_at=report.submitted_at,
        )


@pytest.mark.parametrize(
    ("language", "words"), [("en", "Credit limit application"), ("zh-hans", "信用额度申请")]
)
def test_finance_is_told_of_an_application_with_the_amount_in_the_money_display_form(
    managed, partner_finance, finance_user, language, words
):
    finance_user.language = language
    finance_user.save(update_fields=["language"])
    application = _apply(managed, partner_finance)
    note = Notification.objects.get(recipient=finance_user, kind="partner.credit_submitted")
    assert words in note.title
    assert f"{application.currency} 250,000.00" in note.title
