"""The settings of diversion and price flags (DESIGN §11): what a second confirmed flag within
twelve months deducts from the partner's next statement."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.money import CURRENCY_CHOICES


class InventoryFlagPolicy(models.Model):
    """The single row of flag settings; finance and administrators edit it (audited)."""

    scope_partner_path = None

    deduction_amount = models.DecimalField(
        _("penalty deduction"),
        max_digits=18,
        decimal_places=2,
        default=Decimal("10000.00"),
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("Deducted on the next statement for a second confirmed flag within 12 months."),
    )
    deduction_currency = models.CharField(
        _("currency of the deduction"),
        max_length=3,
        choices=CURRENCY_CHOICES,
        default="CNY",
        help_text=_(
            "Converted into the partner's contract currency at the rate of the confirmation date."
        ),
    )

    class Meta:
        verbose_name = _("inventory flag settings")
        verbose_name_plural = _("inventory flag settings")

    def __str__(self) -> str:
        return f"{self.deduction_amount} {self.deduction_currency}"

    @classmethod
    def current(cls) -> InventoryFlagPolicy:
        policy, _created = cls.objects.get_or_create(pk=1)
        return policy
