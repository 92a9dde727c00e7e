"""How the audit log names the training actions and links to their pages (`core.audit_display`)."""

from django.utils.translation import gettext_lazy as _

from core.audit_display import audit_actions_register, audit_link_register

audit_link_register("training.course", "training:course_detail")
audit_link_register("training.certification", "training:certification_detail")

audit_actions_register(
    {
        "course.saved": _("Course saved"),
        "course.changed": _("Course changed"),
        "module.saved": _("Module saved"),
        "exam.saved": _("Exam saved"),
        "question.created": _("Question created"),
        "attempt.started": _("Exam attempt started"),
        "attempt.passed": _("Exam passed"),
        "attempt.failed": _("Exam not passed"),
        "certification.awarded": _("Certification awarded"),
    }
)
