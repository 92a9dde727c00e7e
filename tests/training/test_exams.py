import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.models import AuditEvent
from training.choices import AttemptStatus, QuestionKind
from training.models import Attempt, Certification, Option
from training.services import attempt_start, attempt_submit

from .factories import add_question, exam_with_bank, right_answers

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def test_attempt_draws_configured_number_of_questions(partner_user):
    exam = exam_with_bank(singles=8, multiples=2, question_count=5)
    attempt = attempt_start(user=partner_user, exam=exam)
    assert len(attempt.question_ids) == 5
    assert set(attempt.question_ids) <= set(exam.questions.values_list("pk", flat=True))


def test_staff_cannot_take_exams(manager):
    exam = exam_with_bank()
    with pytest.raises(ValidationError):
        attempt_start(user=manager, exam=exam)


def test_all_right_answers_pass_and_award_a_certification(partner_user):
    exam = exam_with_bank()
    attempt = attempt_start(user=partner_user, exam=exam)
    attempt = attempt_submit(attempt=attempt, user=partner_user, answers=right_answers(attempt))
    assert attempt.status == AttemptStatus.PASSED
    assert attempt.score == Decimal("100.00")
    cert = Certification.objects.get(user=partner_user)
    assert cert.partner == partner_user.partner
    assert AuditEvent.objects.filter(action="attempt.passed").exists()
    assert AuditEvent.objects.filter(action="certification.awarded").exists()


@pytest.mark.parametrize(("right", "passed"), [(10, True), (7, True), (6, False), (0, False)])
def test_pass_mark_is_seventy_percent(partner_user, right, passed):
    # given ten single-choice questions, all drawn
    exam = exam_with_bank(singles=10, multiples=0, question_count=10)
    attempt = attempt_start(user=partner_user, exam=exam)
    answers = right_answers(attempt)
    for qid in list(answers)[right:]:
        answers[qid] = [Option.objects.filter(question_id=qid, is_correct=False).first().pk]
    # when
    attempt = attempt_submit(attempt=attempt, user=partner_user, answers=answers)
    # then
    assert attempt.score == Decimal(right * 10)
    assert (attempt.status == AttemptStatus.PASSED) is passed
    assert Certification.objects.filter(user=partner_user).exists() is passed


def test_multiple_choice_is_all_or_nothing(partner_user):
    exam = exam_with_bank(singles=0, multiples=0, question_count=1)
    question = add_question(exam, kind=QuestionKind.MULTIPLE, correct=2, wrong=1)
    right = list(question.options.filter(is_correct=True).values_list("pk", flat=True))
    wrong = question.options.filter(is_correct=False).first().pk
    partial = attempt_start(user=partner_user, exam=exam)
    partial = attempt_submit(
        attempt=partial, user=partner_user, answers={str(question.pk): right[:1]}
    )
    assert partial.score == Decimal("0")
    extra = attempt_start(user=partner_user, exam=exam)
    extra = attempt_submit(
        attempt=extra, user=partner_user, answers={str(question.pk): [*right, wrong]}
    )
    assert extra.score == Decimal("0")
    full = attempt_start(user=partner_user, exam=exam)
    full = attempt_submit(attempt=full, user=partner_user, answers={str(question.pk): right})
    assert full.score == Decimal("100")


def test_submitting_twice_is_refused(partner_user):
    exam = exam_with_bank()
    attempt = attempt_start(user=partner_user, exam=exam)
    attempt_submit(attempt=attempt, user=partner_user, answers=right_answers(attempt))
    with pytest.raises(ValidationError):
        attempt_submit(attempt=attempt, user=partner_user, answers={})
    assert Certification.objects.count() == 1


def test_submission_after_the_deadline_is_refused(partner_user):
    exam = exam_with_bank(time_limit_minutes=30)
    with time_machine.travel(T0, tick=False):
        attempt = attempt_start(user=partner_user, exam=exam)
    assert attempt.deadline == T0 + dt.timedelta(minutes=30)
    with (
        time_machine.travel(T0 + dt.timedelta(minutes=31), tick=False),
        pytest.raises(ValidationError),
    ):
        attempt_submit(attempt=attempt, user=partner_user, answers=right_answers(attempt))
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.IN_PROGRESS
    assert attempt.score is None
    assert not Certification.objects.exists()


def test_submission_just_before_the_deadline_counts(partner_user):
    exam = exam_with_bank(time_limit_minutes=30)
    with time_machine.travel(T0, tick=False):
        attempt = attempt_start(user=partner_user, exam=exam)
    with time_machine.travel(T0 + dt.timedelta(minutes=29, seconds=59), tick=False):
        attempt = attempt_submit(attempt=attempt, user=partner_user, answers=right_answers(attempt))
    assert attempt.status == AttemptStatus.PASSED


