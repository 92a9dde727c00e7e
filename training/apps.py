from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "training"
    verbose_name = _("Training")

    def ready(self) -> None:
        # Tier evaluations count certified staff from here; partners never imports training.
        from partners.exits import ExitStep, exit_step_register
        from partners.figures import figure_register

        from .selectors import (
            certified_staff_by_partner,
            certified_staff_of,
            certified_staff_retention_by_partner,
        )
        from .services import certifications_attached_of, certifications_detach

        figure_register("certified_staff", certified_staff_by_partner)
        figure_register("certified_staff_of", certified_staff_of)
        # Scorecards measure team stability: certified staff still there a year on.
        figure_register("certified_staff_retention", certified_staff_retention_by_partner)
        # A partner's exit detaches its certifications (DESIGN §2.9).
        exit_step_register(
            ExitStep(
                key="certifications",
                label=_("Certifications detached"),
                position=40,
                run=certifications_detach,
                run_label=_("Detach the certifications"),
                remaining=certifications_attached_of,
            )
        )
