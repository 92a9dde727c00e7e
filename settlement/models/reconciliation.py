"""Orders, deliveries and payments, and what the matching job found about them (DESIGN §6.4).

Imported rows are append-only (DB triggers); an order's reconciliation status is the only thing the
matching job updates. Matches and resolutions are append-only; unique constraints make a second
run unable to match a payment or a delivery twice or to raise the same anomaly twice.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.scoping import Area, ScopedManager
from core.money import CURRENCY_CHOICES

from ..choices import (
    AnomalyKind,
    AnomalyState,
    MatchMethod,
    OrderSource,
    OrderStatus,
    ResolutionAction,
)
from .statements import MONEY


class Order(models.Model):
    """A partner's order with the vendor, imported or taken from a won deal.

    The reconciliation figures (status, paid, delivered) are deliberately not indexed: the table
    keeps half of each page free (fillfactor 50: room for a new version of every row on its page)
    so the nightly job updates them in place (HOT), without touching any index.
    """

    scope_partner_path = "partner"
    scope_area = Area.FINANCE

    # Indexed by `order_partner_date` (partner first).
    partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    reference = models.CharField(_("order number"), max_length=60, unique=True)
    order_date = models.DateField(_("order date"))
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    source = models.CharField(
        _("source"), max_length=6, choices=OrderSource.choices, default=OrderSource.IMPORT
    )
    deal = models.OneToOneField(
        "deals.Deal",
        verbose_name=_("deal"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    import_batch = models.ForeignKey(
        "core.ImportBatch", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=16, choices=OrderStatus.choices, default=OrderStatus.UNMATCHED
    )
    paid_amount = models.DecimalField(_("paid"), **MONEY, default=Decimal("0"))
    delivered_amount = models.DecimalField(_("delivered"), **MONEY, default=Decimal("0"))

    objects = ScopedManager()

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-order_date", "reference"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="order_amount_positive"),
        ]
        indexes = [
            models.Index(fields=["partner", "order_date"], name="order_partner_date"),
            # The API list's order, so a page is read in order instead of sorting every order.
            models.Index(fields=["-order_date", "reference"], name="order_list_recent"),
        ]

    def __str__(self) -> str:
        return self.reference


class Delivery(models.Model):
    """A delivery to a partner; `order_reference` names the order when the file knows it."""

    scope_partner_path = "partner"
    scope_area = Area.FINANCE

    partner = models.ForeignKey(
        "partners.Partner", verbose_name=_("partner"), on_delete=models.PROTECT, related_name="+"
    )
    reference = models.CharField(_("delivery number"), max_length=60, unique=True)
    order_reference = models.CharField(_("order number"), max_length=60, blank=True)
    delivery_date = models.DateField(_("delivery date"))
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    import_batch = models.ForeignKey(
        "core.ImportBatch", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-delivery_date", "reference"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="delivery_amount_positive"),
        ]
        indexes = [
            models.Index(fields=["partner", "delivery_date"], name="delivery_partner_date"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def match(self) -> ReconciliationMatch:
        """The order this delivery was matched to (ReconciliationMatch.DoesNotExist when none)."""
        return ReconciliationMatch.objects.select_related("order").get(delivery=self)


class Payment(models.Model):
    """A payment received from a partner; `reference` is what the payer quoted (often the order)."""

    scope_partner_path = "partner"
    scope_area = Area.FINANCE

    partner = models.ForeignKey(
        "partners.Partner", verbose_name=_("payer"), on_delete=models.PROTECT, related_name="+"
    )
    transaction_id = models.CharField(_("bank transaction"), max_length=60, unique=True)
    reference = models.CharField(_("payment reference"), max_length=60, blank=True)
    paid_on = models.DateField(_("payment date"))
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    import_batch = models.ForeignKey(
        "core.ImportBatch", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-paid_on", "transaction_id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
        ]
        indexes = [
            models.Index(fields=["partner", "paid_on"], name="payment_partner_date"),
            models.Index(fields=["partner", "reference"], name="payment_partner_reference"),
        ]

    def __str__(self) -> str:
        return self.transaction_id

    @property
    def match(self) -> ReconciliationMatch:
        """The order this payment was matched to (ReconciliationMatch.DoesNotExist when none)."""
        return ReconciliationMatch.objects.select_related("order").get(payment=self)


class ReconciliationRun(models.Model):
    """One run of the matching job over every partner, split into chunks (progress in `job`)."""

    scope_partner_path = None

    job = models.OneToOneField(
        "core.JobRun", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    chunks = models.PositiveIntegerField(_("chunks"), default=0)
    chunks_done = models.PositiveIntegerField(_("chunks done"), default=0)
    # What the run's chunks matched, counted as each chunk commits (in its transaction).
    matched_by_reference = models.PositiveIntegerField(_("matched by reference"), default=0)
    matched_by_window = models.PositiveIntegerField(_("matched by window"), default=0)
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("reconciliation run")
        verbose_name_plural = _("reconciliation runs")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"#{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.finished_at is not None


class ReconciliationMatch(models.Model):
    """A payment or a delivery matched to an order, once (append-only).

    Rows come only from the matching job's joins over existing rows and are never deleted, so the
    foreign keys carry no database constraint: a million inserts skip a million lookups each. Every
    index costs each of the two million rows of a fresh run an entry, so there are three besides
    the key: the order's (`match_order`) and one unique index per kind of item that holds only the
    rows of that kind (`match_once_per_payment`, `match_once_per_delivery`: partial, so neither
    carries the other kind's million NULLs). A run's matches are counted on the run, not looked up
    by run.
    """

    scope_partner_path = "order__partner"
    scope_area = Area.FINANCE

    run = models.ForeignKey(
        ReconciliationRun,
        on_delete=models.PROTECT,
        related_name="matches",
        db_constraint=False,
        db_index=False,
    )
    order = models.ForeignKey(
        Order,
        on_delete=models.PROTECT,
        related_name="matches",
        db_constraint=False,
        db_index=False,
    )
    # One match per payment (delivery) at most: `match_once_per_payment` (`…_delivery`); the item's
    # `match` property reads it.
    payment = models.ForeignKey(
        Payment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    delivery = models.ForeignKey(
        Delivery,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    method = models.CharField(_("matched"), max_length=10, choices=MatchMethod.choices)
    # The payment's or delivery's amount (immutable there), so order figures need no join.
    amount = models.DecimalField(_("amount"), **MONEY)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("reconciliation match")
        constraints = [
            models.CheckConstraint(
                condition=Q(payment__isnull=True, delivery__isnull=False)
                | Q(payment__isnull=False, delivery__isnull=True),
                name="match_payment_xor_delivery",
            ),
            models.UniqueConstraint(
                fields=["payment"],
                condition=Q(payment__isnull=False),
                name="match_once_per_payment",
            ),
            models.UniqueConstraint(
                fields=["delivery"],
                condition=Q(delivery__isnull=False),
                name="match_once_per_delivery",
            ),
        ]
        indexes = [models.Index(fields=["order"], name="match_order")]

    def __str__(self) -> str:
        return f"{self.order_id} ← {self.payment_id or self.delivery_id}"


class ReconciliationAnomaly(models.Model):
    """Something finance must look at; raised once per subject, resolved with a recorded action."""

    scope_partner_path = "partner"
    scope_area = Area.FINANCE

    kind = models.CharField(_("kind"), max_length=24, choices=AnomalyKind.choices)
    partner = models.ForeignKey(
        "partners.Partner", verbose_name=_("partner"), on_delete=models.PROTECT, related_name="+"
    )
    run = models.ForeignKey(
        ReconciliationRun,
        verbose_name=_("raised by run"),
        on_delete=models.PROTECT,
        related_name="anomalies",
    )
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.PROTECT, related_name="anomalies"
    )
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="anomalies"
    )
    related_payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    delivery = models.ForeignKey(
        Delivery, null=True, blank=True, on_delete=models.PROTECT, related_name="anomalies"
    )
    expected_amount = models.DecimalField(_("expected"), **MONEY, null=True, blank=True)
    actual_amount = models.DecimalField(_("actual"), **MONEY, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    state = models.CharField(
        _("state"), max_length=8, choices=AnomalyState.choices, default=AnomalyState.OPEN
    )
    created_at = models.DateTimeField(_("raised"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("reconciliation anomaly")
        verbose_name_plural = _("reconciliation anomalies")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "payment"],
                condition=Q(payment__isnull=False),
                name="anomaly_once_per_payment",
            ),
            models.UniqueConstraint(
                fields=["kind", "delivery"],
                condition=Q(delivery__isnull=False),
                name="anomaly_once_per_delivery",
            ),
            # A new deviation of the same order (a different paid total) is a new anomaly.
            models.UniqueConstraint(
                fields=["kind", "order", "actual_amount"],
                condition=Q(order__isnull=False, payment__isnull=True, delivery__isnull=True),
                name="anomaly_once_per_order",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "kind"], name="anomaly_state_kind"),
            # The queue's default order (newest raised first): a page is read from the index
            # instead of joining and sorting every anomaly (DESIGN §10).
            models.Index(fields=["-created_at", "-id"], name="anomaly_raised_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def subject(self):
        return self.payment or self.delivery or self.order


class AnomalyResolution(models.Model):
    """Finance's recorded action on one anomaly (append-only, one per anomaly)."""

    scope_partner_path = "anomaly__partner"
    scope_area = Area.FINANCE

    anomaly = models.OneToOneField(
        ReconciliationAnomaly, on_delete=models.PROTECT, related_name="resolution"
    )
    action = models.CharField(_("action"), max_length=12, choices=ResolutionAction.choices)
    note = models.TextField(_("note"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("resolved"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("anomaly resolution")

    def __str__(self) -> str:
        return f"{self.anomaly_id}: {self.get_action_display()}"
