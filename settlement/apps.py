from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SettlementConfig(AppConfig):
    name = "settlement"
    verbose_name = _("Settlement")

    def ready(self) -> None:
        # A partner's credit exposure reads orders and payments from here; partners never imports us.
        from partners.figures import figure_register

        from .selectors import (
            partner_orders_by_currency,
            partner_payments_by_currency,
            payment_behaviour_by_partner,
        )

        figure_register("orders", partner_orders_by_currency)
        figure_register("payments", partner_payments_by_currency)
        figure_register("payment_behaviour", payment_behaviour_by_partner)
