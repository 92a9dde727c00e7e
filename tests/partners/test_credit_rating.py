"""Credit rating, its alerts and lower-limit proposals (DESIGN §2.6): rules, jobs and services."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.choices import Role
from core.models import AuditEvent, Notification
from core.periods import Quarter
from partners import services
from partners.choices import CreditRatingKind, LimitProposalReason, LimitProposalStatus
from partners.models import CreditLimitProposal, CreditRating
from partners.rules import (
    credit_grade_drop,
    credit_grade_for,
    credit_overdue_penalty,
    credit_rating,
)
from settlement.choices import DisputeState
from settlement.models import Dispute, Order, Payment, ReconciliationMatch, ReconciliationRun
from settlement.selectors import payment_behaviour_by_partner

from ..factories import PartnerFactory, PartnerUserFactory, staff
from ..settlement.factories import published_statement

pytestmark = pytest.mark.django_db

Q3 = Quarter(2026, 3)
END = Q3.end  # 2026-09-30
_numbers = itertools.count(1)


def order(partner, amount, *, on, paid=None, paid_on=None, run=None) -> Order:
    """An order of `amount` dated `on`; `paid` of it matched to a payment made on `paid_on`."""
    paid = Decimal(paid or "0")
    created = Order.objects.create(
        partner=partner,
        reference=f"SO-CR-{next(_numbers)}",
        order_date=on,
        amount=Decimal(amount),
        currency="CNY",
        paid_amount=paid,
        status="matched" if paid >= Decimal(amount) else "unmatched",
    )
    if paid:
        payment = Payment.objects.create(
            partner=partner,
            transaction_id=f"TX-CR-{next(_numbers)}",
            reference=created.reference,
            paid_on=paid_on,
            amount=paid,
            currency="CNY",
        )
        ReconciliationMatch.objects.create(
            run=run or ReconciliationRun.objects.create(),
            order=created,
            payment=payment,
            method="reference",
            amount=paid,
        )
    return created


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


# --- the rules --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("points", "grade"),
    [(100, "AAA"), (90, "AAA"), (89, "AA"), (80, "AA"), (79, "A"), (65, "A"), (64, "B"),
     (50, "B"), (49, "C"), (0, "C")],
)  # fmt: skip
def test_grade_boundaries(points, grade):
    assert credit_grade_for(points) == grade


def _rating(**kwargs):
    figures = {
        "orders_due": 10,
        "orders_late": 0,
        "days_late_total": 0,
        "overdue": Decimal("0"),
        "limit": Decimal("1000"),
        "disputes_lost": 0,
        "classification": "A",
    }
    return credit_rating(**(figures | kwargs))


def test_a_clean_payer_of_class_a_is_aaa_and_each_weakness_costs_its_points():
    assert _rating() | {"penalties": None} == {
        "points": 100,
        "grade": "AAA",
        "average_days_late": Decimal("0"),
        "share_late": Decimal("0"),
        "penalties": None,
    }
    # the scorecard class: B −5, C −15, none −5
    assert _rating(classification="B")["points"] == 95
    assert _rating(classification="C")["grade"] == "AA"  # 85
    assert _rating(classification="")["points"] == 95
    # disputes lost: 5 each, at most 15
    assert _rating(disputes_lost=2)["points"] == 90
    assert _rating(disputes_lost=9)["points"] == 85
    # 2 of 10 orders late by 15 days on average: 10 + 8 points
    late = _rating(orders_late=2, days_late_total=30)
    assert late["average_days_late"] == Decimal("15.0")
    assert late["share_late"] == Decimal("0.2000")
    assert late["points"] == 82
    # one more day on average costs the next step (20 instead of 10)
    assert _rating(orders_late=2, days_late_total=32)["points"] == 72


@pytest.mark.parametrize(
    ("overdue", "limit", "points"),
    [("0", "1000", 0), ("250", "1000", 10), ("251", "1000", 20), ("500", "1000", 20),
     ("501", "1000", 30), ("1000", "1000", 30), ("1000.01", "1000", 45), ("1", "0", 45)],
)  # fmt: skip
def test_overdue_exposure_against_the_limit(overdue, limit, points):
    assert credit_overdue_penalty(overdue=Decimal(overdue), limit=Decimal(limit)) == points


def test_grade_drop_counts_grades():
    assert credit_grade_drop("AAA", "A") == 2
    assert credit_grade_drop("AA", "A") == 1
    assert credit_grade_drop("B", "AAA") == -3
    assert credit_grade_drop("", "C") == 0


# --- payment behaviour from reconciliation -----------------------------------------------------


def test_payment_behaviour_reads_days_late_share_late_overdue_and_disputes_lost(partner):
    # given: due 30 days after the order date
    order(partner, "100", on=END - days(100), paid="100", paid_on=END - days(75))  # on time
    order(partner, "200", on=END - days(100), paid="200", paid_on=END - days(60))  # 10 days late
    order(partner, "300", on=END - days(50), paid="100", paid_on=END - days(30))  # 20 overdue
    order(partner, "400", on=END - days(10))  # not due yet
    order(partner, "500", on=END - days(600), paid="500", paid_on=END - days(500))  # too old
    statement = published_statement(partner)
    statement_dispute(statement, adjustment=None)  # lost
    statement_dispute(statement, adjustment=Decimal("0"))  # lost
    statement_dispute(statement, adjustment=Decimal("10"))  # won
    # when
    figures = payment_behaviour_by_partner(partner_ids=[partner.pk], as_of=END)[partner.pk]
    # then
    assert figures == {
        "orders_due": 3,
        "orders_late": 2,
        "days_late_total": 30,
        "overdue": {"CNY": Decimal("200.00")},
        "disputes_lost": 2,
    }


def statement_dispute(statement, *, adjustment):
    user = PartnerUserFactory(partner=statement.partner, role=Role.PARTNER_FINANCE)
    return Dispute.objects.create(
        statement=statement,
        reason="Wrong",
        raised_by=user,
        state=DisputeState.RESOLVED,
        adjustment_amount=adjustment,
        answered_at=timezone.make_aware(datetime.datetime(2026, 8, 1)),
    )


# --- the quarterly run -------------------------------------------------------------------------


def test_quarterly_run_stores_the_grade_with_its_figures_and_is_idempotent(partner):
    # given: one order 40 days late of two due
    order(partner, "100", on=END - days(100), paid="100", paid_on=END - days(75))
    order(partner, "100", on=END - days(100), paid="100", paid_on=END - days(30))
    # when
    first = services.credit_rating_run(quarter=Q3, partner_ids=[partner.pk])
    again = services.credit_rating_run(quarter=Q3, partner_ids=[partner.pk])
    # then: 100 − 35 (40 days) − 20 (half late) − 5 (not classified) = 40
    assert first["rated"] == 1 and again == {"rated": 0, "skipped": 1, "alerts": 0, "proposals": 0}
    rating = CreditRating.objects.get(partner=partner)
    assert (rating.kind, rating.quarter, rating.as_of) == ("quarterly", "2026Q3", END)
    assert (rating.points, rating.grade) == (40, "C")
    assert rating.average_days_late == Decimal("40.0")
    assert rating.share_late == Decimal("0.5000")
    assert rating.figures["penalties"] == {
        "days_late": 35,
        "share_late": 20,
        "overdue": 0,
        "disputes_lost": 0,
        "classification": 5,
    }


def test_ratings_are_append_only(partner):
    services.credit_rating_run(quarter=Q3, partner_ids=[partner.pk])
    rating = CreditRating.objects.get(partner=partner)
    with pytest.raises(Exception, match="append-only|not allowed|refuse"), transaction.atomic():
        CreditRating.objects.filter(pk=rating.pk).update(grade="C")


def test_a_drop_of_two_grades_notifies_finance_and_proposes_a_lower_limit(finance_user):
    # given: rated AAA last quarter, then every order paid 40 days late (nothing overdue)
    partner = PartnerFactory(classification="A", credit_limit=Decimal("100000.00"))
    services.credit_rating_run(quarter=Q3.previous(), partner_ids=[partner.pk])
    assert CreditRating.objects.get(partner=partner).grade == "AAA"
    order(partner, "100", on=END - days(100), paid="100", paid_on=END - days(30))
    # when
    summary = services.credit_rating_run(quarter=Q3, partner_ids=[partner.pk])
    # then: 100 − 35 − 40 = 25 → C, four grades down
    rating = CreditRating.objects.filter(partner=partner).first()
    assert (rating.previous_grade, rating.grade, rating.over_limit) == ("AAA", "C", False)
    assert summary["proposals"] == 1
    proposal = CreditLimitProposal.objects.get(partner=partner)
    assert proposal.reason == LimitProposalReason.GRADE_DROP
    assert proposal.proposed_limit == Decimal("25000.00")  # C: a quarter of the limit
    assert proposal.rating == rating
    assert Notification.objects.filter(recipient=finance_user, kind="partner.credit_alert").exists()
    assert AuditEvent.objects.filter(action="credit_limit_proposal.created").count() == 1


def test_a_drop_of_one_grade_alerts_nobody(finance_user):
    partner = PartnerFactory(classification="A")
    services.credit_rating_run(quarter=Q3.previous(), partner_ids=[partner.pk])
    partner.classification = "C"  # −15: AAA → AA
    partner.save()
    services.credit_rating_run(quarter=Q3, partner_ids=[partner.pk])
    assert CreditRating.objects.filter(partner=partner).first().grade == "AA"
    assert not CreditLimitProposal.objects.exists()
    assert not Notification.objects.filter(kind="partner.credit_alert").exists()


def test_overdue_exposure_above_the_limit_alerts_without_a_grade_drop(finance_user):
    # given: first rating ever; 1,500 unpaid and overdue against a limit of 1,000
    partner = PartnerFactory(classification="A", credit_limit=Decimal("1000.00"))
    order(partner, "1500", on=END - days(31))
    # when
    services.credit_rating_run(quarter=Q3, partner_ids=[partner.pk])
    # then
    rating = CreditRating.objects.get(partner=partner)
    assert rating.over_limit and rating.previous_grade == ""
    proposal = CreditLimitProposal.objects.get(partner=partner)
    assert proposal.reason == LimitProposalReason.OVER_LIMIT
    assert proposal.proposed_limit < proposal.current_limit == Decimal("1000.00")
    assert Notification.objects.filter(recipient=finance_user, kind="partner.credit_alert").exists()


def test_overdue_exposure_at_the_limit_does_not_alert(finance_user):
    partner = PartnerFactory(classification="A", credit_limit=Decimal("1000.00"))
    order(partner, "1000", on=END - days(31))
    services.credit_rating_run(quarter=Q3, partner_ids=[partner.pk])
    assert not CreditRating.objects.get(partner=partner).over_limit
    assert not CreditLimitProposal.objects.exists()


def test_a_waiting_proposal_is_not_duplicated(finance_user):
    partner = PartnerFactory(credit_limit=Decimal("1000.00"))
    order(partner, "1500", on=END - days(31))
    services.credit_rating_run(quarter=Q3, partner_ids=[partner.pk])
    services.credit_rating_evaluate(partner=partner, actor=finance_user)
    assert CreditLimitProposal.objects.filter(partner=partner).count() == 1


# --- on demand and the decisions ---------------------------------------------------------------


def test_finance_rates_on_demand_and_others_may_not(partner, finance_user, manager):
    rating = services.credit_rating_evaluate(partner=partner, actor=finance_user)
    assert rating.kind == CreditRatingKind.ON_DEMAND and rating.rated_by == finance_user
    assert rating.as_of == timezone.localdate()
    assert AuditEvent.objects.filter(action="credit_rating.rated").exists()
    with pytest.raises(PermissionDenied):
        services.credit_rating_evaluate(partner=partner, actor=manager)
    with pytest.raises(PermissionDenied):
        services.credit_rating_evaluate(
            partner=partner, actor=PartnerUserFactory(partner=partner, role=Role.PARTNER_FINANCE)
        )


@pytest.fixture
def proposal(finance_user):
    partner = PartnerFactory(classification="A", credit_limit=Decimal("1000.00"))
    order(partner, "1500", on=END - days(31))
    services.credit_rating_run(quarter=Q3, partner_ids=[partner.pk])
    return CreditLimitProposal.objects.get(partner=partner)


def test_approving_sets_the_limit_through_the_credit_limit_service(proposal, finance_user):
    services.credit_limit_proposal_approve(proposal=proposal, actor=finance_user, note="Agreed")
    proposal.refresh_from_db()
    proposal.partner.refresh_from_db()
    assert proposal.status == LimitProposalStatus.APPROVED and proposal.decided_by == finance_user
    assert proposal.partner.credit_limit == proposal.proposed_limit
    changed = AuditEvent.objects.get(action="partner.credit_limit_changed")
    assert changed.changes["credit_limit"] == {
        "before": "1000.00",
        "after": str(proposal.proposed_limit),
    }
    assert AuditEvent.objects.filter(action="credit_limit_proposal.approved").exists()
    with pytest.raises(ValidationError):
        services.credit_limit_proposal_reject(proposal=proposal, actor=finance_user, note="No")


def test_rejecting_needs_a_reason_and_keeps_the_limit(proposal, finance_user, manager):
    with pytest.raises(ValidationError) as exc:
        services.credit_limit_proposal_reject(proposal=proposal, actor=finance_user, note=" ")
    assert "note" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        services.credit_limit_proposal_approve(proposal=proposal, actor=manager)
    services.credit_limit_proposal_reject(
        proposal=proposal, actor=finance_user, note="Collateral received"
    )
    proposal.refresh_from_db()
    proposal.partner.refresh_from_db()
    assert proposal.status == LimitProposalStatus.REJECTED
    assert proposal.decision_note == "Collateral received"
    assert proposal.partner.credit_limit == Decimal("1000.00")
    assert AuditEvent.objects.filter(action="credit_limit_proposal.rejected").exists()


def test_approving_is_refused_once_the_limit_is_already_at_the_proposal(proposal, finance_user):
    services.partner_credit_limit_set(
        partner=proposal.partner, actor=finance_user, amount=proposal.proposed_limit
    )
    with pytest.raises(ValidationError):
        services.credit_limit_proposal_approve(proposal=proposal, actor=finance_user)
    proposal.refresh_from_db()
    assert proposal.status == LimitProposalStatus.PENDING


def test_the_credit_limit_service_refuses_a_negative_limit(partner, finance_user):
    with pytest.raises(ValidationError):
        services.partner_credit_limit_set(partner=partner, actor=finance_user, amount=Decimal("-1"))
    with pytest.raises(PermissionDenied):
        services.partner_credit_limit_set(
            partner=partner, actor=staff(Role.CHANNEL_MANAGER), amount=Decimal("1")
        )


# --- the schedule ------------------------------------------------------------------------------


def test_beat_rates_each_quarter_and_the_task_rates_the_quarter_just_ended(settings, time_machine):
    from partners.tasks import credit_rating_run_task

    entry = settings.CELERY_BEAT_SCHEDULE["partners.credit-rating"]
    assert entry["task"] == "partners.tasks.credit_rating_run_task"
    assert entry["schedule"].month_of_year == {1, 4, 7, 10}
    time_machine.move_to(datetime.datetime(2026, 10, 5, 3, tzinfo=datetime.UTC))
    partner = PartnerFactory()
    assert credit_rating_run_task()["rated"] == 1
    assert credit_rating_run_task("2026Q3")["skipped"] == 1
    assert CreditRating.objects.get(partner=partner).quarter == "2026Q3"