def test_at_most_three_attempts_per_rolling_thirty_days(partner_user):
    exam = exam_with_bank()
    for day in range(3):
        with time_machine.travel(T0 + dt.timedelta(days=day * 10), tick=False):
            attempt = attempt_start(user=partner_user, exam=exam)
            attempt_submit(attempt=attempt, user=partner_user, answers={})
    # day 29 after the first: still three in the window
    with (
        time_machine.travel(T0 + dt.timedelta(days=29), tick=False),
        pytest.raises(ValidationError),
    ):
        attempt_start(user=partner_user, exam=exam)
    # day 31: the first attempt has left the window
    with time_machine.travel(T0 + dt.timedelta(days=30, minutes=1), tick=False):
        assert attempt_start(user=partner_user, exam=exam).pk
    assert Attempt.objects.count() == 4


def test_starting_again_while_open_resumes_the_same_attempt(partner_user):
    exam = exam_with_bank()
    first = attempt_start(user=partner_user, exam=exam)
    assert attempt_start(user=partner_user, exam=exam) == first


def test_someone_elses_attempt_cannot_be_submitted(partner_user, other_partner_user):
    exam = exam_with_bank()
    attempt = attempt_start(user=partner_user, exam=exam)
    with pytest.raises(ValidationError):
        attempt_submit(attempt=attempt, user=other_partner_user, answers=right_answers(attempt))


def test_exam_page_never_renders_correct_answers(client, partner_user):
    # given an option text that would only show up if correctness leaked
    exam = exam_with_bank(singles=1, multiples=0, question_count=1)
    client.force_login(partner_user)
    response = client.post(reverse("training:exam_start", args=[exam.course_id]))
    attempt = Attempt.objects.get()
    assert response.url == reverse("training:attempt_take", args=[attempt.pk])
    # when
    page = client.get(response.url)
    # then
    html = page.content.decode()
    assert "right 0" in html and "wrong 0" in html
    assert "is_correct" not in html and "correct" not in html.lower().replace("every correct", "")
    assert page.context["questions"][0]["options"][0].keys() == {"pk", "text"}


def test_taking_the_exam_through_the_page(client, partner_user):
    exam = exam_with_bank()
    client.force_login(partner_user)
    client.post(reverse("training:exam_start", args=[exam.course_id]))
    attempt = Attempt.objects.get()
    data = {f"q{qid}": opts for qid, opts in right_answers(attempt).items()}
    response = client.post(reverse("training:attempt_take", args=[attempt.pk]), data)
    assert response.status_code == 302
    result = client.get(response.url)
    assert result.context["attempt"].status == AttemptStatus.PASSED
    assert result.context["certification"] is not None


def test_another_companys_attempt_is_404(client, partner_user, other_partner_user):
    exam = exam_with_bank()
    attempt = attempt_start(user=partner_user, exam=exam)
    client.force_login(other_partner_user)
    assert client.get(reverse("training:attempt_take", args=[attempt.pk])).status_code == 404
    response = client.post(reverse("training:attempt_take", args=[attempt.pk]), {})
    assert response.status_code == 404
    assert client.get(reverse("training:attempt_result", args=[attempt.pk])).status_code == 404


def test_limit_reached_shows_message_instead_of_error(client, partner_user):
    exam = exam_with_bank()
    exam.max_attempts = 1
    exam.save()
    attempt = attempt_start(user=partner_user, exam=exam)
    attempt_submit(attempt=attempt, user=partner_user, answers={})
    client.force_login(partner_user)
    response = client.post(reverse("training:exam_start", args=[exam.course_id]), follow=True)
    assert response.status_code == 200
    assert "attempts of the last 30 days" in response.content.decode()
    assert Attempt.objects.count() == 1


def test_failed_attempt_is_audited_and_refused_submit_is_not(partner_user):
    exam = exam_with_bank()
    attempt = attempt_start(user=partner_user, exam=exam)
    attempt_submit(attempt=attempt, user=partner_user, answers={})
    assert (
        AuditEvent.objects.filter(action="attempt.failed", object_id=str(attempt.pk)).count() == 1
    )
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError):
        attempt_submit(attempt=attempt, user=partner_user, answers=right_answers(attempt))
    assert AuditEvent.objects.count() == before
    assert not Certification.objects.exists()


def test_garbage_answers_in_the_page_do_not_error_and_submit_nothing(client, partner_user):
    exam = exam_with_bank()
    client.force_login(partner_user)
    client.post(reverse("training:exam_start", args=[exam.course_id]))
    attempt = Attempt.objects.get()
    qid = attempt.question_ids[0]
    response = client.post(
        reverse("training:attempt_take", args=[attempt.pk]), {f"q{qid}": ["abc", "-1"], "q999": "1"}
    )
    # bad input changes nothing (DESIGN §9): back to the exam, the attempt still open
    assert response.status_code == 302
    assert response.url == reverse("training:attempt_take", args=[attempt.pk])
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.IN_PROGRESS
