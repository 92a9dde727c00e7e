from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundsConfig(AppConfig):
    name = "funds"
    verbose_name = _("Marketing funds")

    def ready(self) -> None:
        # Deals learns from here which MDF activities a deal may reference, never the other way.
        from deals.attribution import fund_requests_register

        from .selectors import attributable_requests_for

        fund_requests_register(attributable_requests_for)
