"""Pages of the partner programme (DESIGN §2.3, §2.4): tier proposals, scorecards, NPS surveys."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.choices import Role
from core.bulk import BULK_MAX_ROWS, BulkDecisionForm
from core.forms import apply_service_errors
from core.permissions import role_required
from core.views import listing

from .. import selectors, services
from ..bulk import PROPOSAL_DECISIONS
from ..choices import ProposalStatus, ScorecardKind
from ..forms import (
    NoteForm,
    NpsResponseForm,
    RejectForm,
    ScorecardEvaluateForm,
    ScorecardWeightSetForm,
    ScorecardWeightsForm,
)
from ..lists import TIER_PROPOSAL_LIST
from ..models import (
    SCORE_FIELDS,
    WEIGHT_FIELDS,
    WEIGHT_SET_FIELDS,
    Scorecard,
    ScorecardWeights,
)
from ._common import CHANNEL
from .partner import _detail_context

# --- tiers (DESIGN §2.3) ----------------------------------------------------------------------


def _is_htmx(request) -> bool:
    return bool(request.headers.get("HX-Request"))


@role_required(*CHANNEL)
def tier_proposals(request):
    """The tier proposals queue: pending ones unless another status is asked."""
    params = request.GET.copy()
    if params.get("status") in (None, "", ProposalStatus.NONE):
        params["status"] = ProposalStatus.PENDING
    proposals = listing(request, TIER_PROPOSAL_LIST, params)
    status = params["status"]
    return render(
        request,
        "partners/tier_proposals.html",
        {
            "listing": proposals,
            "page": proposals.page,
            "status": status,
            "statuses": [c for c in ProposalStatus.choices if c[0] != ProposalStatus.NONE],
            "reject_form": RejectForm(),
            "bulk": status == ProposalStatus.PENDING,
            "bulk_form": BulkDecisionForm(decisions=PROPOSAL_DECISIONS),
            "bulk_limit": BULK_MAX_ROWS,
        },
    )


def _proposal_row(request, proposal, *, form=None, error: str = ""):
    proposal = selectors.tier_proposal_get_for(user=request.user, pk=proposal.pk)
    return render(
        request,
        "partners/partials/tier_proposal_row.html",
        # The row is swapped into the pending list, which has the bulk selection column.
        {"p": proposal, "reject_form": form or RejectForm(), "error": error, "bulk": True},
    )


@role_required(*CHANNEL)
@require_POST
def tier_proposal_confirm(request, pk: int):
    proposal = selectors.tier_proposal_get_for(user=request.user, pk=pk)
    form = NoteForm(request.POST)
    form.is_valid()
    try:
        services.tier_proposal_confirm(
            evaluation=proposal, actor=request.user, note=form.cleaned_data.get("note", "")
        )
    except ValidationError as exc:
        error = " ".join(exc.messages)
        if _is_htmx(request):
            return _proposal_row(request, proposal, error=error)
        messages.error(request, error)
    else:
        if _is_htmx(request):
            return _proposal_row(request, proposal)
        messages.success(request, _("The tier change was confirmed."))
    return redirect("partners:tier_proposals")


@role_required(*CHANNEL)
@require_POST
def tier_proposal_reject(request, pk: int):
    proposal = selectors.tier_proposal_get_for(user=request.user, pk=pk)
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            services.tier_proposal_reject(
                evaluation=proposal, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
    if _is_htmx(request):
        return _proposal_row(request, proposal, form=form if form.errors else None)
    if form.errors:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    else:
        messages.success(request, _("The tier proposal was rejected."))
    return redirect("partners:tier_proposals")


# --- scorecards (DESIGN §2.4) -----------------------------------------------------------------


@role_required(Role.ADMIN)
def scorecard_weights(request):
    current = selectors.scorecard_weights_current()
    form = ScorecardWeightsForm(request.POST or None, initial=current.as_dict())
    if request.method == "POST" and form.is_valid():
        try:
            services.scorecard_weights_update(
                actor=request.user, **{name: form.cleaned_data[name] for name in WEIGHT_FIELDS}
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The scorecard weights were saved."))
            return redirect("partners:scorecard_weights")
    history = ScorecardWeights.objects.select_related("changed_by")[:20]
    return render(
        request,
        "partners/scorecard_weights.html",
        {
            "form": form,
            "history": history,
            "weight_sets": selectors.scorecard_weight_set_list_for(user=request.user),
        },
        status=400 if form.is_bound else 200,
    )


@role_required(Role.ADMIN)
def scorecard_weight_set_edit(request, pk: int | None = None):
    """Create a weight set by partner type and region (no `pk`) or change one."""
    weight_set = (
        None if pk is None else selectors.scorecard_weight_set_get_for(user=request.user, pk=pk)
    )
    initial = (
        selectors.scorecard_weights_current().as_dict()  # a new set starts from the defaults
        if weight_set is None
        else {name: getattr(weight_set, name) for name in WEIGHT_SET_FIELDS}
    )
    form = ScorecardWeightSetForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.scorecard_weight_set_save(
                actor=request.user, weight_set=weight_set, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The weight set was saved."))
            return redirect("partners:scorecard_weights")
    return render(
        request,
        "partners/scorecard_weight_set_form.html",
        {"form": form, "weight_set": weight_set},
        status=400 if form.is_bound else 200,
    )


@login_required
def scorecard_detail(request, pk: int):
    scorecard = selectors.scorecard_get_for(user=request.user, pk=pk)
    rows = []
    for score_name, weight_name in zip(SCORE_FIELDS, WEIGHT_FIELDS, strict=True):
        weight = scorecard.weights.get(weight_name, 0)
        score = getattr(scorecard, score_name)
        rows.append(
            {
                "label": Scorecard._meta.get_field(score_name).verbose_name,
                "score": score,
                "weight": weight,
                "points": Decimal(score * weight) / 100,
            }
        )
    return render(
        request,
        "partners/scorecard_detail.html",
        {
            "scorecard": scorecard,
            "partner": scorecard.partner,
            "rows": rows,
            # The set's name when the scorecard was made: a set renamed later does not rewrite it.
            "weights_label": scorecard.weight_set_name or _("default"),
        },
    )


@login_required
@require_POST
def scorecard_evaluate(request, pk: int):
    if not request.user.is_vendor_staff:
        raise Http404
    partner = selectors.partner_get_for(user=request.user, pk=pk, action="manage")
    form = ScorecardEvaluateForm(request.POST)
    if form.is_valid():
        try:
            scorecard = services.scorecard_evaluate(
                partner=partner,
                actor=request.user,
                kind=ScorecardKind.ON_DEMAND,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The partner was evaluated."))
            return redirect("partners:scorecard_detail", pk=scorecard.pk)
    context = _detail_context(request, partner) | {"scorecard_form": form}
    return render(request, "partners/partner_detail.html", context, status=400)


# --- NPS surveys (DESIGN §2.4) ----------------------------------------------------------------


@login_required
def nps_record(request, pk: int):
    if not request.user.is_vendor_staff:
        raise Http404
    partner = selectors.partner_get_for(user=request.user, pk=pk)
    form = NpsResponseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.nps_response_record(partner=partner, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The survey answer was recorded."))
            return redirect("partners:nps_record", pk=pk)
    responses = selectors.nps_response_list_for(user=request.user, partner=partner)[:50]
    return render(
        request,
        "partners/nps_form.html",
        {
            "form": form,
            "partner": partner,
            "responses": responses,
            "nps_quarters": selectors.partner_nps_by_quarter(partner=partner),
        },
        status=400 if form.is_bound else 200,
    )
