"""Bulk decisions on the partners approval queues (DESIGN §2.1, §2.3, §8.1): the selected
applications or tier proposals, one decision and one reason, each row through its own service."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.bulk import BulkDecisionForm, bulk_apply
from core.permissions import role_required

from .. import selectors, services
from ._common import APPLICATION_DECISIONS, CHANNEL, PROPOSAL_DECISIONS


def _bulk(request, *, decisions, title: str, back: str, run):
    form = BulkDecisionForm(request.POST, decisions=decisions)
    context = {"title": title, "back": back}
    if not form.is_valid():
        return render(request, "core/bulk_result.html", {**context, "form": form}, status=400)
    decision, reason = form.cleaned_data["decision"], form.cleaned_data["reason"]
    result = run(ids=form.cleaned_data["ids"], decision=decision, reason=reason)
    return render(
        request,
        "core/bulk_result.html",
        {
            **context,
            "result": result,
            "decision_label": dict(decisions)[decision],
            "reason": reason,
        },
    )


@role_required(*CHANNEL)
@require_POST
def application_bulk(request):
    """Advance or reject the selected applications; each checks its own step (scores, status)."""

    def run(*, ids, decision, reason):
        def act(application):
            if decision == "advance":
                return services.application_advance(
                    application=application, actor=request.user, note=reason
                )
            return services.application_reject(
                application=application, actor=request.user, reason=reason
            )

        return bulk_apply(
            rows=selectors.application_list_for(user=request.user),
            ids=ids,
            decision=decision,
            act=act,
            label=lambda application: application.legal_name,
            url=lambda application: reverse("partners:application_detail", args=[application.pk]),
        )

    return _bulk(
        request,
        decisions=APPLICATION_DECISIONS,
        title=_("Applications"),
        back=reverse("partners:application_list"),
        run=run,
    )


@role_required(*CHANNEL)
@require_POST
def tier_proposal_bulk(request):
    """Confirm or reject the selected tier proposals; each checks its own partner's tier and
    violations (an upgrade is refused while a violation is open)."""

    def run(*, ids, decision, reason):
        def act(proposal):
            if decision == "confirm":
                return services.tier_proposal_confirm(
                    evaluation=proposal, actor=request.user, note=reason
                )
            return services.tier_proposal_reject(
                evaluation=proposal, actor=request.user, reason=reason
            )

        return bulk_apply(
            rows=selectors.tier_proposal_decidable_for(user=request.user),
            ids=ids,
            decision=decision,
            act=act,
            label=lambda p: (
                f"{p.partner.legal_name} · {p.quarter}: {p.current_tier} → {p.proposed_tier}"
            ),
            url=lambda p: reverse("partners:partner_detail", args=[p.partner_id]),
        )

    return _bulk(
        request,
        decisions=PROPOSAL_DECISIONS,
        title=_("Tier proposals"),
        back=reverse("partners:tier_proposals"),
        run=run,
    )
