from datetime import date

import factory
from dateutil.relativedelta import relativedelta
from factory.django import DjangoModelFactory

from tests.factories import PartnerUserFactory
from training.choices import Level, QuestionKind, Track
from training.models import Certification, Course, Exam, Module, Option, Question


class CourseFactory(DjangoModelFactory):
    class Meta:
        model = Course

    title = factory.Sequence(lambda n: f"Course {n}")
    track = Track.SALES
    level = Level.JUNIOR


class ModuleFactory(DjangoModelFactory):
    class Meta:
        model = Module

    course = factory.SubFactory(CourseFactory)
    position = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Module {n}")
    body = "First paragraph.\n\nSecond paragraph."


class ExamFactory(DjangoModelFactory):
    class Meta:
        model = Exam

    course = factory.SubFactory(CourseFactory)
    question_count = 4
    time_limit_minutes = 30


def add_question(exam, *, kind=QuestionKind.SINGLE, correct=1, wrong=2, text="Q") -> Question:
    question = Question.objects.create(exam=exam, text=text, kind=kind)
    for i in range(correct):
        Option.objects.create(question=question, text=f"right {i}", is_correct=True)
    for i in range(wrong):
        Option.objects.create(question=question, text=f"wrong {i}", is_correct=False)
    return question


def exam_with_bank(*, singles=3, multiples=1, question_count=4, **kwargs) -> Exam:
    exam = ExamFactory(question_count=question_count, **kwargs)
    for n in range(singles):
        add_question(exam, text=f"Single {n}")
    for n in range(multiples):
        add_question(exam, kind=QuestionKind.MULTIPLE, correct=2, wrong=2, text=f"Multi {n}")
    return exam


def right_answers(attempt) -> dict[str, list[int]]:
    return {
        str(qid): list(
            Option.objects.filter(question_id=qid, is_correct=True).values_list("pk", flat=True)
        )
        for qid in attempt.question_ids
    }


class CertificationFactory(DjangoModelFactory):
    class Meta:
        model = Certification

    user = factory.SubFactory(PartnerUserFactory)
    partner = factory.LazyAttribute(lambda o: o.user.partner)
    course = factory.SubFactory(CourseFactory)
    track = factory.LazyAttribute(lambda o: o.course.track)
    level = factory.LazyAttribute(lambda o: o.course.level)
    code = factory.Sequence(lambda n: f"CODE{n:08d}")
    issued_on = factory.LazyFunction(date.today)
    expires_on = factory.LazyAttribute(lambda o: o.issued_on + relativedelta(months=24))
