"""Settlement queue, statements, approvals and disputes (DESIGN §6)."""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.scoping import Area, ScopedManager
from core.money import CURRENCY_CHOICES

from ..choices import DisputeState, EntryKind, ReviewOutcome, StatementState
from ..line_descriptions import line_description_render

MONEY = {"max_digits": 18, "decimal_places": 4}


def new_verification_code() -> str:
    return secrets.token_hex(8).upper()


class SettlementEntry(models.Model):
    """One amount owed to (or by) a partner, queued by another app for the next statement.

    Append-only (DB trigger); the only change allowed is including it in a statement once.
    """

    scope_partner_path = "partner"
    scope_area = Area.FINANCE

    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.PROTECT, related_name="settlement_entries"
    )
    kind = models.CharField(_("kind"), max_length=24, choices=EntryKind.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    description = models.CharField(_("description"), max_length=300)
    # How to say the description in the reader's language (settlement.line_descriptions); empty
    # for entries queued before descriptions were rendered at read time: they show `description`.
    description_key = models.CharField(
        _("description message"), max_length=60, blank=True, default=""
    )
    description_params = models.JSONField(_("description placeholders"), null=True, blank=True)
    source_type = models.CharField(_("source type"), max_length=60)
    source_id = models.CharField(_("source id"), max_length=60)
    period = models.CharField(_("period"), max_length=6)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    statement = models.ForeignKey(
        "Statement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entries",
    )

    objects = ScopedManager()

    class Meta:
        verbose_name = _("settlement entry")
        verbose_name_plural = _("settlement entries")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "source_type", "source_id"], name="settlement_entry_source_unique"
            )
        ]
        indexes = [models.Index(fields=["partner", "period"], name="settlement_entry_partner")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.currency}"

    @property
    def display_description(self) -> str:
        """The description in the active language (stored text for older entries)."""
        return line_description_render(
            key=self.description_key, params=self.description_params, stored=self.description
        )


class PartnerTaxProfile(models.Model):
    """Withholding tax rate deducted from a partner's statements (0 unless set)."""

    scope_partner_path = "partner"
    scope_area = Area.FINANCE

    partner = models.OneToOneField(
        "partners.Partner", on_delete=models.CASCADE, related_name="tax_profile"
    )
    tax_rate = models.DecimalField(
        _("tax rate"),
        max_digits=6,
        decimal_places=4,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("0.9999"))],
    )

    objects = ScopedManager()

    class Meta:
        verbose_name = _("partner tax profile")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(tax_rate__gte=0, tax_rate__lt=1), name="tax_rate_range"
            )
        ]

    def __str__(self) -> str:
        return f"{self.partner} {self.tax_rate}"


