"""Dashboard cards of the partners app (DESIGN §8): the channel team's portfolio, a partner
admin's tier with the gap to the next one, agreements and visits."""

from __future__ import annotations

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import CHANNEL_ROLES, Role
from accounts.scoping import scope_filter
from core.dashboard import widget
from core.dashboard_charts import ChartSpec, Series, chart_card, last_quarters
from core.fx import FxRateMissing
from core.periods import Quarter
from core.precomputed import precomputed, precomputed_value

from . import inputs
from .choices import (
    OPEN_APPLICATION_STATUSES,
    ApplicationStatus,
    Classification,
    NpsWarningLevel,
    ProposalStatus,
)
from .models import NpsWarning, Partner, PartnerApplication, PartnerVisit, Tier, TierEvaluation
from .selectors import nps_warnings_alerting_for, tier_proposal_list_for

CHANNEL_TEAM = CHANNEL_ROLES | {Role.ADMIN}


@widget(roles=CHANNEL_TEAM, order=40)
def partners_by_tier_and_class(request) -> dict:
    """Counts of the partners the user manages, one row per tier and one column per class."""
    as_of = None
    if manages_all(request.user):
        counts, as_of = precomputed_value("partners.by_tier_class")
    else:
        counts = _tier_class_counts(Partner.objects.manageable_by(request.user))
    classes = [*Classification.values, ""]
    rows = [
        {
            "tier": tier,
            "cells": [counts.get((tier.pk, klass), 0) for klass in classes],
            "total": sum(counts.get((tier.pk, klass), 0) for klass in classes),
        }
        for tier in Tier.objects.order_by("-rank")
    ]
    return {
        "template": "partners/widgets/by_tier_class.html",
        "title": _("Partners by tier and class"),
        "classes": [*Classification.labels, _("Not classified")],
        "rows": rows,
        "total": sum(counts.values()),
        "as_of": as_of,
    }


def manages_all(user) -> bool:
    """Administrators and directors manage every partner: their figures are vendor-wide."""
    return scope_filter(Partner, user, "manage") is None


def _tier_class_counts(partners) -> dict:
    return {
        (row["tier_id"], row["classification"]): row["n"]
        for row in partners.values("tier_id", "classification").annotate(n=Count("id")).order_by()
    }


@precomputed("partners.by_tier_class", invalidated_by=(Partner,))
def _tier_class_counts_all() -> dict:
    return _tier_class_counts(Partner.objects.unrestricted("vendor-wide dashboard figure"))


@widget(roles=CHANNEL_TEAM, order=41)
def applications_waiting(request) -> dict:
    as_of = None
    if scope_filter(PartnerApplication, request.user, "view") is None:
        counts, as_of = precomputed_value("partners.applications_waiting")
    else:
        counts = _applications_waiting(PartnerApplication.objects.visible_to(request.user))
    steps = [
        {"status": value, "label": ApplicationStatus(value).label, "count": counts.get(value, 0)}
        for value in OPEN_APPLICATION_STATUSES
    ]
    return {
        "template": "partners/widgets/applications.html",
        "title": _("Applications waiting"),
        "steps": steps,
        "total": sum(counts.values()),
        "as_of": as_of,
    }


def _applications_waiting(applications) -> dict:
    return dict(
        applications.filter(status__in=OPEN_APPLICATION_STATUSES)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )


@precomputed("partners.applications_waiting", invalidated_by=(PartnerApplication,))
def _applications_waiting_all() -> dict:
    return _applications_waiting(
        PartnerApplication.objects.unrestricted("vendor-wide dashboard figure")
    )


@widget(roles=CHANNEL_TEAM, order=42)
def pending_tier_proposals(request) -> dict:
    proposals = (
        tier_proposal_list_for(user=request.user)
        .filter(status=ProposalStatus.PENDING)
        .order_by("-quarter", "partner__legal_name", "pk")
    )
    return {
        "template": "partners/widgets/tier_proposals.html",
        "title": _("Pending tier proposals"),
        "count": proposals.count(),
        "proposals": list(proposals[:5]),
    }


