from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = _("Partners")

    def ready(self) -> None:
        # The infrastructure's scoping learns the companies from here, never the other way.
        from accounts.scoping import companies_register

        from .companies import COMPANIES

        companies_register(COMPANIES)
