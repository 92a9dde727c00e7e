"""Writes of the training app: progress, exam attempts, scoring and certifications (DESIGN §3)."""

from __future__ import annotations

import random
import secrets
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.scoping import can_manage_partner
from core.notifications import Audience, notify, partner_audiences
from core.transitions import Notice, transition_record
from partners.models import Partner

from .choices import AttemptStatus, Level, QuestionKind
from .models import (
    Attempt,
    Certification,
    Exam,
    Module,
    ModuleCompletion,
    PartnerCoverage,
    Question,
)

ATTEMPT_WINDOW = timedelta(days=30)
VALIDITY_MONTHS = 24
REMINDER_DAYS = 60
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def module_complete(*, user, module: Module) -> ModuleCompletion:
    """Mark a module complete for the user (idempotent)."""
    completion, _created = ModuleCompletion.objects.get_or_create(user=user, module=module)
    return completion


def attempts_in_window(*, user, exam: Exam, now=None) -> int:
    now = now or timezone.now()
    return Attempt.objects.filter(user=user, exam=exam, started_at__gt=now - ATTEMPT_WINDOW).count()


@transaction.atomic
def attempt_start(*, user, exam: Exam) -> Attempt:
    """Start an attempt: draw a random subset of the bank and fix the deadline on the server.

    Refused for staff, past the attempt limit (rolling 30 days) or with an empty bank.
    """
    if not user.is_partner_user:
        raise ValidationError(_("Only partner users take exams."))
    # Serialise a user's starts so two parallel requests cannot both pass the limit check.
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    open_attempt = (
        Attempt.objects.filter(
            user=user, exam=exam, status=AttemptStatus.IN_PROGRESS, deadline__gte=timezone.now()
        )
        .order_by("-started_at")
        .first()
    )
    if open_attempt is not None:
        return open_attempt
    if attempts_in_window(user=user, exam=exam) >= exam.max_attempts:
        raise ValidationError(
            _("You have used all %(n)s attempts of the last 30 days for this exam."),
            params={"n": exam.max_attempts},
        )
    bank = list(Question.objects.filter(exam=exam, is_active=True).values_list("pk", flat=True))
    if not bank:
        raise ValidationError(_("This exam has no questions yet."))
    drawn = random.SystemRandom().sample(bank, min(exam.question_count, len(bank)))
    now = timezone.now()
    attempt = Attempt.objects.create(
        exam=exam,
        user=user,
        partner_id=user.partner_id,
        question_ids=drawn,
        started_at=now,
        deadline=now + timedelta(minutes=exam.time_limit_minutes),
    )
    transition_record(attempt, actor=user, action="attempt.started")
    return attempt


def _score(attempt: Attempt, answers: dict[str, list[int]]) -> Decimal:
    questions = Question.objects.filter(pk__in=attempt.question_ids).prefetch_related("options")
    correct = 0
    for question in questions:
        right = {o.pk for o in question.options.all() if o.is_correct}
        chosen = set(answers.get(str(question.pk), []))
        if question.kind == QuestionKind.SINGLE and len(chosen) > 1:
            continue
        # All or nothing: a multiple-choice question scores only with exactly the right set.
        if chosen == right:
            correct += 1
    total = len(attempt.question_ids)
    return (Decimal(correct) * 100 / Decimal(total)).quantize(Decimal("0.01"), ROUND_HALF_UP)