@widget(roles={Role.PARTNER_ADMIN}, order=10)
def my_tier(request) -> dict | None:
    """The company's tier, the next tier's requirements and what is missing to reach it.

    Figures run to today: revenue of the four quarters ending with the current one, certified
    staff holding valid certifications today, the NPS of the latest surveyed quarter.
    """
    partner = (
        Partner.objects.manageable_by(request.user)
        .select_related("tier")
        .filter(pk=request.user.partner_id)
        .first()
    )
    if partner is None:
        return None
    today = timezone.localdate()
    quarter = Quarter.containing(today)
    try:
        revenue = inputs.revenue_by_partner(partner_ids=[partner.pk], quarter=quarter).get(
            partner.pk, inputs.ZERO
        )
    except FxRateMissing:
        # Sales in a currency without a rate cannot be summed: say so instead of failing.
        revenue = None
    staff = inputs.certified_staff(partner=partner, as_of=today)
    nps = inputs.nps_by_partner(partner_ids=[partner.pk], quarter=quarter).get(partner.pk)
    target = Tier.objects.filter(rank__gt=partner.tier.rank).order_by("rank").first()
    gaps = []
    if target is not None:
        gaps = [
            _gap(_("Revenue, last four quarters"), revenue, target.min_revenue),
            _gap(_("Certified staff"), staff["total"], target.min_certified_staff),
            _gap(_("Senior certified staff"), staff["senior"], target.min_senior_certified_staff),
        ]
        if target.min_nps is not None:
            gaps.append(_gap(_("NPS"), nps if nps is not None else 0, target.min_nps))
    last = (
        TierEvaluation.objects.visible_to(request.user)
        .filter(partner=partner)
        .only("quarter", "outcome")
        .order_by("-quarter")
        .first()
    )
    return {
        "template": "partners/widgets/my_tier.html",
        "title": _("Your tier"),
        "partner": partner,
        "next_tier": target,
        "gaps": gaps,
        "nps": nps,
        "revenue_unknown": revenue is None,
        "last_evaluation": last,
    }


def _gap(label, have, need) -> dict:
    if have is None:
        return {"label": label, "have": None, "need": need, "missing": None, "met": False}
    missing = max(need - have, 0)
    return {"label": label, "have": have, "need": need, "missing": missing, "met": not missing}


# --- agreements and visits (DESIGN §2.5, §2.8) ------------------------------------------------

EXPIRING_SHOWN = 8


@widget(roles=CHANNEL_ROLES | {Role.ADMIN, Role.LEGAL}, order=150)
def agreements_expiring_card(request) -> dict:
    """Active agreements ending within 90 days: a channel manager sees their own partners'."""
    from .selectors import EXPIRY_WINDOW_DAYS, agreements_expiring_for

    expiring = agreements_expiring_for(user=request.user)
    today = timezone.localdate()
    shown = list(expiring[:EXPIRING_SHOWN])
    for agreement in shown:
        agreement.days_left = (agreement.end_date - today).days
    return {
        "template": "partners/widgets/agreements_expiring.html",
        "title": _("Agreements expiring within 90 days"),
        "agreements": shown,
        "count": expiring.count(),
        "days": EXPIRY_WINDOW_DAYS,
    }


@widget(roles=CHANNEL_ROLES | {Role.ADMIN}, order=160)
def partners_without_meeting_card(request) -> dict:
    """Partners the manager has not met this quarter (DESIGN §2.8)."""
    from .selectors import partners_without_quarterly_meeting

    if manages_all(request.user):
        # Vendor-wide: which partners and how many, precomputed; their names read by key.
        (shown_ids, count), as_of = precomputed_value("partners.without_meeting")
        by_pk = Partner.objects.unrestricted("ids precomputed for this user's scope").in_bulk(
            shown_ids
        )
        shown = [by_pk[pk] for pk in shown_ids if pk in by_pk]
        tiers = tiers_by_pk()
        for partner in shown:
            partner.tier = tiers.get(partner.tier_id)
    else:
        partners = partners_without_quarterly_meeting(user=request.user)
        shown, count, as_of = list(partners[:EXPIRING_SHOWN]), partners.count(), None
    return {
        "template": "partners/widgets/partners_without_meeting.html",
        "title": _("Partners without a meeting this quarter"),
        "partners": shown,
        "count": count,
        "as_of": as_of,
    }


