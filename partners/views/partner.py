"""Pages: partner directory and profile, my company and its users, applications, freezing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.choices import CHANNEL_ROLES, FINANCE_ROLES, STAFF_ROLES, Role
from accounts.models import User
from accounts.scoping import (
    can_manage_partner,
    is_own_company,
    sees_company_finance,
    sees_partner_details,
)
from core.bulk import BULK_MAX_ROWS, BulkDecisionForm
from core.files import stored_file_response
from core.forms import apply_service_errors
from core.permissions import role_required
from core.views import listing

from .. import selectors, services
from ..bulk import APPLICATION_DECISIONS
from ..choices import ApplicationStatus, PartnerStatus
from ..forms import (
    ApplicationForm,
    AssessmentForm,
    FreezeForm,
    NoteForm,
    PartnerForm,
    PartnerUserInviteForm,
    PartnerUserRoleForm,
    RejectForm,
    ScorecardEvaluateForm,
    ViolationForm,
)
from ..lists import APPLICATION_LIST, PARTNER_LIST
from ..widgets import DEFAULT_FIELD, SUGGESTION_SCOPES
from ._common import CHANNEL

# --- directory and profile --------------------------------------------------------------------


@role_required(*STAFF_ROLES)
def partner_list(request):
    partners = listing(request, PARTNER_LIST)
    return render(
        request, "partners/partner_list.html", {"listing": partners, "page": partners.page}
    )


SUGGESTIONS = 10


@role_required(*STAFF_ROLES)
def partner_suggestions(request):
    """Partners whose name or tax ID matches what is typed into a partner field (`?q=`, or the
    field's own parameter as htmx sends it: `partner`, or the one `?field=` names), as
    `<option>`s for its `<datalist>`; among those the user may see, or those the field's `?scope=`
    names (`manage`: the partners the user manages)."""
    field = request.GET.get("field") or DEFAULT_FIELD
    text = (request.GET.get("q") or request.GET.get(field) or "").strip()[:100]
    scope = request.GET.get("scope", "view")
    partners = []
    if len(text) >= 2 and scope in SUGGESTION_SCOPES:
        partners = selectors.partner_search_for(
            user=request.user,
            text=text,
            code=text.replace(" ", "").upper(),
            limit=SUGGESTIONS,
            within=selectors.partner_suggestion_base_for(user=request.user, scope=scope),
        )
    return render(request, "partners/partials/partner_options.html", {"partners": partners})


def _detail_context(request, partner) -> dict:
    """The partner page; a distributor looking at a dealer gets its profile summary only."""
    user = request.user
    own_admin = user.role == Role.PARTNER_ADMIN and is_own_company(user, partner.pk)
    details = sees_partner_details(user, partner.pk)
    context = {
        "partner": partner,
        "details": details,
        "shows_credit": details and sees_company_finance(user),
        "dealers": partner.dealers.select_related("tier").order_by("legal_name"),
        "is_staff_view": user.is_vendor_staff,
        "can_manage": user.is_vendor_staff and can_manage_partner(user, partner),
        "can_approve_unfreeze": user.is_admin or user.role in CHANNEL_ROLES,
        "manages_users": own_admin,
    }
    if user.is_vendor_staff or own_admin:
        context["users"] = selectors.partner_users_for(partner=partner)
        context["partner_exit"] = selectors.partner_exit_latest_of(user=user, partner_id=partner.pk)
    if not details:
        context["relationship"] = {}
        return context
    context.update(_programme_context(request, partner))
    context["relationship"] = selectors.partner_relationship_for(
        user=user, partner=partner, can_manage=context["can_manage"]
    )
    context["is_own_company"] = is_own_company(user, partner.pk)
    if user.is_vendor_staff:
        context["credit_ratings"] = list(
            selectors.credit_rating_list_for(user=user, partner=partner)[:4]
        )
        context["can_rate"] = user.is_admin or user.role in FINANCE_ROLES
        context["violations"] = selectors.violation_list_for(user=user, partner=partner)
        context["freeze"] = partner.freezes.filter(lifted_at__isnull=True).first()
        context["freeze_form"] = FreezeForm()
        context["violation_form"] = ViolationForm()
    if own_admin:
        context["invite_form"] = PartnerUserInviteForm()
        context["role_form"] = PartnerUserRoleForm()
    return context


def _programme_context(request, partner) -> dict:
    """Tier history, latest evaluations, scorecards and NPS for the partner page."""
    user = request.user
    scorecards = list(selectors.scorecard_list_for(user=user, partner=partner)[:10])
    return {
        "tier_history": selectors.tier_history_for(user=user, partner=partner)[:20],
        "tier_evaluations": selectors.tier_evaluation_list_for(user=user, partner=partner)[:8],
        "scorecards": scorecards,
        "latest_scorecard": scorecards[0] if scorecards else None,
        "nps_quarters": selectors.partner_nps_by_quarter(partner=partner)[:4],
        "scorecard_form": ScorecardEvaluateForm(),
    }


@login_required
def partner_detail(request, pk: int):
    partner = selectors.partner_get_for(user=request.user, pk=pk)
    return render(request, "partners/partner_detail.html", _detail_context(request, partner))


@login_required
def my_company(request):
    if not request.user.is_partner_user:
        raise Http404
    partner = selectors.partner_get_for(user=request.user, pk=request.user.partner_id)
    return render(request, "partners/partner_detail.html", _detail_context(request, partner))


@login_required
def partner_edit(request, pk: int):
    if not request.user.is_vendor_staff:
        raise Http404
    partner = selectors.partner_get_for(user=request.user, pk=pk, action="manage")
    form = PartnerForm(request.POST or None, instance=partner)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        partner.refresh_from_db()
        try:
            services.partner_update(partner=partner, actor=request.user, **fields)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The partner profile was saved."))
            return redirect("partners:partner_detail", pk=partner.pk)
    return render(request, "partners/partner_form.html", {"form": form, "partner": partner})


# --- users of my company (partner admins) -----------------------------------------------------


def _own_company(request):
    user = request.user
    if user.role != Role.PARTNER_ADMIN:
        raise PermissionDenied
    return selectors.partner_get_for(user=user, pk=user.partner_id, action="manage")


@login_required
def partner_user_invite(request):
    partner = _own_company(request)
    form = PartnerUserInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.partner_user_invite(
                partner=partner,
                actor=request.user,
                language=request.user.language,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The invitation was sent."))
            return redirect("partners:my_company")
    return render(request, "partners/user_invite.html", {"form": form, "partner": partner})


def _company_user(request, partner, user_pk: int) -> User:
    return get_object_or_404(User, pk=user_pk, partner=partner)


@login_required
@require_POST
def partner_user_deactivate(request, user_pk: int):
    partner = _own_company(request)
    try:
        services.partner_user_deactivate(
            partner=partner, user=_company_user(request, partner, user_pk), actor=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The user was deactivated."))
    return redirect("partners:my_company")


@login_required
@require_POST
def partner_user_role(request, user_pk: int):
    partner = _own_company(request)
    target = _company_user(request, partner, user_pk)
    form = PartnerUserRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the partner roles."))
        return redirect("partners:my_company")
    try:
        services.partner_user_role_change(
            partner=partner, user=target, role=form.cleaned_data["role"], actor=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The role was changed."))
    return redirect("partners:my_company")


# --- public application -----------------------------------------------------------------------


def apply(request):
    form = ApplicationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.application_submit(data=form.application_data())
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return redirect("partners:apply_done")
    return render(request, "partners/apply.html", {"form": form})


def apply_done(request):
    return render(request, "partners/apply_done.html")


# --- staff pipeline ---------------------------------------------------------------------------


@role_required(*CHANNEL)
def application_list(request):
    applications = listing(request, APPLICATION_LIST)
    form = applications.filterset.form
    chosen = form.cleaned_data.get("status") if applications.filterset.is_valid() else None
    status = chosen[0] if chosen and len(chosen) == 1 else ""
    return render(
        request,
        "partners/application_list.html",
        {
            "listing": applications,
            "page": applications.page,
            "status": status,
            "statuses": ApplicationStatus.choices,
            "bulk_form": BulkDecisionForm(decisions=APPLICATION_DECISIONS),
            "bulk_limit": BULK_MAX_ROWS,
        },
    )


def _application_page(request, application, **forms):
    context = {
        "application": application,
        "transitions": application.transitions.select_related("actor"),
        "note_form": NoteForm(),
        "reject_form": RejectForm(),
        "assessment_form": AssessmentForm(
            initial={
                "qualification": application.score_qualification,
                "business": application.score_business,
                "resources": application.score_resources,
                "willingness": application.score_willingness,
                "report": application.site_visit_report,
            }
        ),
    }
    context.update(forms)
    status = 400 if forms else 200
    return render(request, "partners/application_detail.html", context, status=status)


@role_required(*CHANNEL)
def application_detail(request, pk: int):
    return _application_page(request, selectors.application_get_for(user=request.user, pk=pk))


@role_required(*CHANNEL)
def application_licence(request, pk: int):
    """The business licence attached to an application, for whoever may review it."""
    application = selectors.application_get_for(user=request.user, pk=pk)
    if not application.business_licence:
        raise Http404
    return stored_file_response(
        application.business_licence,
        filename=application.business_licence.name.rsplit("/", 1)[-1],
    )


@role_required(*CHANNEL)
@require_POST
def application_advance(request, pk: int):
    application = selectors.application_get_for(user=request.user, pk=pk)
    form = NoteForm(request.POST)
    form.is_valid()
    try:
        services.application_advance(
            application=application, actor=request.user, note=form.cleaned_data.get("note", "")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The application moved to the next step."))
    return redirect("partners:application_detail", pk=pk)


@role_required(*CHANNEL)
@require_POST
def application_reject(request, pk: int):
    application = selectors.application_get_for(user=request.user, pk=pk)
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            services.application_reject(
                application=application, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The application was rejected."))
            return redirect("partners:application_detail", pk=pk)
    return _application_page(request, application, reject_form=form)


@role_required(*CHANNEL)
@require_POST
def application_assess(request, pk: int):
    application = selectors.application_get_for(user=request.user, pk=pk)
    form = AssessmentForm(request.POST)
    if form.is_valid():
        try:
            services.application_assess(
                application=application, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The site-visit scores were recorded."))
            return redirect("partners:application_detail", pk=pk)
    return _application_page(request, application, assessment_form=form)


# --- compliance and freezing ------------------------------------------------------------------


@login_required
@require_POST
def partner_freeze(request, pk: int):
    if not request.user.is_vendor_staff:
        raise Http404
    partner = selectors.partner_get_for(user=request.user, pk=pk, action="manage")
    form = FreezeForm(request.POST)
    if form.is_valid():
        try:
            services.partner_freeze(
                partner=partner, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The partner is frozen."))
    else:
        messages.error(request, _("Give a reason for the freeze."))
    return redirect("partners:partner_detail", pk=pk)


@role_required(*CHANNEL)
@require_POST
def partner_unfreeze_approve(request, pk: int):
    partner = selectors.partner_get_for(user=request.user, pk=pk)
    try:
        services.partner_unfreeze_approve(partner=partner, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        partner.refresh_from_db()
        if partner.status == PartnerStatus.ACTIVE:
            messages.success(request, _("The partner is active again."))
        else:
            messages.success(request, _("Approval recorded; a second person must approve too."))
    return redirect("partners:partner_detail", pk=pk)


@login_required
def violation_evidence(request, pk: int):
    """A violation's evidence file: vendor staff only, as the violations on the partner page."""
    if not request.user.is_vendor_staff:
        raise Http404
    violation = selectors.violation_get_for(user=request.user, pk=pk)
    if not violation.evidence:
        raise Http404
    return stored_file_response(
        violation.evidence, filename=violation.evidence.name.rsplit("/", 1)[-1]
    )


@login_required
def violation_create(request, pk: int):
    if not request.user.is_vendor_staff:
        raise Http404
    partner = selectors.partner_get_for(user=request.user, pk=pk, action="manage")
    form = ViolationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.compliance_violation_create(
                partner=partner, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The violation was recorded."))
            return redirect("partners:partner_detail", pk=pk)
    return render(
        request,
        "partners/violation_form.html",
        {"form": form, "partner": partner},
        status=400 if form.is_bound else 200,
    )
