"""Bulk decisions on the partners approval queues (DESIGN §2.1, §2.3, §8.1), one place for the page
and the API: the selected applications or tier proposals, one decision and one reason, each row
through its own service (its own transaction, rules and audit row)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.bulk import BulkResult, bulk_apply

from . import selectors, services

# Move on (or confirm), or reject.
APPLICATION_DECISIONS = (("advance", _("Advance to the next step")), ("reject", _("Reject")))
PROPOSAL_DECISIONS = (("confirm", _("Confirm")), ("reject", _("Reject")))


def application_bulk_decide(
    *, user: User, ids: list[int], decision: str, reason: str
) -> BulkResult:
    """Advance or reject the applications `ids`; each checks its own step (scores, status)."""

    def act(application):
        if decision == "advance":
            return services.application_advance(application=application, actor=user, note=reason)
        return services.application_reject(application=application, actor=user, reason=reason)

    return bulk_apply(
        rows=selectors.application_list_for(user=user),
        ids=ids,
        decision=decision,
        act=act,
        label=lambda application: application.legal_name,
        url=lambda application: reverse("partners:application_detail", args=[application.pk]),
    )


def tier_proposal_bulk_decide(
    *, user: User, ids: list[int], decision: str, reason: str
) -> BulkResult:
    """Confirm or reject the tier proposals `ids`; each checks its own partner's tier and
    violations (an upgrade is refused while a violation is open)."""

    def act(proposal):
        if decision == "confirm":
            return services.tier_proposal_confirm(evaluation=proposal, actor=user, note=reason)
        return services.tier_proposal_reject(evaluation=proposal, actor=user, reason=reason)

    return bulk_apply(
        rows=selectors.tier_proposal_decidable_for(user=user),
        ids=ids,
        decision=decision,
        act=act,
        label=lambda p: (
            f"{p.partner.legal_name} · {p.quarter}: {p.current_tier} → {p.proposed_tier}"
        ),
        url=lambda p: reverse("partners:partner_detail", args=[p.partner_id]),
    )
