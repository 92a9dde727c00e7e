"""Pages for credit limit applications (DESIGN §2.6)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.choices import FINANCE_ROLES, Role
from accounts.permissions import company_finance_required
from accounts.scoping import is_own_company
from core.forms import apply_service_errors
from core.permissions import role_required
from core.views import listing

from .. import selectors, services
from ..choices import CreditStatus
from ..forms import CreditApplicationForm, CreditDecisionForm
from ..lists import CREDIT_APPLICATION_LIST
from ._common import _bad


@company_finance_required
def credit_list(request):
    user = request.user
    partner = selectors.partner_filter_for(user=user, raw=request.GET.get("partner"))
    applications = listing(request, CREDIT_APPLICATION_LIST)
    context = {
        "listing": applications,
        "page": applications.page,
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
