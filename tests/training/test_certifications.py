import datetime as dt

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.choices import Role
from core.models import Notification
from tests.factories import PartnerUserFactory
from training.choices import Level
from training.models import ExpiryReminder
from training.selectors import certified_staff_counts
from training.services import attempt_start, attempt_submit, certification_send_expiry_reminders
from training.tasks import certification_send_expiry_reminders_task

from .factories import CertificationFactory, CourseFactory, exam_with_bank, right_answers

pytestmark = pytest.mark.django_db


def test_certification_is_valid_for_24_months(partner_user):
    exam = exam_with_bank()
    with time_machine.travel(dt.datetime(2026, 1, 31, 10, tzinfo=dt.UTC), tick=False):
        attempt = attempt_start(user=partner_user, exam=exam)
        attempt = attempt_submit(attempt=attempt, user=partner_user, answers=right_answers(attempt))
    cert = attempt.certification
    assert cert.issued_on == dt.date(2026, 1, 31)
    assert cert.expires_on == dt.date(2028, 1, 31)
    assert cert.track == exam.course.track and cert.level == exam.course.level
    assert len(cert.code) == 12


def test_verification_codes_are_unique(partner_user):
    exam = exam_with_bank()
    codes = set()
    for _ in range(3):
        attempt = attempt_start(user=partner_user, exam=exam)
        attempt = attempt_submit(attempt=attempt, user=partner_user, answers=right_answers(attempt))
        codes.add(attempt.certification.code)
    assert len(codes) == 3


def test_certified_staff_counts_distinct_users_and_excludes_expired(partner):
    today = dt.date(2026, 6, 1)
    senior = CourseFactory(level=Level.SENIOR)
    alice = PartnerUserFactory(partner=partner, role=Role.PARTNER_SALES)
    bob = PartnerUserFactory(partner=partner, role=Role.PARTNER_SALES)
    carol = PartnerUserFactory(partner=partner, role=Role.PARTNER_SALES)
    # alice: two certs, one senior -> counts once in total and once in senior
    CertificationFactory(user=alice, issued_on=dt.date(2025, 1, 1))
    CertificationFactory(user=alice, course=senior, issued_on=dt.date(2025, 2, 1))
    CertificationFactory(user=bob, issued_on=dt.date(2026, 5, 1))
    # carol's certificate expired on 2026-05-31
    CertificationFactory(
        user=carol, course=senior, issued_on=dt.date(2024, 5, 31), expires_on=dt.date(2026, 5, 31)
    )
    # another company's certificate never counts
    CertificationFactory()
    assert certified_staff_counts(partner=partner, as_of=today) == {
        "total": 2,
        "junior": 2,
        "mid": 0,
        "senior": 1,
    }
    assert certified_staff_counts(partner=partner, as_of=dt.date(2026, 5, 30)) == {
        "total": 3,
        "junior": 2,
        "mid": 0,
        "senior": 2,
    }


def test_expiry_reminder_is_sent_once_60_days_before(partner, committed):
    holder = PartnerUserFactory(partner=partner, role=Role.PARTNER_SALES)
    admin = PartnerUserFactory(partner=partner, role=Role.PARTNER_ADMIN)
    cert = CertificationFactory(
        user=holder, issued_on=dt.date(2024, 8, 1), expires_on=dt.date(2026, 8, 1)
    )
    CertificationFactory(issued_on=dt.date(2025, 1, 1))  # far from expiry
    # 61 days before: nothing yet
    assert certification_send_expiry_reminders(today=dt.date(2026, 6, 1)) == 0
    with committed():
        assert certification_send_expiry_reminders(today=dt.date(2026, 6, 2)) == 1
    assert certification_send_expiry_reminders(today=dt.date(2026, 6, 3)) == 0
    assert set(
        Notification.objects.filter(kind="certification.expiring").values_list(
            "recipient", flat=True
        )
    ) == {holder.pk, admin.pk}
    assert ExpiryReminder.objects.get().certification == cert


def test_second_reminder_for_a_certification_is_refused_by_the_database(partner):
    cert = CertificationFactory(issued_on=dt.date(2024, 8, 1), expires_on=dt.date(2026, 8, 1))
    ExpiryReminder.objects.create(certification=cert)
    with pytest.raises(IntegrityError), transaction.atomic():
        ExpiryReminder.objects.create(certification=cert)
    # and the job sends nothing for a certification already reminded
    assert certification_send_expiry_reminders(today=dt.date(2026, 7, 1)) == 0
    assert not Notification.objects.filter(kind="certification.expiring").exists()


def test_expiry_reminder_task_runs_the_service(partner):
    CertificationFactory(issued_on=dt.date(2024, 8, 1), expires_on=dt.date(2026, 8, 1))
    with time_machine.travel(dt.datetime(2026, 7, 1, 8, tzinfo=dt.UTC), tick=False):
        assert certification_send_expiry_reminders_task.apply().get() == 1
        assert certification_send_expiry_reminders_task.apply().get() == 0


def test_certification_list_partner_sees_only_own(client, partner_user, other_partner_user):
    mine = CertificationFactory(user=partner_user)
    CertificationFactory(user=other_partner_user)
    client.force_login(partner_user)
    response = client.get(reverse("training:certification_list"))
    assert [c.pk for c in response.context["page"]] == [mine.pk]


def test_certification_list_fixed_queries(client, manager, django_assert_max_num_queries):
    for _ in range(6):
        CertificationFactory()
    client.force_login(manager)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("training:certification_list"))
    assert len(response.context["page"]) == 6


def test_certification_detail_scoped(client, partner, partner_user, other_partner_user):
    colleague = PartnerUserFactory(partner=partner, role=Role.PARTNER_SALES)
    cert = CertificationFactory(user=colleague)
    url = reverse("training:certification_detail", args=[cert.pk])
    client.force_login(other_partner_user)
    assert client.get(url).status_code == 404
    client.force_login(partner_user)  # the company's partner admin
    assert client.get(url).status_code == 200
    other_colleague = PartnerUserFactory(partner=partner, role=Role.PARTNER_SALES)
    client.force_login(other_colleague)
    assert client.get(url).status_code == 404
    client.force_login(colleague)
    assert client.get(url).status_code == 200
