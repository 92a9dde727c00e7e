"""Training cards on the dashboard: certification coverage and the user's own certifications."""

from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from accounts.scoping import scope_filter
from core.dashboard import widget
from core.dashboard_charts import ChartSpec, Series, chart_card, last_quarters
from core.periods import Quarter
from core.precomputed import precomputed, precomputed_value
from partners.models import Partner

from . import selectors
from .choices import Level
from .models import Certification


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


# --- Certification coverage trend (DESIGN §8) ----------------------------------------------------


def certified_staff_by_quarter_end(*, partner, days: list) -> dict:
    """Distinct people of `partner` holding a valid certification on each of `days`, and how many
    of them at senior level: one aggregate query with a filtered count per day."""
    certs = Certification.objects.unrestricted("own company's coverage trend").filter(
        partner=partner
    )

    def valid_on(day) -> Q:
        return Q(issued_on__lte=day, expires_on__gt=day) & (
            Q(detached_on__isnull=True) | Q(detached_on__gt=day)
        )

    aggregates = {}
    for i, day in enumerate(days):
        aggregates[f"total_{i}"] = Count("user", filter=valid_on(day), distinct=True)
        aggregates[f"senior_{i}"] = Count(
            "user", filter=valid_on(day) & Q(level=Level.SENIOR), distinct=True
        )
    row = certs.aggregate(**aggregates)
    return {
        "total": [row[f"total_{i}"] for i in range(len(days))],
        "senior": [row[f"senior_{i}"] for i in range(len(days))],
    }


@widget(roles={Role.PARTNER_ADMIN}, order=301)
def certification_trend_chart(request) -> dict | None:
    """Partner admin: certified and senior certified staff at the end of each of the last
    quarters (today for the current one), against what the next tier requires."""
    partner = request.user.partner
    if partner is None:
        return None
    today = timezone.localdate()
    quarters = last_quarters()
    days = [min(Quarter.parse(q).end, today) for q in quarters]
    counts = certified_staff_by_quarter_end(partner=partner, days=days)
    target = selectors.next_tier(partner)
    series = [
        Series(_("Certified staff"), counts["total"]),
        Series(_("Senior certified staff"), counts["senior"]),
    ]
    if target is not None:
        series.append(
            Series(
                _("Required for %(tier)s") % {"tier": target},
                [target.min_certified_staff] * len(days),
                kind="line",
            )
        )
    spec = ChartSpec(
        key="certification-coverage",
        title=_("Certification coverage by quarter"),
        labels=quarters,
        series=series,
    )
    return chart_card(spec)
