"""Pages for partner visits (DESIGN §2.8)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.choices import CHANNEL_ROLES, STAFF_ROLES
from accounts.scoping import can_manage_partner
from core.forms import apply_service_errors
from core.permissions import role_required
from core.views import listing

from .. import selectors, services
from ..choices import VisitStatus
from ..forms import VisitPlanForm, VisitRecordForm
from ..lists import VISIT_LIST
from ._common import PAGE_SIZE, _bad


@role_required(*CHANNEL_ROLES)
def visit_list(request):
    visits = listing(request, VISIT_LIST)
    unmet = selectors.partners_without_quarterly_meeting(user=request.user)
    return render(
        request,
        "partners/visit_list.html",
        {
            "listing": visits,
            "page": visits.page,
            "unmet": unmet[:PAGE_SIZE],
            "unmet_count": unmet.count(),
        },
    )


@role_required(*CHANNEL_ROLES)
def visit_create(request):
    form = VisitPlanForm(request.POST or None, user=request.user, initial=request.GET or None)
    if request.method == "POST" and form.is_valid():
        try:
            visit = services.visit_plan(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The visit was planned."))
            return redirect("partners:visit_detail", pk=visit.pk)
    return render(request, "partners/visit_form.html", {"form": form}, status=_bad(form))


def _visit_page(request, visit, form=None):
    context = {
        "visit": visit,
        "can_record": visit.status == VisitStatus.PLANNED
        and can_manage_partner(request.user, visit.partner),
        "record_form": form or VisitRecordForm(),
    }
    return render(request, "partners/visit_detail.html", context, status=_bad(form))


@login_required
def visit_detail(request, pk: int):
    if request.user.role not in STAFF_ROLES:
        raise Http404
    return _visit_page(request, selectors.visit_get_for(user=request.user, pk=pk))


@role_required(*CHANNEL_ROLES)
@require_POST
def visit_record(request, pk: int):
    visit = selectors.visit_get_for(user=request.user, pk=pk)
    form = VisitRecordForm(request.POST)
    if form.is_valid():
        try:
            services.visit_record(visit=visit, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The visit was recorded."))
            return redirect("partners:visit_detail", pk=pk)
    return _visit_page(request, visit, form)


@role_required(*CHANNEL_ROLES)
@require_POST
def visit_cancel(request, pk: int):
    visit = selectors.visit_get_for(user=request.user, pk=pk)
    try:
        services.visit_cancel(visit=visit, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The visit was cancelled."))
    return redirect("partners:visit_detail", pk=pk)