@transaction.atomic
def attempt_submit(*, attempt: Attempt, user, answers: dict[str, list[int]]) -> Attempt:
    """Score the answers on the server; award a certification on a pass.

    Refused after the deadline, for someone else's attempt and when already submitted.
    """
    attempt = Attempt.objects.select_for_update().select_related("exam__course").get(pk=attempt.pk)
    if attempt.user_id != user.pk:
        raise ValidationError(_("This attempt is not yours."))
    if attempt.status != AttemptStatus.IN_PROGRESS:
        raise ValidationError(_("This attempt has already been submitted."))
    now = timezone.now()
    if now > attempt.deadline:
        raise ValidationError(
            _("The time limit has passed; this attempt can no longer be submitted.")
        )
    allowed = set(attempt.question_ids)
    clean = {
        str(qid): sorted({int(o) for o in opts})
        for qid, opts in answers.items()
        if int(qid) in allowed
    }
    attempt.answers = clean
    attempt.score = _score(attempt, clean)
    attempt.submitted_at = now
    attempt.status = (
        AttemptStatus.PASSED if attempt.score >= attempt.exam.pass_mark else AttemptStatus.FAILED
    )
    attempt.save(update_fields=["answers", "score", "submitted_at", "status"])
    transition_record(
        attempt,
        actor=user,
        action=f"attempt.{attempt.status}",
        changes={"status": {"before": AttemptStatus.IN_PROGRESS, "after": attempt.status}},
        note=f"score {attempt.score}",
    )
    if attempt.status == AttemptStatus.PASSED:
        certification_award(attempt=attempt, on=timezone.localdate())
    return attempt


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))


@transaction.atomic
def certification_award(*, attempt: Attempt, on: date) -> Certification:
    """Award the certification of the attempt's course, valid 24 months from `on`."""
    course = attempt.exam.course
    for _try in range(5):
        try:
            with transaction.atomic():
                cert = Certification.objects.create(
                    user=attempt.user,
                    partner_id=attempt.partner_id,
                    course=course,
                    track=course.track,
                    level=course.level,
                    attempt=attempt,
                    code=_new_code(),
                    issued_on=on,
                    expires_on=on + relativedelta(months=VALIDITY_MONTHS),
                )
            break
        except IntegrityError:
            continue
    else:
        raise RuntimeError("could not allocate a unique verification code")
    transition_record(
        cert,
        actor=attempt.user,
        action="certification.awarded",
        notice=Notice(
            recipients=[attempt.user],
            kind="certification.awarded",
            title=_("You are certified: %(course)s"),
            url=reverse("training:certification_detail", args=[cert.pk]),
            params={"course": course.name_pair()},
        ),
    )
    return cert


REMINDER_INSERT = """
INSERT INTO training_expiryreminder (certification_id, sent_at)
SELECT id, %(now)s FROM unnest(%(ids)s::bigint[]) AS id
ON CONFLICT (certification_id) DO NOTHING
RETURNING certification_id
"""


@transaction.atomic
def certification_send_expiry_reminders(*, today: date | None = None) -> int:
    """Notify holders (and their partner admins) once, 60 days before a certification expires.

    The reminder rows are inserted first; the unique constraint lets only one run (or one of two
    concurrent runs) claim a certification, and only the claimed ones are notified.
    """
    today = today or timezone.localdate()
    candidates = list(
        Certification.objects.filter(
            expires_on__gt=today,
            expires_on__lte=today + timedelta(days=REMINDER_DAYS),
            expiry_reminders__isnull=True,
        ).values_list("pk", flat=True)
    )
    if not candidates:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(REMINDER_INSERT, {"now": timezone.now(), "ids": candidates})
        claimed = [row[0] for row in cursor.fetchall()]
    due = list(
        Certification.objects.filter(pk__in=claimed).select_related("user", "course").order_by("pk")
    )
    admins = partner_audiences(partner_ids=[c.partner_id for c in due], audience=Audience.ADMINS)
    for cert in due:
        notify(
            recipients=[cert.user, *admins.get(cert.partner_id, [])],
            kind="certification.expiring",
            title=_("Certification of %(holder)s expires on %(date)s: %(course)s"),
            url=reverse("training:certification_detail", args=[cert.pk]),
            params={
                "holder": cert.user.full_name,
                "date": cert.expires_on.isoformat(),
                "course": cert.course.name_pair(),
            },
        )
    return len(due)


