"""Training cards on the dashboard: certification coverage and the user's own certifications."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from accounts.scoping import scope_filter
from core.dashboard import widget
from core.precomputed import precomputed, precomputed_value
from partners.models import Partner

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
    """Staff see every partner: the summary over all of them is precomputed each minute."""
    as_of = None
    if scope_filter(Partner, request.user, "view") is None:
        summary, as_of = precomputed_value("training.coverage_summary")
    else:
        summary = selectors.coverage_summary_for(user=request.user)
    return {
        "template": "training/widgets/coverage_staff.html",
        "title": _("Certification coverage"),
        "as_of": as_of,
        **summary,
    }


@precomputed("training.coverage_summary")
def _coverage_summary_all() -> dict:
    return selectors.coverage_summary_all()


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