def tiers_by_pk() -> dict:
    return {tier.pk: tier for tier in Tier.objects.all()}


@precomputed("partners.without_meeting", invalidated_by=(Partner, PartnerVisit))
def _without_meeting_all() -> tuple[list[int], int]:
    from .selectors import partners_without_quarterly_meeting_all

    partners = partners_without_quarterly_meeting_all()
    return list(partners.values_list("pk", flat=True)[:EXPIRING_SHOWN]), partners.count()


@widget(roles={Role.LEGAL}, order=140)
def agreements_legal_queue_card(request) -> dict:
    """Agreement versions waiting for the legal review (DESIGN §2.5)."""
    from .choices import AgreementStatus
    from .selectors import agreement_list_for

    waiting = agreement_list_for(
        user=request.user, filters={"status": AgreementStatus.LEGAL_REVIEW}
    )
    return {
        "template": "partners/widgets/agreements_legal_queue.html",
        "title": _("Agreements waiting for legal review"),
        "agreements": list(waiting.order_by("updated_at", "pk")[:EXPIRING_SHOWN]),
        "count": waiting.count(),
    }


@widget(roles=CHANNEL_TEAM, order=43)
def nps_warnings(request) -> dict:
    """The red and yellow NPS warnings of the user's partners, latest quarter, with the trend
    (DESIGN §2.4, §8)."""
    return {
        "template": "partners/widgets/nps_warnings.html",
        "title": _("NPS warnings"),
        **nps_warnings_alerting_for(user=request.user),
    }


# --- NPS warnings trend (DESIGN §2.4, §8) --------------------------------------------------------


def nps_warning_counts_by_quarter(warnings, *, quarters: list[str]) -> dict:
    """Red and yellow warnings per quarter over `quarters`: one grouped query on the
    (quarter, level) index."""
    counts = {
        (quarter, level): n
        for quarter, level, n in warnings.filter(
            quarter__in=quarters, level__in=[NpsWarningLevel.RED, NpsWarningLevel.YELLOW]
        )
        .values_list("quarter", "level")
        .annotate(n=Count("pk"))
        .order_by()
    }
    return {
        "quarters": quarters,
        "red": [counts.get((q, NpsWarningLevel.RED), 0) for q in quarters],
        "yellow": [counts.get((q, NpsWarningLevel.YELLOW), 0) for q in quarters],
    }


@precomputed("partners.nps_warnings_by_quarter", invalidated_by=(NpsWarning,))
def _nps_warnings_by_quarter_all() -> dict:
    return nps_warning_counts_by_quarter(
        NpsWarning.objects.unrestricted("vendor-wide dashboard figure"), quarters=last_quarters()
    )


@widget(roles=CHANNEL_TEAM, order=44)
def nps_warnings_trend_chart(request) -> dict:
    """Staff: how many of the user's partners were graded red or yellow each quarter, next to
    the latest quarter's warnings card."""
    as_of = None
    if manages_all(request.user):
        figures, as_of = precomputed_value("partners.nps_warnings_by_quarter")
    else:
        figures = nps_warning_counts_by_quarter(
            NpsWarning.objects.manageable_by(request.user), quarters=last_quarters()
        )
    spec = ChartSpec(
        key="nps-warnings-by-quarter",
        title=_("NPS warnings by quarter"),
        labels=figures["quarters"],
        series=[
            Series(NpsWarningLevel.RED.label, figures["red"], stack="warnings", tone="bad"),
            Series(NpsWarningLevel.YELLOW.label, figures["yellow"], stack="warnings", tone="warn"),
        ],
    )
    return chart_card(spec, as_of=as_of)
