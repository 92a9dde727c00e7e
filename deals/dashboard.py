"""Dashboard cards of deal registration and leads (DESIGN §8)."""

import copy

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.choices import CHANNEL_ROLES, PARTNER_ROLES, Role
from accounts.scoping import scope_filter
from core.dashboard import widget
from core.precomputed import per_scope_value, precomputed, precomputed_value

from .choices import DealStatus
from .customer_data import customer_data_shown
from .models import Deal
from .permissions import deal_register_refusal
from .selectors import (
    deal_manager_stats_for,
    deal_protections_expiring_for,
    deal_stage_counts_for,
    deal_stats_all,
    lead_offer_count_for,
)

STAGES = [
    DealStatus.DRAFT,
    DealStatus.SUBMITTED,
    DealStatus.IN_CONFLICT,
    DealStatus.APPROVED,
    DealStatus.WON,
    DealStatus.LOST,
    DealStatus.EXPIRED,
    DealStatus.REJECTED,
]
FUNNEL_LABELS = {
    "registered": pgettext_lazy("deal funnel", "Registered"),
    "approved": pgettext_lazy("deal funnel", "Approved"),
    "won": pgettext_lazy("deal funnel", "Won"),
}


@widget(roles=PARTNER_ROLES, order=200)
def partner_deals_card(request) -> dict | None:
    """Partner: deals by stage, protections ending within 14 days, leads waiting for an answer."""
    user = request.user
    if user.partner_id is None:
        return None
    counts = deal_stage_counts_for(user=user)
    return {
        "template": "deals/widgets/partner_deals.html",
        "title": _("Deal registrations"),
        "stages": [
            {"status": s.value, "label": s.label, "count": counts.get(s.value, 0)} for s in STAGES
        ],
        # Customer names of the company's deals: a read of customer data like any list (DESIGN §9).
        "expiring": customer_data_shown(
            user=user,
            records=deal_protections_expiring_for(user=user, days=14)[:10],
            view="list",
            door="dashboard",
        ),
        "leads": lead_offer_count_for(user=user),
        "can_register": user.role in (Role.PARTNER_ADMIN, Role.PARTNER_SALES)
        and deal_register_refusal(partner_id=user.partner_id) is None,
    }


@widget(roles=CHANNEL_ROLES | {Role.ADMIN}, order=200, width="full")
def manager_deals_card(request) -> dict:
    """Channel manager: approval queue, SLA breaches, conflicts waiting, win rate, funnel.

    A channel manager's own partners' registrations are counted live through the partner index;
    whoever manages every partner reads the vendor-wide figure precomputed each minute.
    """
    as_of = None
    if scope_filter(Deal, request.user, "manage") is None:
        stats, as_of = precomputed_value("deals.manager_stats")
        stats = copy.deepcopy(stats)
    else:
        user = request.user
        stats = per_scope_value(
            "deals.manager_stats", str(user.pk), lambda: deal_manager_stats_for(user=user)
        )
    for step in stats["funnel"]:
        step["label"] = FUNNEL_LABELS[step["key"]]
    return {
        "template": "deals/widgets/manager_deals.html",
        "title": _("Deal registrations"),
        "stats": stats,
        "as_of": as_of,
    }


@precomputed("deals.manager_stats")
def _all_deal_stats() -> dict:
    """Every registration by queue, SLA, conflict and outcome: a million rows, once a minute."""
    return deal_stats_all()
