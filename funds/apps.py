from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundsConfig(AppConfig):
    name = "funds"
    verbose_name = _("Marketing funds")

    def ready(self) -> None:
        # Lower apps learn from here what funds owns; they never import funds.
        from deals.attribution import deal_activity_register, fund_requests_register
        from partners.exits import ExitStep, exit_step_register
        from partners.figures import figure_register
        from settlement.line_descriptions import line_description_register

        from .selectors import attributable_requests_for, deal_activities, roi_by_partner
        from .services import (
            deal_activity_set,
            fund_requests_open_of,
            fund_requests_release_at_exit,
        )
        from .services.claims import REIMBURSEMENT_DESCRIPTION, REIMBURSEMENT_SOURCE

        # The MDF activities a deal may reference.
        fund_requests_register(attributable_requests_for)
        deal_activity_register(read=deal_activities, write=deal_activity_set)
        # Scorecards rate the return on marketing funds.
        figure_register("marketing_roi", roi_by_partner)
        # A partner's exit releases its MDF reservations (DESIGN §2.9).
        exit_step_register(
            ExitStep(
                key="mdf",
                label=_("MDF reservations released"),
                position=30,
                days_before=7,
                run=fund_requests_release_at_exit,
                run_label=_("Release the MDF reservations"),
                remaining=fund_requests_open_of,
            )
        )
        # A reimbursement's statement line reads in the reader's language.
        line_description_register(REIMBURSEMENT_SOURCE, REIMBURSEMENT_DESCRIPTION)
