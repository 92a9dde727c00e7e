"""Channel inventory and sell-through (DESIGN §11).

Partners report, each month, what they hold (snapshots) and what they sold to end customers
(sell-through lines). A report is one version of a partner's month of one kind: a late or
corrected report is a new version, never an overwrite; the rows of the superseded version stay,
marked not current, and every figure reads current rows only. Rows carry their partner, product
and date themselves (denormalised from the report) so the set-based figures and scans at DESIGN
§11's scale (24,000,000 lines a year) read one table through one index.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.scoping import ScopedManager
from core.money import CURRENCY_CHOICES

from .choices import AlertKind, FlagKind, FlagStatus, PenaltyStep, ReportKind, ReportSource

MONEY = {"max_digits": 18, "decimal_places": 2}


class InventoryReport(models.Model):
    """One version of a partner's monthly report of one kind (inventory or sell-through)."""

    scope_partner_path = "partner"

    partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        related_name="inventory_reports",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=ReportKind.choices)
    month = models.DateField(_("month"), help_text=_("The first day of the month reported."))
    version = models.PositiveIntegerField(_("version"), default=1)
    is_current = models.BooleanField(_("current"), default=True)
    source = models.CharField(_("source"), max_length=8, choices=ReportSource.choices)
    # A distributor reporting for one of its dealers, or staff on a partner's behalf.
    reported_by_partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("reported by partner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    import_batch = models.ForeignKey(
        "core.ImportBatch",
        verbose_name=_("import"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    line_count = models.PositiveIntegerField(_("lines"), default=0)
    created_at = models.DateTimeField(_("received"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("inventory report")
        verbose_name_plural = _("inventory reports")
        ordering = ["-month", "partner_id", "kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "kind", "month", "version"], name="inventory_report_version"
            ),
            models.UniqueConstraint(
                fields=["partner", "kind", "month"],
                condition=Q(is_current=True),
                name="inventory_report_one_current",
            ),
            models.CheckConstraint(
                name="inventory_report_month_first_day",
                condition=Q(month__day=1),
            ),
        ]
        indexes = [models.Index(fields=["partner", "-month"], name="inventory_report_partner")]

    def __str__(self) -> str:
        return f"{self.partner} · {self.get_kind_display()} {self.month:%Y-%m} v{self.version}"


class InventorySnapshot(models.Model):
    """On-hand quantity of one product at a partner, as of a date (one row of a report)."""

    scope_partner_path = "partner"

    report = models.ForeignKey(
        InventoryReport,
        verbose_name=_("report"),
        on_delete=models.PROTECT,
        related_name="snapshots",
    )
    partner = models.ForeignKey(
        "partners.Partner", verbose_name=_("partner"), on_delete=models.PROTECT, related_name="+"
    )
    product = models.ForeignKey(
        "deals.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    as_of = models.DateField(_("as of"))
    on_hand = models.PositiveIntegerField(_("on hand"))
    is_current = models.BooleanField(_("current"), default=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("inventory snapshot")
        verbose_name_plural = _("inventory snapshots")
        ordering = ["-as_of", "product_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "product", "as_of"], name="inventory_snapshot_once_per_report"
            )
        ]
        indexes = [
            models.Index(
                fields=["partner", "product", "-as_of"],
                condition=Q(is_current=True),
                name="inventory_snapshot_current",
            )
        ]

    def __str__(self) -> str:
        return f"{self.product_id} · {self.on_hand} @ {self.as_of}"


class SellThroughLine(models.Model):
    """A sale by a partner to an end customer (one row of a sell-through report)."""

    scope_partner_path = "partner"

    report = models.ForeignKey(
        InventoryReport, verbose_name=_("report"), on_delete=models.PROTECT, related_name="lines"
    )
    # Indexed by `sell_through_current` (partner first): a million-line import writes one index less.
    partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    # Read with its partner through `sell_through_current`; products are never deleted (PROTECT).
    product = models.ForeignKey(
        "deals.Product",
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    sold_on = models.DateField(_("sold on"))
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = models.DecimalField(_("unit price"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    customer_name = models.CharField(_("customer"), max_length=200)
    customer_tax_id = models.CharField(_("customer tax ID"), max_length=40, blank=True)
    customer_region = models.CharField(_("customer region"), max_length=8)
    serial_numbers = ArrayField(
        models.CharField(max_length=80),
        verbose_name=_("serial numbers"),
        default=list,
        blank=True,
    )
    is_current = models.BooleanField(_("current"), default=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("sell-through line")
        verbose_name_plural = _("sell-through lines")
        ordering = ["-sold_on", "pk"]
        constraints = [
            models.CheckConstraint(
                name="sell_through_quantity_positive", condition=Q(quantity__gt=0)
            ),
            models.CheckConstraint(
                name="sell_through_price_non_negative", condition=Q(unit_price__gte=0)
            ),
        ]
        indexes = [
            models.Index(
                fields=["partner", "product", "sold_on"],
                condition=Q(is_current=True),
                name="sell_through_current",
            ),
            models.Index(fields=["sold_on"], name="sell_through_sold_on"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} × {self.quantity} · {self.customer_name} {self.sold_on}"


class SoldSerial(models.Model):
    """One serial number of a sell-through line, so a serial reported by two partners is found
    through one index (DESIGN §11)."""

    scope_partner_path = "partner"

    line = models.ForeignKey(
        SellThroughLine, verbose_name=_("line"), on_delete=models.PROTECT, related_name="serials"
    )
    # Indexed by `sold_serial_current` (serial, partner).
    partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    serial = models.CharField(_("serial number"), max_length=80)
    is_current = models.BooleanField(_("current"), default=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("sold serial number")
        verbose_name_plural = _("sold serial numbers")
        indexes = [
            models.Index(
                fields=["serial", "partner"],
                condition=Q(is_current=True),
                name="sold_serial_current",
            )
        ]

    def __str__(self) -> str:
        return self.serial


class InventoryFlag(models.Model):
    """A sell-through line that looks diverted or sold below the floor, for a person to review.

    `evidence` keeps what the check saw (territory, customer region, floor converted and the rate
    used, the clashing line); `other_partner` is the other side of a serial clash, never shown to
    the flagged partner."""

    scope_partner_path = "partner"

    partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        related_name="inventory_flags",
    )
    line = models.ForeignKey(
        SellThroughLine, verbose_name=_("line"), on_delete=models.PROTECT, related_name="flags"
    )
    kind = models.CharField(_("kind"), max_length=14, choices=FlagKind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=FlagStatus.choices, default=FlagStatus.OPEN
    )
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    other_partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("other partner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    other_line = models.ForeignKey(
        SellThroughLine,
        verbose_name=_("other line"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    review_reason = models.TextField(_("reason"), blank=True)
    violation = models.ForeignKey(
        "partners.ComplianceViolation",
        verbose_name=_("violation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("raised"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("inventory flag")
        verbose_name_plural = _("inventory flags")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # A scan run twice raises nothing new.
            models.UniqueConstraint(fields=["line", "kind"], name="inventory_flag_once_per_line"),
        ]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="inventory_flag_queue"),
            models.Index(fields=["partner", "-created_at"], name="inventory_flag_partner"),
        ]

    def __str__(self) -> str:
        return f"{self.partner} · {self.get_kind_display()}"


class InventoryPenalty(models.Model):
    """The graduated penalty a confirmed flag led to (DESIGN §11): a warning, a deduction queued
    for the partner's next statement, or a freeze proposal a director decides."""

    scope_partner_path = "partner"

    partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        related_name="inventory_penalties",
    )
    flag = models.OneToOneField(
        InventoryFlag, verbose_name=_("flag"), on_delete=models.PROTECT, related_name="penalty"
    )
    step = models.CharField(_("step"), max_length=16, choices=PenaltyStep.choices)
    amount = models.DecimalField(_("amount"), null=True, blank=True, **MONEY)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision = models.CharField(_("decision"), max_length=20, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("inventory penalty")
        verbose_name_plural = _("inventory penalties")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.partner} · {self.get_step_display()}"


class FamilyAlertLimit(models.Model):
    """Days-of-inventory limits of one product family: above `ageing_days` the stock is ageing,
    below `stock_out_days` it is about to run out."""

    scope_partner_path = None

    family = models.OneToOneField(
        "deals.ProductFamily",
        verbose_name=_("family"),
        on_delete=models.CASCADE,
        related_name="inventory_alert_limit",
    )
    ageing_days = models.PositiveIntegerField(_("ageing above (days)"), default=120)
    stock_out_days = models.PositiveIntegerField(_("stock-out below (days)"), default=7)

    class Meta:
        verbose_name = _("inventory alert limit")
        verbose_name_plural = _("inventory alert limits")
        constraints = [
            models.CheckConstraint(
                name="alert_limit_order", condition=Q(stock_out_days__lt=models.F("ageing_days"))
            )
        ]

    def __str__(self) -> str:
        return str(self.family)


class InventoryAlert(models.Model):
    """An ageing or stock-out alert for one partner and product in one month (raised once)."""

    scope_partner_path = "partner"

    partner = models.ForeignKey(
        "partners.Partner", verbose_name=_("partner"), on_delete=models.PROTECT, related_name="+"
    )
    product = models.ForeignKey(
        "deals.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=AlertKind.choices)
    month = models.DateField(_("month"))
    days_of_inventory = models.DecimalField(
        _("days of inventory"), max_digits=10, decimal_places=1, null=True, blank=True
    )
    on_hand = models.PositiveIntegerField(_("on hand"))
    created_at = models.DateTimeField(_("raised"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("inventory alert")
        verbose_name_plural = _("inventory alerts")
        ordering = ["-month", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "product", "kind", "month"], name="inventory_alert_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.partner} · {self.get_kind_display()} {self.month:%Y-%m}"


# Flag settings live in their own module; imported here so Django registers them with the app.
# The precomputed figures the inventory pages read (DESIGN §10).
from .models_figures import InventoryFigure, InventoryRollup  # noqa: E402, F401
from .models_flags import InventoryFlagPolicy  # noqa: E402, F401
