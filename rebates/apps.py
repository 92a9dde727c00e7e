from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RebatesConfig(AppConfig):
    name = "rebates"
    verbose_name = _("Rebates")

    def ready(self) -> None:
        # Lower apps learn from here what rebates owns; they never import rebates.
        from partners.figures import figure_register
        from settlement.line_descriptions import line_description_register
        from settlement.line_details import line_detail_register
        from settlement.period_hooks import period_preparer_register

        from .selectors import (
            accrual_trace_summaries,
            revenue_by_partner,
            revenue_target_by_partner,
        )
        from .services import (
            ACCRUAL_DESCRIPTION,
            ACCRUAL_SOURCE,
            CLAWBACK_DESCRIPTION,
            CLAWBACK_SOURCE,
            quarter_close_before_statements,
        )

        # A statement run closes the ended rebate quarter first.
        period_preparer_register(quarter_close_before_statements)
        # Tier evaluations and scorecards rank partners by this revenue.
        figure_register("revenue", revenue_by_partner)
        # Scorecards measure revenue attainment against the partner's targets.
        figure_register("revenue_target", revenue_target_by_partner)
        # A statement's rebate line prints how its accrual was calculated.
        line_detail_register(ACCRUAL_SOURCE, accrual_trace_summaries)
        # Its statement lines read in the reader's language, the programme's name included.
        line_description_register(ACCRUAL_SOURCE, ACCRUAL_DESCRIPTION)
        line_description_register(CLAWBACK_SOURCE, CLAWBACK_DESCRIPTION)
