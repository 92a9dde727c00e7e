"""Pages for monthly business reports (DESIGN §2.8)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.choices import CHANNEL_ROLES
from accounts.scoping import can_manage_partner
from core.forms import apply_service_errors
from core.permissions import role_required
from core.views import listing

from .. import selectors, services
from ..choices import ReportStatus
from ..forms import BusinessReportEditForm, BusinessReportForm, ReportReviewForm
from ..lists import BUSINESS_REPORT_LIST
from ._common import _bad


@login_required
def report_list(request):
    user = request.user
    if not (user.is_partner_user or user.is_admin or user.role in CHANNEL_ROLES):
        raise PermissionDenied
    partner = selectors.partner_filter_for(user=user, raw=request.GET.get("partner"))
    reports = listing(request, BUSINESS_REPORT_LIST)
    return render(
        request,
        "partners/report_list.html",
        {
            "listing": reports,
            "page": reports.page,
            "partner_filter": partner,
        },
    )


@login_required
def report_create(request):
    user = request.user
    if not user.is_partner_user:
        raise PermissionDenied
    partner = selectors.partner_get_for(user=user, pk=user.partner_id)
    form = BusinessReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            report = services.business_report_submit(
                partner=partner, actor=user, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The business report was submitted."))
            return redirect("partners:report_detail", pk=report.pk)
    return render(request, "partners/report_form.html", {"form": form}, status=_bad(form))


def _report_page(request, report, review_form=None, edit_form=None):
    user = request.user
    can_edit = (
        report.status == ReportStatus.RETURNED
        and user.is_partner_user
        and user.partner_id == report.partner_id
    )
    context = {
        "report": report,
        "can_review": report.status == ReportStatus.SUBMITTED
        and user.is_vendor_staff
        and can_manage_partner(user, report.partner),
        "review_form": review_form or ReportReviewForm(),
        "can_edit": can_edit,
        "edit_form": edit_form
        or (
            BusinessReportEditForm(
                initial={name: getattr(report, name) for name in services.REPORT_FIELDS}
            )
            if can_edit
            else None
        ),
    }
    bad = _bad(review_form) if review_form is not None else _bad(edit_form)
    return render(request, "partners/report_detail.html", context, status=bad)


@login_required
def report_detail(request, pk: int):
    return _report_page(request, selectors.business_report_get_for(user=request.user, pk=pk))


@role_required(*CHANNEL_ROLES)
@require_POST
def report_review(request, pk: int):
    report = selectors.business_report_get_for(user=request.user, pk=pk)
    form = ReportReviewForm(request.POST)
    if form.is_valid():
        try:
            services.business_report_review(
                report=report,
                actor=request.user,
                comment=form.cleaned_data["comment"],
                accept=form.cleaned_data["decision"] == "accept",
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The review was recorded."))
            return redirect("partners:report_detail", pk=pk)
    return _report_page(request, report, review_form=form)


@login_required
@require_POST
def report_resubmit(request, pk: int):
    if not request.user.is_partner_user:
        raise Http404
    report = selectors.business_report_get_for(user=request.user, pk=pk)
    form = BusinessReportEditForm(request.POST)
    if form.is_valid():
        try:
            services.business_report_resubmit(
                report=report, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The business report was submitted again."))
            return redirect("partners:report_detail", pk=pk)
    return _report_page(request, report, edit_form=form)
