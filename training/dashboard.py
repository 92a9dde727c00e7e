"""Training cards on the dashboard: certification coverage and the user's own certifications."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from core.dashboard import widget

from . import selectors


@widget(roles={Role.PARTNER_ADMIN}, order=300)
def certification_coverage_card(request) -> dict:
    data = selectors.coverage_for_partner(partner=request.user.partner, as_of=timezone.localdate())
    return {
        "template": "training/widgets/coverage.html",
        "title": _("Certifications"),
        **data,
    }


@widget(roles={Role.ADMIN, Role.CHANNEL_MANAGER, Role.CHANNEL_DIRECTOR}, order=310)
def certification_coverage_staff_card(request) -> dict:
    return {
        "template": "training/widgets/coverage_staff.html",
        "title": _("Certification coverage"),
        **selectors.coverage_summary_for(user=request.user),
    }


@widget(roles={Role.PARTNER_SALES, Role.PARTNER_FINANCE}, order=300)
def my_certifications_card(request) -> dict:
    today = timezone.localdate()
    certs = list(
        selectors.valid_certifications(as_of=today)
        .filter(user=request.user)
        .select_related("course")
        .order_by("expires_on")[:5]
    )
    return {
        "template": "training/widgets/mine.html",
        "title": _("My certifications"),
        "certs": certs,
        "soon": today + timedelta(days=60),
    }
