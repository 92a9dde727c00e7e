from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RebatesConfig(AppConfig):
    name = "rebates"
    verbose_name = _("Rebates")

    def ready(self) -> None:
        # A statement run closes the ended rebate quarter first; settlement learns it from here.
        from settlement.services import statement_period_preparer_register

        from .services import quarter_close_before_statements

        statement_period_preparer_register(quarter_close_before_statements)
