"""Approvals belong to a review round (DESIGN §6.1): a return ends the round, its approvals stay
in the history but no longer count, and the round's submitter never approves in it."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from settlement import services
from settlement.choices import ReviewOutcome, StatementState
from settlement.models import ReviewRound, StatementApproval
from settlement.selectors import statement_counted_approvals
from tests.factories import staff

from .factories import built_statement

pytestmark = pytest.mark.django_db
BASE = "/api/v1/settlement/statements/"


def _countersign_statement(partner):
    """A 1,500,000 CNY statement: three distinct approvers needed."""
    return built_statement(partner, "1500000.00")


def _refresh(statement):
    statement.refresh_from_db()
    return statement


def _approve_button(page: str) -> bool:
    return "/approve/" in page


@pytest.mark.parametrize("resubmitted_by", ["preparer", "first_approver"])
def test_approvals_of_a_returned_round_no_longer_count(partner, resubmitted_by):
    # given: two approvals of three, then a return and a resubmission
    statement = _countersign_statement(partner)
    preparer, first, second = staff(Role.FINANCE), staff(Role.FINANCE), staff(Role.CFO)
    services.statement_submit(statement=statement, actor=preparer)
    services.statement_approve(statement=statement, actor=first)
    services.statement_approve(statement=statement, actor=second)
    services.statement_return(statement=statement, actor=staff(Role.FINANCE), note="Wrong FX")
    submitter = preparer if resubmitted_by == "preparer" else first
    services.statement_submit(statement=statement, actor=submitter)
    # when: one fresh approval
    services.statement_approve(statement=statement, actor=staff(Role.FINANCE))
    # then: one of three in the new round, not approved
    statement = _refresh(statement)
    assert statement.state == StatementState.IN_REVIEW
    current = statement.review_rounds.get(outcome=ReviewOutcome.OPEN)
    assert current.number == 2
    assert current.approvals.count() == 1
    assert statement.approvals.count() == 3


def test_a_new_round_is_approved_by_three_fresh_approvals(partner):
    # given: a returned round with two approvals
    statement = _countersign_statement(partner)
    preparer, first, second = staff(Role.FINANCE), staff(Role.FINANCE), staff(Role.CFO)
    services.statement_submit(statement=statement, actor=preparer)
    services.statement_approve(statement=statement, actor=first)
    services.statement_approve(statement=statement, actor=second)
    services.statement_return(statement=statement, actor=preparer, note="Missing MDF line")
    services.statement_submit(statement=statement, actor=preparer)
    # when: the same two approve again, then a third
    services.statement_approve(statement=statement, actor=first)
    services.statement_approve(statement=statement, actor=second)
    assert _refresh(statement).state == StatementState.IN_REVIEW
    services.statement_approve(statement=statement, actor=staff(Role.FINANCE))
    # then
    statement = _refresh(statement)
    assert statement.state == StatementState.APPROVED
    assert statement.review_rounds.get(number=2).outcome == ReviewOutcome.APPROVED


def test_the_rounds_submitter_cannot_approve_in_it(partner):
    # given: the first approver of round 1 resubmits
    statement = _countersign_statement(partner)
    preparer, first = staff(Role.FINANCE), staff(Role.FINANCE)
    services.statement_submit(statement=statement, actor=preparer)
    services.statement_approve(statement=statement, actor=first)
    services.statement_return(statement=statement, actor=preparer, note="Recheck")
    services.statement_submit(statement=statement, actor=first)
    # when / then
    with pytest.raises(ValidationError, match="You submitted this review round"):
        services.statement_approve(statement=statement, actor=first)
    assert not StatementApproval.objects.filter(review_round__number=2).exists()


def test_an_approver_approves_once_per_round(partner):
    # given
    statement = _countersign_statement(partner)
    services.statement_submit(statement=statement, actor=staff(Role.FINANCE))
    approver = staff(Role.FINANCE)
    services.statement_approve(statement=statement, actor=approver)
    # when / then
    with pytest.raises(ValidationError, match="already approved in this review round"):
        services.statement_approve(statement=statement, actor=approver)
    assert StatementApproval.objects.filter(approver=approver).count() == 1


def test_history_keeps_every_round(partner):
    # given
    statement = _countersign_statement(partner)
    preparer, returner = staff(Role.FINANCE), staff(Role.CFO)
    approvers = [staff(Role.FINANCE) for _ in range(4)]
    services.statement_submit(statement=statement, actor=preparer)
    for approver in approvers[:2]:
        services.statement_approve(statement=statement, actor=approver)
    services.statement_return(statement=statement, actor=returner, note="Tax rate changed")
    # when
    services.statement_submit(statement=statement, actor=preparer)
    for approver in approvers[1:]:
        services.statement_approve(statement=statement, actor=approver)
    # then
    first, second = statement.review_rounds.order_by("number")
    assert (first.outcome, first.ended_by, first.end_note) == (
        ReviewOutcome.RETURNED,
        returner,
        "Tax rate changed",
    )
    assert [a.approver for a in first.approvals.all()] == approvers[:2]
    assert (second.outcome, second.submitted_by) == (ReviewOutcome.APPROVED, preparer)
    assert [a.approver for a in second.approvals.all()] == approvers[1:]
    assert first.required_approvals == second.required_approvals == 3


def test_the_database_refuses_approvals_outside_the_open_round(partner):
    # given: round 1 returned, round 2 open
    statement = _countersign_statement(partner)
    preparer, approver = staff(Role.FINANCE), staff(Role.FINANCE)
    services.statement_submit(statement=statement, actor=preparer)
    services.statement_return(statement=statement, actor=preparer, note="x")
    services.statement_submit(statement=statement, actor=preparer)
    ended, current = statement.review_rounds.order_by("number")
    # when / then: into the ended round, or by the submitter, or into another statement's round
    with pytest.raises(IntegrityError), transaction.atomic():
        StatementApproval.objects.create(statement=statement, review_round=ended, approver=approver)
    with pytest.raises(IntegrityError), transaction.atomic():
        StatementApproval.objects.create(
            statement=statement, review_round=current, approver=preparer
        )
    other = built_statement(partner, period="2026Q4")
    with pytest.raises(IntegrityError), transaction.atomic():
        StatementApproval.objects.create(statement=other, review_round=current, approver=approver)
    assert not StatementApproval.objects.exists()


def test_review_rounds_are_append_only(partner):
    # given
    statement = _countersign_statement(partner)
    preparer = staff(Role.FINANCE)
    services.statement_submit(statement=statement, actor=preparer)
    services.statement_return(statement=statement, actor=preparer, note="x")
    # when / then: an ended round is neither reopened, re-ended nor deleted
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewRound.objects.filter(statement=statement).update(
            outcome=ReviewOutcome.OPEN, ended_at=None
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewRound.objects.filter(statement=statement).update(
            outcome=ReviewOutcome.APPROVED, ended_at=timezone.now()
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewRound.objects.filter(statement=statement).delete()
    assert ReviewRound.objects.get(statement=statement).outcome == ReviewOutcome.RETURNED


# --- the page: the Approve button follows the same rule as the action ---------------------------
def test_submitter_sees_no_approve_button_and_is_refused(client, partner):
    # given
    statement = _countersign_statement(partner)
    submitter = staff(Role.FINANCE)
    services.statement_submit(statement=statement, actor=submitter)
    client.force_login(submitter)
    detail = reverse("settlement:statement_detail", args=[statement.pk])
    # when
    page = client.get(detail).content.decode()
    refused = client.post(
        reverse("settlement:statement_transition", args=[statement.pk, "approve"]), follow=True
    )
    # then
    assert not _approve_button(page)
    assert "You submitted this review round" in refused.content.decode()
    assert not StatementApproval.objects.exists()


def test_approver_sees_approve_once_per_round(client, partner):
    # given
    statement = _countersign_statement(partner)
    services.statement_submit(statement=statement, actor=staff(Role.FINANCE))
    approver = staff(Role.FINANCE)
    client.force_login(approver)
    detail = reverse("settlement:statement_detail", args=[statement.pk])
    approve = reverse("settlement:statement_transition", args=[statement.pk, "approve"])
    assert _approve_button(client.get(detail).content.decode())
    # when
    done = client.post(approve, follow=True).content.decode()
    page = client.get(detail).content.decode()
    again = client.post(approve, follow=True)
    # then
    statement.refresh_from_db()
    assert f"Statement {statement.number} is now {statement.get_state_display()}." in done
    assert not _approve_button(page)
    assert "already approved in this review round" in again.content.decode()
    assert StatementApproval.objects.filter(approver=approver).count() == 1


def test_an_approver_of_a_returned_round_sees_approve_again_in_the_next(client, partner):
    # given
    statement = _countersign_statement(partner)
    preparer, approver = staff(Role.FINANCE), staff(Role.FINANCE)
    services.statement_submit(statement=statement, actor=preparer)
    services.statement_approve(statement=statement, actor=approver)
    services.statement_return(statement=statement, actor=preparer, note="x")
    services.statement_submit(statement=statement, actor=preparer)
    client.force_login(approver)
    # when
    page = client.get(reverse("settlement:statement_detail", args=[statement.pk])).content.decode()
    # then
    assert _approve_button(page)


def test_finance_page_shows_every_round_with_a_constant_query_count(
    client, partner, django_assert_max_num_queries
):
    # given: a returned round and an open one
    statement = _countersign_statement(partner)
    preparer, returner, approver = staff(Role.FINANCE), staff(Role.CFO), staff(Role.FINANCE)
    services.statement_submit(statement=statement, actor=preparer)
    services.statement_approve(statement=statement, actor=approver)
    services.statement_return(statement=statement, actor=returner, note="Tax rate changed")
    services.statement_submit(statement=statement, actor=preparer)
    services.statement_approve(statement=statement, actor=staff(Role.FINANCE))
    client.force_login(returner)
    # when
    with django_assert_max_num_queries(9):
        page = client.get(
            reverse("settlement:statement_detail", args=[statement.pk])
        ).content.decode()
    # then
    assert 'id="review-round-1"' in page
    assert 'id="review-round-2"' in page
    assert "Tax rate changed" in page
    assert "These approvals no longer count." in page


# --- the API ------------------------------------------------------------------------------------
def test_api_refuses_the_submitters_approval(api_client, partner):
    # given
    statement = _countersign_statement(partner)
    submitter = staff(Role.FINANCE)
    services.statement_submit(statement=statement, actor=submitter)
    api_client.force_authenticate(submitter)
    # when
    response = api_client.post(f"{BASE}{statement.pk}/approve/", {"note": "me"}, format="json")
    # then
    assert response.status_code == 400
    assert "You submitted this review round" in response.json()["non_field_errors"][0]
    assert not StatementApproval.objects.exists()


def test_api_after_return_and_resubmission_one_approval_does_not_approve(api_client, partner):
    # given
    statement = _countersign_statement(partner)
    preparer = staff(Role.FINANCE)
    services.statement_submit(statement=statement, actor=preparer)
    for _ in range(2):
        services.statement_approve(statement=statement, actor=staff(Role.FINANCE))
    services.statement_return(statement=statement, actor=preparer, note="Recheck")
    services.statement_submit(statement=statement, actor=preparer)
    api_client.force_authenticate(staff(Role.CFO))
    # when
    response = api_client.post(f"{BASE}{statement.pk}/approve/", format="json")
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == StatementState.IN_REVIEW
    assert [(r["number"], r["outcome"], len(r["approvals"])) for r in body["review_rounds"]] == [
        (1, ReviewOutcome.RETURNED, 2),
        (2, ReviewOutcome.OPEN, 1),
    ]
    assert body["review_rounds"][0]["end_note"] == "Recheck"


def test_partner_sees_only_the_approving_round(api_client, partner, partner_user):
    # given: a statement returned once, then approved and published
    statement = built_statement(partner)
    preparer = staff(Role.FINANCE)
    services.statement_submit(statement=statement, actor=preparer)
    services.statement_return(statement=statement, actor=preparer, note="Internal remark")
    services.statement_submit(statement=statement, actor=preparer)
    services.statement_approve(statement=statement, actor=staff(Role.FINANCE))
    services.statement_publish(statement=statement, actor=preparer)
    api_client.force_authenticate(partner_user)
    # when
    body = api_client.get(f"{BASE}{statement.pk}/").json()
    # then
    assert [(r["number"], r["outcome"]) for r in body["review_rounds"]] == [
        (2, ReviewOutcome.APPROVED)
    ]
    assert "Internal remark" not in str(body)


def test_the_pdf_lists_only_the_approvals_that_count(partner):
    # given: one approval in a returned round, one in the open round
    statement = _countersign_statement(partner)
    preparer, early, final = staff(Role.FINANCE), staff(Role.FINANCE), staff(Role.CFO)
    services.statement_submit(statement=statement, actor=preparer)
    services.statement_approve(statement=statement, actor=early)
    services.statement_return(statement=statement, actor=preparer, note="x")
    services.statement_submit(statement=statement, actor=preparer)
    services.statement_approve(statement=statement, actor=final)
    # when
    counted = statement_counted_approvals(statement=statement)
    # then
    assert [a.approver for a in counted] == [final]
