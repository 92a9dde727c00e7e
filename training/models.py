"""Courses, exams, attempts and certifications (DESIGN §3)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.scoping import ScopedManager
from core.bilingual import BilingualName, bilingual_given
from core.uploads import validate_document

from .choices import AttemptStatus, Level, QuestionKind, Track


class Course(BilingualName, models.Model):
    """A course of one track and level; the vendor's catalogue, readable by every signed-in user.
    Titled in English, Chinese or both (`display_name` answers in the reader's language)."""

    bilingual_field = "title"

    title = models.CharField(_("title (English)"), max_length=200, blank=True)
    title_zh = models.CharField(
        _("title (Chinese)"), max_length=200, blank=True, default="", db_default=""
    )
    track = models.CharField(_("track"), max_length=20, choices=Track.choices)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    description = models.TextField(_("description"), blank=True)
    is_published = models.BooleanField(_("published"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["track", "level", "title", "title_zh"]
        constraints = [bilingual_given("title", "course_title_given")]

    def __str__(self) -> str:
        return self.display_name


class Module(BilingualName, models.Model):
    """One ordered step of a course: text paragraphs, an uploaded file or a video link."""

    bilingual_field = "title"

    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.CASCADE, related_name="modules"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    title = models.CharField(_("title (English)"), max_length=200, blank=True)
    title_zh = models.CharField(
        _("title (Chinese)"), max_length=200, blank=True, default="", db_default=""
    )
    body = models.TextField(_("text"), blank=True)
    attachment = models.FileField(
        _("file"), upload_to="training/modules/", blank=True, validators=[validate_document]
    )
    video_url = models.URLField(_("video link"), blank=True)

    class Meta:
        verbose_name = _("module")
        verbose_name_plural = _("modules")
        ordering = ["course", "position"]
        constraints = [
            models.UniqueConstraint(fields=["course", "position"], name="module_unique_position"),
            bilingual_given("title", "module_title_given"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.display_name}"


class ModuleCompletion(models.Model):
    """A user marked a module complete; once per user and module."""

    scope_partner_path = "user__partner"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="module_completions"
    )
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="completions")
    completed_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "module"], name="completion_unique_user_module")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.module}"


class Exam(models.Model):
    """The exam of a course: each attempt draws `question_count` questions from the bank."""

    course = models.OneToOneField(
        Course, verbose_name=_("course"), on_delete=models.CASCADE, related_name="exam"
    )
    question_count = models.PositiveSmallIntegerField(
        _("questions per attempt"), default=10, validators=[MinValueValidator(1)]
    )
    time_limit_minutes = models.PositiveSmallIntegerField(
        _("time limit (minutes)"), default=30, validators=[MinValueValidator(1)]
    )
    pass_mark = models.DecimalField(
        _("pass mark (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("70"),
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("100"))],
    )
    max_attempts = models.PositiveSmallIntegerField(_("attempts per 30 days"), default=3)

    class Meta:
        verbose_name = _("exam")
        verbose_name_plural = _("exams")

    def __str__(self) -> str:
        return str(self.course)


class Question(models.Model):
    exam = models.ForeignKey(
        Exam, verbose_name=_("exam"), on_delete=models.CASCADE, related_name="questions"
    )
    text = models.TextField(_("question"))
    kind = models.CharField(
        _("kind"), max_length=10, choices=QuestionKind.choices, default=QuestionKind.SINGLE
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.text[:80]


class Option(models.Model):
    question = models.ForeignKey(
        Question, verbose_name=_("question"), on_delete=models.CASCADE, related_name="options"
    )
    text = models.CharField(_("option"), max_length=500)
    is_correct = models.BooleanField(_("correct"), default=False)

    class Meta:
        verbose_name = _("option")
        verbose_name_plural = _("options")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.text


class Attempt(models.Model):
    """One sitting of an exam; the drawn questions and the deadline are fixed at the start."""

    scope_partner_path = "partner"

    exam = models.ForeignKey(Exam, on_delete=models.PROTECT, related_name="attempts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="exam_attempts"
    )
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="+")
    question_ids = ArrayField(models.PositiveIntegerField(), verbose_name=_("questions"))
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    deadline = models.DateTimeField(_("deadline"))
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=AttemptStatus.choices, default=AttemptStatus.IN_PROGRESS
    )
    score = models.DecimalField(_("score (%)"), max_digits=5, decimal_places=2, null=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("exam attempt")
        verbose_name_plural = _("exam attempts")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["user", "exam", "started_at"])]

    def __str__(self) -> str:
        return f"{self.exam} · {self.user}"

    @property
    def is_open(self) -> bool:
        return self.status == AttemptStatus.IN_PROGRESS and timezone.now() <= self.deadline