class SettlementPolicy(models.Model):
    """The single row of settlement settings: countersign threshold (CNY-equivalent), matching rules."""

    scope_partner_path = None

    countersign_threshold = models.DecimalField(
        _("countersign threshold (CNY)"),
        **MONEY,
        default=Decimal("1000000"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    countersign_approvers = models.PositiveSmallIntegerField(
        _("approvers needed above the threshold"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    match_window_days = models.PositiveSmallIntegerField(
        _("matching date window (days either side)"),
        default=5,
        validators=[MaxValueValidator(60)],
    )
    amount_tolerance = models.DecimalField(
        _("amount tolerance (fraction of the order)"),
        max_digits=6,
        decimal_places=4,
        default=Decimal("0.005"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("0.1"))],
    )
    duplicate_payment_days = models.PositiveSmallIntegerField(
        _("duplicate payment window (days)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )

    class Meta:
        verbose_name = _("settlement policy")

    def __str__(self) -> str:
        return str(self.countersign_threshold)

    @classmethod
    def current(cls) -> SettlementPolicy:
        policy, _created = cls.objects.get_or_create(pk=1)
        return policy


class Statement(models.Model):
    """A partner's statement for one period in its contract currency.

    Figures are frozen by a DB trigger once approved; a re-issue is a new revision (DESIGN §6.2):
    it names the disputed statement it replaces (`revision_of`, read back as `superseded_by`),
    which is then `superseded`.
    """

    scope_partner_path = "partner"
    scope_area = Area.FINANCE
    scope_parent_visible = True  # a distributor reads its dealers' (DESIGN §1)

    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.PROTECT, related_name="statements"
    )
    period = models.CharField(_("period"), max_length=6)
    revision = models.PositiveSmallIntegerField(_("revision"), default=1)
    revision_of = models.OneToOneField(
        "self",
        verbose_name=_("supersedes"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
    )
    number = models.CharField(_("number"), max_length=40, unique=True)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    state = models.CharField(
        _("state"), max_length=12, choices=StatementState.choices, default=StatementState.DRAFT
    )
    preparer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="prepared_statements",
        verbose_name=_("preparer"),
    )
    subtotal = models.DecimalField(_("subtotal"), **MONEY, default=Decimal("0"))
    carried_balance = models.DecimalField(
        _("carried negative balance"), **MONEY, default=Decimal("0")
    )
    tax_rate = models.DecimalField(
        _("tax rate"), max_digits=6, decimal_places=4, default=Decimal("0")
    )
    tax_amount = models.DecimalField(_("tax"), **MONEY, default=Decimal("0"))
    payable = models.DecimalField(_("payable"), **MONEY, default=Decimal("0"))
    required_approvals = models.PositiveSmallIntegerField(_("approvals required"), default=1)
    verification_code = models.CharField(
        _("verification code"), max_length=16, unique=True, default=new_verification_code
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    response_due_at = models.DateTimeField(_("confirm or dispute by"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    deemed_confirmed = models.BooleanField(_("deemed confirmed"), default=False)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        ordering = ["-period", "partner__legal_name", "-revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "period", "revision"], name="statement_partner_period_unique"
            )
        ]
        indexes = [
            models.Index(fields=["state", "period"], name="statement_state_period"),
            # The lists' order (newest quarter first): one quarter is read and sorted by
            # partner, not every statement (DESIGN §10).
            models.Index(fields=["-period", "partner"], name="statement_list_order"),
            models.Index(fields=["partner", "-period", "-id"], name="statement_partner_period"),
            # The statement page's own order (newest quarter, then newest statement).
            models.Index(fields=["-period", "-id"], name="statement_period_recent"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def needs_countersign(self) -> bool:
        return self.required_approvals > 1

    @property
    def successor(self) -> Statement | None:
        """The revision that supersedes this statement, if one was re-issued (only a superseded
        statement has one: no query for the others)."""
        if self.state != StatementState.SUPERSEDED:
            return None
        try:
            return self.superseded_by
        except Statement.DoesNotExist:
            return None


class StatementLine(models.Model):
    """One itemised amount, converted to the statement currency at the period end rate."""

    scope_partner_path = "statement__partner"
    scope_area = Area.FINANCE
    scope_parent_visible = True  # a distributor reads its dealers' (DESIGN §1)

    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="lines")
    entry = models.OneToOneField(
        SettlementEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="line"
    )
    kind = models.CharField(_("kind"), max_length=24, choices=EntryKind.choices)
    description = models.CharField(_("description"), max_length=300)
    description_key = models.CharField(
        _("description message"), max_length=60, blank=True, default=""
    )
    description_params = models.JSONField(_("description placeholders"), null=True, blank=True)
    amount = models.DecimalField(_("amount"), **MONEY)
    original_amount = models.DecimalField(_("original amount"), **MONEY)
    original_currency = models.CharField(
        _("original currency"), max_length=3, choices=CURRENCY_CHOICES
    )
    fx_rate = models.DecimalField(_("FX rate"), max_digits=20, decimal_places=10)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("statement line")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.display_description

    @property
    def display_description(self) -> str:
        """The description in the active language: rendered from its message and placeholders
        (names in both languages), or the stored text for lines written before there were any."""
        return line_description_render(
            key=self.description_key, params=self.description_params, stored=self.description
        )


class ReviewRound(models.Model):
    """One submission of a statement for review (DESIGN §6.1): opened by its submitter, ended once
    by a return to draft or by the approval that completes it. Only the open round's approvals
    count; ended rounds stay as history. A DB trigger refuses deletes and any change but the end."""

    scope_partner_path = None

    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="review_rounds")
    number = models.PositiveSmallIntegerField(_("round"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        # Unknown only for rounds reconstructed from before rounds were recorded.
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    required_approvals = models.PositiveSmallIntegerField(_("approvals required"))
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=ReviewOutcome.choices, default=ReviewOutcome.OPEN
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("ended by"),
    )
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    end_note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("review round")
        verbose_name_plural = _("review rounds")
        ordering = ["statement", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["statement", "number"], name="review_round_number_unique"
            ),
            models.UniqueConstraint(
                fields=["statement"],
                condition=models.Q(outcome=ReviewOutcome.OPEN),
                name="review_round_one_open",
            ),
            models.CheckConstraint(
                condition=models.Q(outcome=ReviewOutcome.OPEN, ended_at__isnull=True)
                | (~models.Q(outcome=ReviewOutcome.OPEN) & models.Q(ended_at__isnull=False)),
                name="review_round_ended_when_closed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.statement} #{self.number}"

    @property
    def is_open(self) -> bool:
        return self.outcome == ReviewOutcome.OPEN


class StatementApproval(models.Model):
    """One approver's signature in one review round; append-only, one per person per round.

    A DB trigger accepts it only in an open round of the same statement, not from the round's
    submitter.
    """

    scope_partner_path = None

    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="approvals")
    review_round = models.ForeignKey(
        ReviewRound,
        on_delete=models.PROTECT,
        related_name="approvals",
        verbose_name=_("review round"),
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="statement_approvals"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("approved at"), auto_now_add=True)

    class Meta:
        verbose_name = _("statement approval")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["review_round", "approver"], name="statement_approval_once_per_round"
            )
        ]

    def __str__(self) -> str:
        return f"{self.statement} {self.approver}"


class Dispute(models.Model):
    """A partner's objection to lines of a published statement, answered by finance."""

    scope_partner_path = "statement__partner"
    scope_area = Area.FINANCE

    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="disputes")
    lines = models.ManyToManyField(StatementLine, related_name="disputes", verbose_name=_("lines"))
    reason = models.TextField(_("reason"))
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(
        _("state"), max_length=10, choices=DisputeState.choices, default=DisputeState.OPEN
    )
    answer = models.TextField(_("answer"), blank=True)
    adjustment_amount = models.DecimalField(_("adjustment"), **MONEY, null=True, blank=True)
    # Resolved by a re-issued revision of the statement (which carries the adjustment) rather
    # than by an adjustment on the next statement (DESIGN §6.2).
    reissued = models.BooleanField(_("re-issued"), default=False)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("raised"), auto_now_add=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("dispute")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.statement} #{self.pk}"


class DisputeEvidence(models.Model):
    scope_partner_path = "dispute__statement__partner"
    scope_area = Area.FINANCE

    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="evidence")
    file = models.FileField(_("file"), upload_to="settlement/disputes/%Y/%m/")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("dispute evidence")

    def __str__(self) -> str:
        return self.file.name

    @property
    def filename(self) -> str:
        return self.file.name.rsplit("/", 1)[-1]