@transaction.atomic
def question_create(*, exam: Exam, text: str, kind: str, options: list[tuple[str, bool]], actor):
    """Add a question and its options to an exam's bank."""
    from .models import Option

    question = Question.objects.create(exam=exam, text=text, kind=kind)
    Option.objects.bulk_create(
        [Option(question=question, text=t, is_correct=ok) for t, ok in options]
    )
    transition_record(question, actor=actor, action="question.created")
    return question


def certifications_attached_of(*, partner) -> int:
    """How many certifications still count for a leaving partner (exit step "certifications")."""
    return (
        Certification.objects.unrestricted("exit checklist of one partner")
        .filter(partner=partner, detached_on__isnull=True)
        .count()
    )


@transaction.atomic
def certifications_detach(*, partner, actor) -> str:
    """Detach a leaving partner's certifications (DESIGN §2.9): from today they no longer count for
    its tier or coverage; the people keep them and the public verification still answers."""
    if not (actor.is_vendor_staff and can_manage_partner(actor, partner)):
        raise PermissionDenied
    today = timezone.localdate()
    certifications = list(
        Certification.objects.unrestricted("exit of one partner")
        .select_for_update()
        .filter(partner=partner, detached_on__isnull=True)
        .order_by("pk")
    )
    for certification in certifications:
        certification.detached_on = today
        certification.save(update_fields=["detached_on"])
        transition_record(
            certification,
            actor=actor,
            action="certification.detached",
            partner=partner,
            changes={"detached_on": {"before": None, "after": today.isoformat()}},
        )
    return str(_("%(count)s certifications detached.") % {"count": len(certifications)})


@transaction.atomic
def partner_coverage_refresh(*, today: date | None = None) -> int:
    """Count afresh the certified staff of every partner whose counted row does not hold on
    `today` (none yet, dropped by a certification's write, or a certification started, ended or
    was detached since): what the coverage list's "below the requirement" reads. Certifications
    are locked against writes meanwhile (SHARE), so no count is stored from a moment a concurrent
    write has outdated. Returns how many partners were counted."""
    today = today or timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {Certification._meta.db_table} IN SHARE MODE")
    holding = PartnerCoverage.objects.filter(counted_on__lte=today).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gt=today)
    )
    stale = list(
        Partner.objects.unrestricted("certified staff of every partner, counted ahead")
        .exclude(pk__in=holding.values("partner_id"))
        .values_list("pk", flat=True)
    )
    if not stale:
        return 0
    valid = Q(issued_on__lte=today, expires_on__gt=today) & (
        Q(detached_on__isnull=True) | Q(detached_on__gt=today)
    )
    counted = {
        row["partner_id"]: row
        for row in Certification.objects.unrestricted("certified staff of every partner")
        .filter(partner_id__in=stale)
        .order_by()
        .values("partner_id")
        .annotate(
            certified=Count("user", filter=valid, distinct=True),
            senior_certified=Count("user", filter=valid & Q(level=Level.SENIOR), distinct=True),
            next_issue=Min("issued_on", filter=Q(issued_on__gt=today)),
            next_expiry=Min("expires_on", filter=Q(expires_on__gt=today)),
            next_detach=Min("detached_on", filter=Q(detached_on__gt=today)),
        )
    }
    rows = []
    for partner_id in stale:
        row = counted.get(partner_id, {})
        ahead = [row.get(k) for k in ("next_issue", "next_expiry", "next_detach") if row.get(k)]
        rows.append(
            PartnerCoverage(
                partner_id=partner_id,
                certified=row.get("certified", 0),
                senior_certified=row.get("senior_certified", 0),
                counted_on=today,
                valid_until=min(ahead) if ahead else None,
            )
        )
    PartnerCoverage.objects.bulk_create(
        rows,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["partner"],
        update_fields=["certified", "senior_certified", "counted_on", "valid_until"],
    )
    return len(rows)
