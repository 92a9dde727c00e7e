"""Shared records: audit trail, notifications, background jobs, import batches and FX rates."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .bilingual import localized_value
from .money import CURRENCY_CHOICES


class AuditEvent(models.Model):
    """Who changed what, when, from which value to which. Append-only: a trigger refuses UPDATE/DELETE."""

    scope_partner_path = None  # administrators only

    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_repr = models.CharField(_("who (as recorded)"), max_length=254, blank=True)
    action = models.CharField(_("action"), max_length=80, db_index=True)
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=300, blank=True)
    partner = models.ForeignKey(
        settings.PRM_PARTNER_MODEL,
        verbose_name=_("partner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return (
            f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_repr} {self.action} {self.object_repr}"
        )


class Notification(models.Model):
    """A message to one user, shown in the app and optionally e-mailed, in the user's language."""

    scope_partner_path = None

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=60)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("message"), blank=True)
    # The message ids and placeholders the texts were made of: the reader's language renders them
    # when the notification is read (list, dropdown, e-mail). Empty for rows written before, and
    # for text a person typed; `title` and `body` as stored are then shown.
    title_key = models.TextField(_("title message id"), blank=True)
    body_key = models.TextField(_("message id"), blank=True)
    params = models.JSONField(_("placeholders"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    by_email = models.BooleanField(_("to be e-mailed"), default=True)
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def display_title(self) -> str:
        """The title in the active language (the reader's), or as stored for older rows."""
        return message_render(self.title_key, self.params) or self.title

    @property
    def display_body(self) -> str:
        return message_render(self.body_key, self.params) or self.body


def message_render(key: str, params: dict[str, Any] | None) -> str:
    """Translate a stored message id into the active language and fill its `%(name)s` placeholders;
    a placeholder stored as `{"msgid": ...}` (a choice label, a status) is translated as well."""
    if not key:
        return ""
    values = {
        name: gettext(value["msgid"])
        if isinstance(value, dict) and "msgid" in value
        else localized_value(value)
        for name, value in (params or {}).items()
    }
    text = gettext(key)
    try:
        return text % values if values else text
    except (KeyError, TypeError, ValueError):
        return text


class NotificationDelivery(models.TextChoices):
    """How a person wants one kind of notification by e-mail (DESIGN §8); in the app it always shows."""

    EMAIL = "email", _("E-mail each one")
    DIGEST = "digest", _("Daily digest")
    OFF = "off", _("No e-mail")


class NotificationPreference(models.Model):
    """A person's choice for one notification kind; no row means the default, an e-mail each."""

    scope_partner_path = None  # each person's own (selected by user)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("kind"), max_length=60)
    delivery = models.CharField(
        _("e-mail"),
        max_length=10,
        choices=NotificationDelivery.choices,
        default=NotificationDelivery.EMAIL,
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_pref_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.delivery}"


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class JobRun(models.Model):
    """A long-running task as people see it: progress, outcome and a result (file, figures)."""

    scope_partner_path = None

    kind = models.CharField(_("kind"), max_length=80, db_index=True)
    label = models.CharField(_("description"), max_length=300)
    status = models.CharField(
        _("status"), max_length=12, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    total = models.PositiveBigIntegerField(_("total"), default=0)
    done = models.PositiveBigIntegerField(_("done"), default=0)
    message = models.CharField(_("message"), max_length=500, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    result_file = models.FileField(_("result file"), upload_to="jobs/%Y/%m/", blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="jobs",
    )
    task_id = models.CharField(max_length=64, blank=True)
    # How to run the job again (the task and its arguments): what the reaper and "Resume" re-send.
    task_name = models.CharField(max_length=200, blank=True)
    task_args = models.JSONField(default=list, blank=True)
    task_kwargs = models.JSONField(default=dict, blank=True)
    task_queue = models.CharField(max_length=100, blank=True)
    # Failed because it stopped (killed, time limit, lock never free), not for a reason in the data:
    # running it again may succeed, so its page offers "Resume".
    resumable = models.BooleanField(default=False)
    # Sign of life of the worker running it (a thread beats while the task runs).
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["heartbeat_at"],
                name="core_jobrun_running_beat",
                condition=Q(status="running"),
            )
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def percent(self) -> int:
        if self.status == JobStatus.SUCCEEDED:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)

    @property
    def is_stalled(self) -> bool:
        """Running, but its worker has given no sign of life for longer than the stall bound."""
        from django.utils import timezone

        if self.status != JobStatus.RUNNING or self.heartbeat_at is None:
            return False
        bound = settings.PRM_JOB_STALL_SECONDS
        return (timezone.now() - self.heartbeat_at).total_seconds() > bound


class ChunkState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class JobChunk(models.Model):
    """One unit of a fanned-out job (a range of partners): its task, state, attempts and heartbeat.

    A chunk is done once; a redelivered or re-sent chunk that is done or alive elsewhere does nothing.
    """

    scope_partner_path = None

    job = models.ForeignKey(JobRun, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    task_name = models.CharField(max_length=200)
    task_args = models.JSONField(default=list)
    state = models.CharField(max_length=10, choices=ChunkState.choices, default=ChunkState.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    message = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("job chunk")
        verbose_name_plural = _("job chunks")
        ordering = ["job", "index"]
        constraints = [models.UniqueConstraint(fields=["job", "index"], name="core_jobchunk_once")]
        indexes = [
            models.Index(
                fields=["heartbeat_at"],
                name="core_jobchunk_running_beat",
                condition=Q(state="running"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.job_id}#{self.index}"


class JobLease(models.Model):
    """Who holds a single-flight lock: the worker, its database session and its last heartbeat.

    The advisory lock itself is PostgreSQL's; this row tells a live holder from the orphaned
    session of a killed worker (whose query may run on, lock held, long after the worker died).
    """

    scope_partner_path = None

    name = models.CharField(max_length=200, primary_key=True)
    holder = models.CharField(max_length=200)
    backend_pid = models.IntegerField()
    heartbeat_at = models.DateTimeField()

    class Meta:
        verbose_name = _("single-flight lease")
        verbose_name_plural = _("single-flight leases")

    def __str__(self) -> str:
        return self.name


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    VALIDATING = "validating", _("Validating")
    REJECTED = "rejected", _("Rejected: nothing imported")
    IMPORTED = "imported", _("Imported")


class ImportBatch(models.Model):
    """One uploaded file. It is imported whole or not at all; `errors` holds the row-level report."""

    scope_partner_path = None

    kind = models.CharField(_("import"), max_length=60)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    status = models.CharField(
        _("status"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    imported_count = models.PositiveIntegerField(_("rows imported"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    errors = models.JSONField(_("error report"), default=list, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    job = models.OneToOneField(
        JobRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="import_batch"
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.original_name}"


class FxRate(models.Model):
    """Units of `quote_currency` for one unit of `base_currency` on `rate_date` (importable)."""

    scope_partner_path = None

    base_currency = models.CharField(_("from currency"), max_length=3, choices=CURRENCY_CHOICES)
    quote_currency = models.CharField(_("to currency"), max_length=3, choices=CURRENCY_CHOICES)
    rate_date = models.DateField(_("date"))
    rate = models.DecimalField(_("exchange rate"), max_digits=20, decimal_places=10)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("FX rate")
        verbose_name_plural = _("FX rates")
        ordering = ["-rate_date", "base_currency", "quote_currency"]
        constraints = [
            models.UniqueConstraint(
                fields=["base_currency", "quote_currency", "rate_date"],
                name="fx_rate_unique_per_day",
            ),
            models.CheckConstraint(name="fx_rate_positive", condition=Q(rate__gt=Decimal("0"))),
            models.CheckConstraint(
                name="fx_rate_distinct_currencies",
                condition=~Q(base_currency=models.F("quote_currency")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rate_date} 1 {self.base_currency} = {self.rate} {self.quote_currency}"


class OutboxMessage(models.Model):
    """A task to send to the broker, written in the transaction of the record that needs it
    (transactional outbox): queued work survives a broker that is down. `sent_at` is set once the
    broker took it; a dispatcher (`core.outbox`) sends pending rows, oldest first."""

    scope_partner_path = None  # operations only

    task = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list, blank=True)
    kwargs = models.JSONField(_("keyword arguments"), default=dict, blank=True)
    queue = models.CharField(_("queue"), max_length=100, blank=True)
    job = models.ForeignKey(
        JobRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="outbox_messages"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("failed attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["id"], name="core_outbox_pending", condition=Q(sent_at__isnull=True)
            )
        ]

    def __str__(self) -> str:
        return f"{self.task} #{self.pk}"


class IdempotencyKey(models.Model):
    """The first answer to a create posted with a key, so that the same post again (a double
    click, a client retry) gets that answer instead of a second record. One row per user and key:
    the unique constraint makes two concurrent posts wait for each other."""

    scope_partner_path = None

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(_("key"), max_length=255)
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("status code"), default=0)
    location = models.CharField(_("location"), max_length=500, blank=True)
    body = models.JSONField(_("response body"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="core_idempotency_key_per_user")
        ]

    def __str__(self) -> str:
        return self.key


class SavedView(models.Model):
    """A reader's named filters, sort and columns of one list (DESIGN §8.1); theirs alone."""

    scope_partner_path = None  # read only through `core.saved_views`, by its owner

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    list_key = models.CharField(_("list"), max_length=60)
    name = models.CharField(_("name"), max_length=80)
    query = models.CharField(_("filters"), max_length=2000, blank=True)
    columns = models.JSONField(_("columns"), default=list, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "list_key", "name"], name="saved_view_name_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name
