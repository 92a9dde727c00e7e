"""Enumerations of the rebates app (DESIGN §5)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class LineKind(models.TextChoices):
    SALE = "sale", _("Sale")
    RETURN = "return", _("Return or credit note")


class LineSource(models.TextChoices):
    IMPORT = "import", _("Import")
    DEAL = "deal", _("Won deal")


class PeriodType(models.TextChoices):
    QUARTER = "quarter", _("Quarter")


class ProgrammeMode(models.TextChoices):
    RETROACTIVE = "retroactive", _("Brackets, retroactive")
    MARGINAL = "marginal", _("Brackets, marginal")
    BASE_SHARE = "base_share", _("Base plus share")


class RevenueSource(models.TextChoices):
    """Where a programme takes its revenue from (DESIGN §5.1, §11)."""

    SELL_IN = "sell_in", _("Sell-in (sales lines)")
    SELL_THROUGH = "sell_through", _("Sell-through (sales to end customers)")
