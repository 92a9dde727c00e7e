"""Pages of the credit rating and its lower-limit proposals (DESIGN §2.6), and the NPS warnings
(DESIGN §2.4). Ratings are the vendor's own assessment: staff read them, finance rates and decides.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.choices import FINANCE_ROLES, STAFF_ROLES
from core.forms import apply_service_errors
from core.permissions import role_required

from .. import selectors, services
from ..choices import LimitProposalStatus, NpsWarningLevel
from ..forms import CreditDecisionForm
from ._common import CHANNEL, PAGE_SIZE, _bad

FINANCE = tuple(FINANCE_ROLES)


def may_rate(user) -> bool:
    """Finance (and administrators) rate a partner on demand and decide the proposals."""
    return user.is_admin or user.role in FINANCE_ROLES


@role_required(*STAFF_ROLES)
def credit_rating_history(request, pk: int):
    partner = selectors.partner_get_for(user=request.user, pk=pk)
    ratings = selectors.credit_rating_list_for(user=request.user, partner=partner)
    page = Paginator(ratings, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "partners/credit_rating_history.html",
        {
            "partner": partner,
            "page": page,
            "latest": ratings.first(),
            "can_rate": may_rate(request.user),
            "proposals": selectors.credit_limit_proposal_list_for(user=request.user).filter(
                partner=partner
            )[:5],
        },
    )


@role_required(*FINANCE)
@require_POST
def credit_rating_rate(request, pk: int):
    partner = selectors.partner_get_for(user=request.user, pk=pk)
    try:
        rating = services.credit_rating_evaluate(partner=partner, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(partner)s is rated %(grade)s.") % {"partner": partner, "grade": rating.grade},
        )
    return redirect("partners:credit_rating_history", pk=partner.pk)


def _proposal_page(request, form=None, failed=None):
    status = request.GET.get("status", LimitProposalStatus.PENDING)
    if status not in LimitProposalStatus.values and status != "all":
        status = LimitProposalStatus.PENDING
    proposals = selectors.credit_limit_proposal_list_for(
        user=request.user, status="" if status == "all" else status
    )
    page = Paginator(proposals, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "partners/credit_proposal_list.html",
        {
            "page": page,
            "status": status,
            "statuses": [*LimitProposalStatus.choices, ("all", _("All"))],
            "decision_form": form or CreditDecisionForm(),
            "failed": failed,
        },
        status=_bad(form),
    )


@role_required(*FINANCE)
def credit_proposal_list(request):
    return _proposal_page(request)


@role_required(*FINANCE)
@require_POST
def credit_proposal_decide(request, pk: int):
    proposal = selectors.credit_limit_proposal_get_for(user=request.user, pk=pk)
    form = CreditDecisionForm(request.POST)
    if form.is_valid():
        note = form.cleaned_data["note"]
        try:
            if request.POST.get("decision") == "approve":
                services.credit_limit_proposal_approve(
                    proposal=proposal, actor=request.user, note=note
                )
            else:
                services.credit_limit_proposal_reject(
                    proposal=proposal, actor=request.user, note=note
                )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The decision was recorded."))
            return redirect("partners:credit_proposal_list")
    return _proposal_page(request, form, failed=proposal.pk)


@role_required(*CHANNEL)
def nps_warning_list(request):
    user = request.user
    quarter = request.GET.get("quarter", "").strip().upper()
    if not quarter:
        quarter = selectors.nps_warning_latest_quarter_for(user=user) or ""
    level = request.GET.get("level", "")
    if level not in NpsWarningLevel.values:
        level = ""
    warnings = selectors.nps_warning_list_for(user=user, quarter=quarter, level=level).order_by(
        "level", "nps", "pk"
    )
    page = Paginator(warnings, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = selectors.nps_trend_attach(list(page.object_list))
    return render(
        request,
        "partners/nps_warning_list.html",
        {
            "page": page,
            "rows": rows,
            "quarter": quarter,
            "level": level,
            "levels": NpsWarningLevel.choices,
        },
    )
