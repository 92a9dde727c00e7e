"""Training entries in the navigation and dashboard cards."""

from datetime import timedelta
from functools import partial

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import PARTNER_ROLES, STAFF_ROLES, Role
from core.dashboard import nav_item as register_nav_item
from core.dashboard import widget

from . import selectors

# Every entry of this app sits under one heading of the sidebar.
nav_item = partial(register_nav_item, section=_("Training"))

nav_item(_("Training"), "training:course_list", roles=STAFF_ROLES | PARTNER_ROLES, order=300)
nav_item(
    _("Certifications"),
    "training:certification_list",
    roles=STAFF_ROLES | PARTNER_ROLES,
    order=310,
)
nav_item(_("Certification coverage"), "training:coverage", roles={Role.PARTNER_ADMIN}, order=320)
nav_item(
    _("Certification coverage"),
    "training:coverage_report",
    roles={Role.ADMIN, Role.CHANNEL_MANAGER, Role.CHANNEL_DIRECTOR},
    order=320,
)


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
