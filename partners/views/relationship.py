"""Pages for agreements, credit limits, business reports and visits (DESIGN §2.5, §2.6, §2.8).

State actions on the agreement page post with htmx and get the re-rendered action panel back;
without htmx they redirect (or re-render the page with the form's errors).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.choices import CHANNEL_ROLES, FINANCE_ROLES, STAFF_ROLES, Role
from accounts.permissions import company_finance_required
from accounts.scoping import can_manage_partner, is_own_company
from core.forms import apply_service_errors
from core.permissions import role_required

from .. import selectors, services
from ..choices import CreditStatus, ReportStatus, ReviewDecision, VisitStatus
from ..forms import (
    AgreementCreateForm,
    AgreementFilterForm,
    AgreementForm,
    AgreementReviewForm,
    AgreementSignForm,
    AgreementTerminateForm,
    BusinessReportEditForm,
    BusinessReportForm,
    CreditApplicationForm,
    CreditDecisionForm,
    ReportReviewForm,
    VisitPlanForm,
    VisitRecordForm,
)
from ._common import PAGE_SIZE

MANAGERS = (*CHANNEL_ROLES, Role.ADMIN)


def _bad(form) -> int:
    return 400 if form is not None and form.is_bound and form.errors else 200


# --- agreements -------------------------------------------------------------------------------


@login_required
def agreement_list(request):
    user = request.user
    if user.is_partner_user and user.role not in selectors.AGREEMENT_VIEW_ROLES:
        raise PermissionDenied
    partner = selectors.partner_filter_for(user=user, raw=request.GET.get("partner"))
    form = AgreementFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    agreements = selectors.agreement_list_for(user=user, filters=filters)
    if partner is not None:
        agreements = agreements.filter(partner=partner)
    page = Paginator(agreements, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "partners/agreement_list.html",
        {
            "form": form,
            "page": page,
            "partner_filter": partner,
            "can_create": user.is_admin or user.role in CHANNEL_ROLES,
        },
    )


@role_required(*CHANNEL_ROLES)
def agreement_create(request):
    form = AgreementCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            agreement = services.agreement_create(actor=request.user, **data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The agreement draft was created."))
            return redirect("partners:agreement_detail", pk=agreement.pk)
    return render(request, "partners/agreement_form.html", {"form": form}, status=_bad(form))


def _agreement_context(request, agreement, **forms) -> dict:
    user = request.user
    staff = user.is_vendor_staff
    manages = staff and can_manage_partner(user, agreement.partner)
    reviews = list(selectors.agreement_reviews_for(user=user, agreement=agreement)) if staff else []
    last = reviews[-1] if reviews else None
    business_approved = (
        agreement.status == "business_review"
        and last is not None
        and last.stage == "business"
        and last.decision == ReviewDecision.APPROVED
    )
    context = {
        "agreement": agreement,
        "versions": selectors.agreement_versions_for(agreement=agreement),
        "reviews": reviews,
        "is_staff_view": staff,
        "manages": manages,
        "is_legal": user.is_admin or user.role == Role.LEGAL,
        "business_approved": business_approved,
        "review_form": AgreementReviewForm(),
        "sign_form": AgreementSignForm(),
        "terminate_form": AgreementTerminateForm(),
    }
    context.update(forms)
    return context


def _agreement_page(request, agreement, *, bad: bool = False, **forms):
    context = _agreement_context(request, agreement, **forms)
    if request.htmx:
        return render(request, "partners/partials/agreement_panel.html", context)
    return render(request, "partners/agreement_detail.html", context, status=400 if bad else 200)


@login_required
def agreement_detail(request, pk: int):
    agreement = selectors.agreement_get_for(user=request.user, pk=pk)
    return _agreement_page(request, agreement)


@login_required
def agreement_edit(request, pk: int):
    if not request.user.is_vendor_staff:
        raise Http404
    agreement = selectors.agreement_get_for(user=request.user, pk=pk)
    form = AgreementForm(
        request.POST or None,
        initial={name: getattr(agreement, name) for name in services.AGREEMENT_FIELDS},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.agreement_update(agreement=agreement, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The agreement was saved."))
            return redirect("partners:agreement_detail", pk=pk)
    return render(
        request,
        "partners/agreement_form.html",
        {"form": form, "agreement": agreement},
        status=_bad(form),
    )


def _staff_agreement(request, pk: int):
    if not request.user.is_vendor_staff:
        raise Http404
    return selectors.agreement_get_for(user=request.user, pk=pk)


def _after_action(request, agreement, message: str):
    if request.htmx:
        agreement.refresh_from_db()
        messages.success(request, message)
        return _agreement_page(request, agreement)
    messages.success(request, message)
    return redirect("partners:agreement_detail", pk=agreement.pk)


def _refused(request, agreement, exc: ValidationError):
    messages.error(request, " ".join(exc.messages))
    if request.htmx:
        return _agreement_page(request, agreement)
    return redirect("partners:agreement_detail", pk=agreement.pk)


@login_required
@require_POST
def agreement_submit(request, pk: int):
    agreement = _staff_agreement(request, pk)
    try:
        services.agreement_submit(agreement=agreement, actor=request.user)
    except ValidationError as exc:
        return _refused(request, agreement, exc)
    return _after_action(request, agreement, _("The agreement was sent to legal review."))


@login_required
@require_POST
def agreement_review(request, pk: int):
    agreement = _staff_agreement(request, pk)
    form = AgreementReviewForm(request.POST)
    if form.is_valid():
        try:
            services.agreement_review(agreement=agreement, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return _after_action(request, agreement, _("The review was recorded."))
    return _agreement_page(request, agreement, bad=True, review_form=form)


@login_required
@require_POST
def agreement_sign(request, pk: int):
    agreement = _staff_agreement(request, pk)
    form = AgreementSignForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.agreement_sign(agreement=agreement, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return _after_action(request, agreement, _("The signed document was stored."))
    return _agreement_page(request, agreement, bad=True, sign_form=form)


@login_required
@require_POST
def agreement_activate(request, pk: int):
    agreement = _staff_agreement(request, pk)
    try:
        services.agreement_activate(agreement=agreement, actor=request.user)
    except ValidationError as exc:
        return _refused(request, agreement, exc)
    return _after_action(request, agreement, _("The agreement is active."))


@login_required
@require_POST
def agreement_terminate(request, pk: int):
    agreement = _staff_agreement(request, pk)
    form = AgreementTerminateForm(request.POST)
    if form.is_valid():
        try:
            services.agreement_terminate(
                agreement=agreement, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return _after_action(request, agreement, _("The agreement was terminated."))
    return _agreement_page(request, agreement, bad=True, terminate_form=form)


@login_required
@require_POST
def agreement_amend(request, pk: int):
    agreement = _staff_agreement(request, pk)
    try:
        amendment = services.agreement_amend(agreement=agreement, actor=request.user)
    except ValidationError as exc:
        return _refused(request, agreement, exc)
    messages.success(request, _("Amendment drafted as version %(v)s.") % {"v": amendment.version})
    response = redirect("partners:agreement_detail", pk=amendment.pk)
    if request.htmx:
        response["HX-Redirect"] = response["Location"]
    return response


@login_required
def agreement_document(request, pk: int):
    agreement = selectors.agreement_get_for(user=request.user, pk=pk)
    if not agreement.signed_document:
        raise Http404
    extension = agreement.signed_document.name.rsplit(".", 1)[-1]
    return FileResponse(
        agreement.signed_document.open("rb"),
        as_attachment=True,
        filename=f"{agreement.number}-v{agreement.version}.{extension}",
    )


# --- credit limits ----------------------------------------------------------------------------


@company_finance_required
def credit_list(request):
    user = request.user
    status = request.GET.get("status", "")
    if status not in CreditStatus.values:
        status = ""
    partner = selectors.partner_filter_for(user=user, raw=request.GET.get("partner"))
    applications = selectors.credit_application_list_for(user=user, status=status)
    if partner is not None:
        applications = applications.filter(partner=partner)
    page = Paginator(applications, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "status": status,
        "statuses": CreditStatus.choices,
        "partner_filter": partner,
    }
    if partner is not None and user.is_vendor_staff:
        context["exposure"] = selectors.credit_exposure_for(partner=partner)
    if user.is_partner_user:
        context["exposure"] = selectors.credit_exposure_for(partner=user.partner)
        context["can_apply"] = user.role == Role.PARTNER_FINANCE
    return render(request, "partners/credit_list.html", context)


@login_required
def credit_apply(request):
    user = request.user
    if user.role != Role.PARTNER_FINANCE:
        raise PermissionDenied
    partner = selectors.partner_get_for(user=user, pk=user.partner_id)
    form = CreditApplicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            application = services.credit_application_submit(
                partner=partner, actor=user, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The credit limit application was sent to finance."))
            return redirect("partners:credit_detail", pk=application.pk)
    return render(
        request,
        "partners/credit_form.html",
        {"form": form, "exposure": selectors.credit_exposure_for(partner=partner)},
        status=_bad(form),
    )


def _credit_page(request, application, form=None):
    user = request.user
    context = {
        "application": application,
        "exposure": selectors.credit_exposure_for(partner=application.partner),
        "can_decide": application.status == CreditStatus.SUBMITTED
        and (user.is_admin or user.role in FINANCE_ROLES),
        "can_withdraw": application.status == CreditStatus.SUBMITTED
        and is_own_company(user, application.partner_id),
        "decision_form": form or CreditDecisionForm(),
    }
    return render(request, "partners/credit_detail.html", context, status=_bad(form))


@company_finance_required
def credit_detail(request, pk: int):
    return _credit_page(request, selectors.credit_application_get_for(user=request.user, pk=pk))


@role_required(*FINANCE_ROLES)
@require_POST
def credit_decide(request, pk: int):
    application = selectors.credit_application_get_for(user=request.user, pk=pk)
    form = CreditDecisionForm(request.POST)
    approve = request.POST.get("decision") == "approve"
    if form.is_valid():
        try:
            if approve:
                services.credit_application_approve(
                    application=application, actor=request.user, note=form.cleaned_data["note"]
                )
            else:
                services.credit_application_reject(
                    application=application, actor=request.user, note=form.cleaned_data["note"]
                )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The decision was recorded."))
            return redirect("partners:credit_detail", pk=pk)
    return _credit_page(request, application, form)


@login_required
@require_POST
def credit_withdraw(request, pk: int):
    if not request.user.is_partner_user:
        raise Http404
    application = selectors.credit_application_get_for(user=request.user, pk=pk)
    try:
        services.credit_application_withdraw(application=application, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The application was withdrawn."))
    return redirect("partners:credit_detail", pk=pk)


# --- business reports -------------------------------------------------------------------------


@login_required
def report_list(request):
    user = request.user
    if not (user.is_partner_user or user.is_admin or user.role in CHANNEL_ROLES):
        raise PermissionDenied
    status = request.GET.get("status", "")
    if status not in ReportStatus.values:
        status = ""
    partner = selectors.partner_filter_for(user=user, raw=request.GET.get("partner"))
    reports = selectors.business_report_list_for(user=user, status=status)
    if partner is not None:
        reports = reports.filter(partner=partner)
    page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "partners/report_list.html",
        {
            "page": page,
            "status": status,
            "statuses": ReportStatus.choices,
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


# --- visits -----------------------------------------------------------------------------------


@role_required(*CHANNEL_ROLES)
def visit_list(request):
    status = request.GET.get("status", "")
    if status not in VisitStatus.values:
        status = ""
    visits = selectors.visit_list_for(user=request.user, status=status)
    page = Paginator(visits, PAGE_SIZE).get_page(request.GET.get("page"))
    unmet = selectors.partners_without_quarterly_meeting(user=request.user)
    return render(
        request,
        "partners/visit_list.html",
        {
            "page": page,
            "status": status,
            "statuses": VisitStatus.choices,
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
