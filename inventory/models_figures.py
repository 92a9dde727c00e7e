"""Precomputed channel-inventory figures (DESIGN §11, §10).

Pages never aggregate the 24,000,000 sell-through lines of a year: `inventory.figures` refreshes,
set-based and idempotently, one `InventoryFigure` per partner × product × month (after each report
and nightly) and from those the `InventoryRollup` rows the grouped overview, the trends and the
dashboard cards read (one row per group and month).

Definitions (the same in SQL, pages, API and exports):
- on hand: the quantity of the latest current snapshot dated on or before the month's last day
  (carried forward while a partner sends none); `as_of` is its date;
- sold 90 days: current sell-through quantity sold in the 90 days ending on `as_of` (inclusive);
  average daily sell-through = sold 90 days ÷ 90;
- days of inventory = on hand ÷ average daily sell-through = on hand × 90 ÷ sold 90 days, one
  decimal; NULL ("no sales", shown ∞) when nothing sold in the 90 days and stock is held; 0 when
  nothing is held;
- turnover = sell-through quantity of the 12 months ending with the month ÷ average on hand,
  the mean on-hand quantity of the current snapshots dated in those 12 months (NULL without one
  or when it is 0). Groups add numerators and denominators (never average the ratios).
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.scoping import ScopedManager


class InventoryFigure(models.Model):
    """One partner's figures for one product in one month (derived; rebuilt by the refresh)."""

    scope_partner_path = "partner"
    scope_parent_visible = True  # a distributor reads its dealers' inventory figures

    partner = models.ForeignKey(
        "partners.Partner", verbose_name=_("partner"), on_delete=models.CASCADE, related_name="+"
    )
    product = models.ForeignKey(
        "deals.Product", verbose_name=_("product"), on_delete=models.CASCADE, related_name="+"
    )
    family = models.ForeignKey(
        "deals.ProductFamily",
        verbose_name=_("family"),
        null=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    partner_regions = ArrayField(
        models.CharField(max_length=8), verbose_name=_("regions"), default=list, blank=True
    )
    # Copied at each refresh so the list sorts by partner through an index (no join and sort).
    partner_name = models.CharField(_("partner"), max_length=200, default="")
    month = models.DateField(_("month"))
    as_of = models.DateField(_("as of"), null=True)
    on_hand = models.PositiveIntegerField(_("on hand"), null=True)
    sold_month = models.PositiveIntegerField(_("sold in the month"), default=0)
    sold_90d = models.PositiveIntegerField(_("sold in 90 days"), default=0)
    sold_12m = models.PositiveIntegerField(_("sold in 12 months"), default=0)
    avg_on_hand_12m = models.DecimalField(
        _("average on hand"), max_digits=14, decimal_places=2, null=True
    )
    avg_daily = models.DecimalField(
        _("average daily sell-through"), max_digits=14, decimal_places=4
    )
    days_of_inventory = models.DecimalField(
        _("days of inventory"), max_digits=10, decimal_places=1, null=True
    )
    turnover = models.DecimalField(_("turnover"), max_digits=10, decimal_places=2, null=True)
    ageing = models.BooleanField(_("ageing"), default=False)
    stock_out = models.BooleanField(_("stock-out"), default=False)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("inventory figure")
        verbose_name_plural = _("inventory figures")
        ordering = ["-month", "partner_id", "product_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "product", "month"], name="inventory_figure_once"
            )
        ]
        indexes = [
            # The positions list's default and busiest sorts, read in index order (DESIGN §10).
            models.Index(
                fields=["month", "days_of_inventory", "id"], name="inventory_figure_month_doi"
            ),
            models.Index(fields=["month", "on_hand", "id"], name="inventory_figure_month_hand"),
            GinIndex(fields=["partner_regions"], name="inventory_figure_regions"),
            models.Index(fields=["product", "month"], name="inventory_figure_product"),
            models.Index(
                fields=["month", "partner_name", "id"], name="inventory_figure_month_partner"
            ),
            models.Index(
                fields=["month", "days_of_inventory", "id"],
                condition=Q(stock_out=True),
                name="inventory_figure_stock_out",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner_id} · {self.product_id} {self.month:%Y-%m}"


class RollupDimension(models.TextChoices):
    TOTAL = "total", _("Total")
    PARTNER = "partner", _("Partner")
    PRODUCT = "product", _("Product")
    FAMILY = "family", _("Family")
    REGION = "region", _("Region")


class InventoryRollup(models.Model):
    """The figures of one group in one month, summed from `InventoryFigure` (vendor-side).

    A row is a group (`dimension` with its key: partner, product, family or region) narrowed by
    at most one other filter the overview offers: partner and region rows per family
    (`family` NULL = all families), product and family rows per region (`region` "" = all
    regions; a product row's `family` is the product's). Partner rows keep the partner's
    regions, so a region filter reads them through one index."""

    scope_partner_path = None  # every partner's figures summed: vendor staff only

    dimension = models.CharField(_("group"), max_length=8, choices=RollupDimension.choices)
    partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("partner"),
        null=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    product = models.ForeignKey(
        "deals.Product",
        verbose_name=_("product"),
        null=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    family = models.ForeignKey(
        "deals.ProductFamily",
        verbose_name=_("family"),
        null=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    region = models.CharField(_("region"), max_length=8, blank=True, default="")
    partner_regions = ArrayField(
        models.CharField(max_length=8), verbose_name=_("regions"), default=list, blank=True
    )
    label = models.CharField(_("name"), max_length=260, default="")
    month = models.DateField(_("month"))
    positions = models.PositiveIntegerField(_("positions"), default=0)
    # Positions with an on-hand figure: with none, the group's days of inventory are unknown.
    reported = models.PositiveIntegerField(_("positions with stock reported"), default=0)
    on_hand = models.BigIntegerField(_("on hand"), default=0)
    sold_month = models.BigIntegerField(_("sold in the month"), default=0)
    sold_90d = models.BigIntegerField(_("sold in 90 days"), default=0)
    sold_12m = models.BigIntegerField(_("sold in 12 months"), default=0)
    avg_on_hand_12m = models.DecimalField(
        _("average on hand"), max_digits=18, decimal_places=2, default=0
    )
    days_of_inventory = models.DecimalField(
        _("days of inventory"), max_digits=10, decimal_places=1, null=True
    )
    turnover = models.DecimalField(_("turnover"), max_digits=10, decimal_places=2, null=True)
    ageing_count = models.PositiveIntegerField(_("ageing"), default=0)
    stock_out_count = models.PositiveIntegerField(_("stock-outs"), default=0)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("inventory rollup")
        verbose_name_plural = _("inventory rollups")
        ordering = ["dimension", "label"]
        indexes = [
            models.Index(
                fields=["month", "dimension", "family", "region", "label"],
                name="inventory_rollup_list",
            ),
            models.Index(fields=["dimension", "partner", "month"], name="inventory_rollup_partner"),
            models.Index(fields=["dimension", "product", "month"], name="inventory_rollup_product"),
        ]

    def __str__(self) -> str:
        return f"{self.dimension} {self.label} {self.month:%Y-%m}"
