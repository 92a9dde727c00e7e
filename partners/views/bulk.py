"""Bulk decisions on the partners approval queues (DESIGN §2.1, §2.3, §8.1): the pages' side of
`partners.bulk`."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.bulk import BulkDecisionForm
from core.permissions import role_required

from ..bulk import (
    APPLICATION_DECISIONS,
    PROPOSAL_DECISIONS,
    application_bulk_decide,
    tier_proposal_bulk_decide,
)
from ._common import CHANNEL


def _bulk(request, *, decisions, title: str, back: str, run):
    form = BulkDecisionForm(request.POST, decisions=decisions)
    context = {"title": title, "back": back}
    if not form.is_valid():
        return render(request, "core/bulk_result.html", {**context, "form": form}, status=400)
    decision, reason = form.cleaned_data["decision"], form.cleaned_data["reason"]
    result = run(user=request.user, ids=form.cleaned_data["ids"], decision=decision, reason=reason)
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
    """Advance or reject the selected applications."""
    return _bulk(
        request,
        decisions=APPLICATION_DECISIONS,
        title=_("Applications"),
        back=reverse("partners:application_list"),
        run=application_bulk_decide,
    )


@role_required(*CHANNEL)
@require_POST
def tier_proposal_bulk(request):
    """Confirm or reject the selected tier proposals."""
    return _bulk(
        request,
        decisions=PROPOSAL_DECISIONS,
        title=_("Tier proposals"),
        back=reverse("partners:tier_proposals"),
        run=tier_proposal_bulk_decide,
    )
