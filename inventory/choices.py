from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportKind(models.TextChoices):
    INVENTORY = "inventory", _("Inventory")
    SELL_THROUGH = "sell_through", _("Sell-through")


class ReportSource(models.TextChoices):
    IMPORT = "import", _("Import")
    API = "api", _("API")


class FlagKind(models.TextChoices):
    CROSS_REGION = "cross_region", _("Sold outside the territory")
    SERIAL_CLASH = "serial_clash", _("Serial number reported twice")
    BELOW_FLOOR = "below_floor", _("Sold below the floor price")


class FlagStatus(models.TextChoices):
    OPEN = "open", _("To review")
    CONFIRMED = "confirmed", _("Confirmed")
    DISMISSED = "dismissed", _("Dismissed")


class PenaltyStep(models.TextChoices):
    WARNING = "warning", _("Warning")
    DEDUCTION = "deduction", _("Penalty deduction")
    FREEZE_PROPOSAL = "freeze_proposal", _("Freeze proposal")


class AlertKind(models.TextChoices):
    AGEING = "ageing", _("Ageing stock")
    STOCK_OUT = "stock_out", _("Stock-out")
