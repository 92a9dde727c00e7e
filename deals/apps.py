from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DealsConfig(AppConfig):
    name = "deals"
    verbose_name = _("Deals and leads")

    def ready(self) -> None:
        # A partner's exit checklist hands over its deals and withdraws its lead offers through
        # deals' services; partners never imports deals.
        from django.urls import reverse

        from partners.exits import ExitStep, exit_step_register

        from .services import lead_offers_open_of, lead_offers_withdraw, open_deals_of

        exit_step_register(
            ExitStep(
                key="deals",
                label=_("Open deals and protected customers handed over"),
                position=10,
                days_before=14,
                remaining=open_deals_of,
                link=lambda partner_exit: reverse("deals:exit_handover", args=[partner_exit.pk]),
                link_label=_("Hand over deals"),
            )
        )
        exit_step_register(
            ExitStep(
                key="leads",
                label=_("Lead offers withdrawn"),
                position=20,
                days_before=14,
                run=lead_offers_withdraw,
                run_label=_("Withdraw the lead offers"),
                remaining=lead_offers_open_of,
            )
        )
