from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SettlementConfig(AppConfig):
    name = "settlement"
    verbose_name = _("Settlement")

    def ready(self) -> None:
        # A partner's credit exposure reads orders and payments from here; partners never imports us.
        from partners.exits import OWNER_FINANCE, ExitStep, exit_step_register
        from partners.figures import figure_register

        from .selectors import (
            partner_orders_by_currency,
            partner_payments_by_currency,
            payment_behaviour_by_partner,
        )
        from .services import statement_build_final, statements_unsettled_of

        figure_register("orders", partner_orders_by_currency)
        figure_register("payments", partner_payments_by_currency)
        figure_register("payment_behaviour", payment_behaviour_by_partner)
        # A partner's exit ends with a final statement, built and settled (DESIGN §2.9).
        exit_step_register(
            ExitStep(
                key="final_statement",
                label=_("Final statement built and settled"),
                position=50,
                owner=OWNER_FINANCE,
                run=statement_build_final,
                run_label=_("Build the final statement"),
                remaining=statements_unsettled_of,
            )
        )