class Certification(models.Model):
    """Awarded on passing an exam; valid 24 months; verifiable publicly by its code."""

    scope_partner_path = "partner"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="certifications"
    )
    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.PROTECT, related_name="certifications"
    )
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="certifications")
    track = models.CharField(_("track"), max_length=20, choices=Track.choices)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    attempt = models.OneToOneField(
        Attempt, on_delete=models.PROTECT, null=True, blank=True, related_name="certification"
    )
    code = models.CharField(_("verification code"), max_length=20, unique=True)
    issued_on = models.DateField(_("issued"))
    expires_on = models.DateField(_("expires on"))
    # The day the certification stopped counting for its partner: the partner left (DESIGN §2.9).
    detached_on = models.DateField(_("detached from the partner on"), null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        ordering = ["-issued_on", "pk"]
        indexes = [
            models.Index(fields=["partner", "expires_on"]),
            # The certification list's order (page and API): newest first, from the index.
            models.Index(fields=["-issued_on", "-id"], name="certification_recent"),
            # The coverage list counts each partner's valid certifications (their holders, the
            # senior ones) in correlated subqueries: answered from this index alone.
            models.Index(
                fields=["partner", "expires_on"],
                include=["issued_on", "detached_on", "level", "user"],
                name="certification_partner_valid",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="certification_expires_after_issue",
                condition=Q(expires_on__gt=models.F("issued_on")),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_track_display()} {self.get_level_display()} · {self.user}"

    def is_valid_on(self, day) -> bool:
        return self.issued_on <= day < self.expires_on


class PartnerCoverage(models.Model):
    """A partner's certified staff counted on `counted_on` (distinct holders of a valid
    certification, and of a senior one), which hold until `valid_until`: the next day one of its
    certifications starts, ends or is detached (none ahead: null). The coverage list's "below the
    requirement" reads these instead of counting every partner's certifications; a partner
    without a row holding on the day is counted live. A database trigger drops the row whenever
    one of the partner's certifications is written; `partner_coverage_refresh` counts afresh."""

    partner = models.OneToOneField(
        "partners.Partner",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="certification_coverage",
    )
    certified = models.PositiveIntegerField(_("certified staff"))
    senior_certified = models.PositiveIntegerField(_("senior certified staff"))
    counted_on = models.DateField(_("counted on"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("certification coverage")
        verbose_name_plural = _("certification coverage")

    def __str__(self) -> str:
        return f"{self.partner_id}: {self.certified} / {self.senior_certified}"


class ExpiryReminder(models.Model):
    """The expiry reminder of one certification: the unique constraint makes it once, ever."""

    scope_partner_path = "certification__partner"

    certification = models.ForeignKey(
        Certification,
        verbose_name=_("certification"),
        on_delete=models.PROTECT,
        related_name="expiry_reminders",
    )
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("expiry reminder")
        verbose_name_plural = _("expiry reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["certification"], name="expiryreminder_once_per_certification"
            )
        ]

    def __str__(self) -> str:
        return f"{self.certification} · {self.sent_at:%Y-%m-%d}"
