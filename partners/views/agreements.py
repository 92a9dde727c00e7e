"""Pages for partner agreements (DESIGN §2.5).

State actions on the agreement page post with htmx and get the re-rendered action panel back;
without htmx they redirect (or re-render the page with the form's errors).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.choices import CHANNEL_ROLES, Role
from accounts.scoping import can_manage_partner
from core.files import stored_file_response
from core.forms import apply_service_errors
from core.permissions import role_required
from core.views import listing

from .. import selectors, services
from ..choices import ReviewDecision
from ..forms import (
    AgreementCreateForm,
    AgreementForm,
    AgreementReviewForm,
    AgreementSignForm,
    AgreementTerminateForm,
)
from ..lists import AGREEMENT_LIST
from ._common import _bad


@login_required
def agreement_list(request):
    user = request.user
    if user.is_partner_user and user.role not in selectors.AGREEMENT_VIEW_ROLES:
        raise PermissionDenied
    partner = selectors.partner_filter_for(user=user, raw=request.GET.get("partner"))
    agreements = listing(request, AGREEMENT_LIST)
    return render(
        request,
        "partners/agreement_list.html",
        {
            "listing": agreements,
            "page": agreements.page,
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
    return stored_file_response(
        agreement.signed_document, filename=f"{agreement.number}-v{agreement.version}.{extension}"
    )
