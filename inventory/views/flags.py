"""Pages of diversion and price flags (DESIGN §11): the review queue, a flag with its evidence
side by side, the freeze proposals directors decide, and the flag settings."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.choices import FINANCE_ROLES, PARTNER_ROLES, STAFF_ROLES, Role
from core.bulk import BULK_MAX_ROWS, BulkDecisionForm, bulk_apply
from core.forms import apply_service_errors
from core.permissions import role_required
from core.views import listing, settings_form_saved

from .. import selectors_flags as selectors
from .. import services
from ..choices import FlagKind, FlagStatus, PenaltyStep
from ..forms_flags import FlagPolicyForm, FlagReviewForm, FreezeDecisionForm
from ..lists import INVENTORY_FLAG_LIST
from ..models import InventoryFlagPolicy
from ..services.flags import flag_may_review, penalty_may_decide

ALL_ROLES = STAFF_ROLES | PARTNER_ROLES
REVIEW_ROLES = {Role.CHANNEL_MANAGER, Role.CHANNEL_DIRECTOR}
BULK_DECISIONS = (("dismiss", gettext_lazy("Dismiss")),)


@role_required(*ALL_ROLES)
def flag_list(request):
    flags = listing(request, INVENTORY_FLAG_LIST)
    user = request.user
    return render(
        request,
        "inventory/flag_list.html",
        {
            "listing": flags,
            "page": flags.page,
            "staff": not user.is_partner_user,
            # Reviewers dismiss several open flags with one reason (each still checked alone).
            "can_bulk": user.is_admin or user.role in REVIEW_ROLES,
            "bulk_form": BulkDecisionForm(decisions=BULK_DECISIONS),
            "bulk_limit": BULK_MAX_ROWS,
        },
    )


@require_POST
@role_required(*REVIEW_ROLES)
def flag_bulk_dismiss(request):
    """Dismiss the selected open flags with one reason; each passes its own rules and audit."""
    form = BulkDecisionForm(request.POST, decisions=BULK_DECISIONS, reason_required=("dismiss",))
    context = {"title": _("Diversion and price flags"), "back": reverse("inventory:flag_list")}
    if not form.is_valid():
        return render(request, "core/bulk_result.html", {**context, "form": form}, status=400)
    reason = form.cleaned_data["reason"]
    result = bulk_apply(
        rows=selectors.flag_list_base_for(user=request.user),
        ids=form.cleaned_data["ids"],
        decision="dismiss",
        act=lambda flag: services.flag_dismiss(flag=flag, actor=request.user, reason=reason),
        label=lambda flag: f"{flag.get_kind_display()} — {flag.partner.legal_name}",
        url=lambda flag: reverse("inventory:flag_detail", args=[flag.pk]),
    )
    return render(
        request,
        "core/bulk_result.html",
        {**context, "result": result, "decision_label": _("Dismiss"), "reason": reason},
    )


def _detail(request, flag, *, form=None, status: int = 200):
    view = selectors.flag_view_for(user=request.user, flag=flag)
    penalty = getattr(flag, "penalty", None)
    return render(
        request,
        "inventory/flag_detail.html",
        {
            "flag": flag,
            "view": view,
            "line": flag.line,
            "evidence": view.evidence,
            "penalty": penalty,
            "kinds": FlagKind,
            "can_review": flag.status == FlagStatus.OPEN and flag_may_review(request.user, flag),
            "form": form or FlagReviewForm(),
            "is_freeze_proposal": penalty is not None
            and penalty.step == PenaltyStep.FREEZE_PROPOSAL,
        },
        status=status,
    )


@role_required(*ALL_ROLES)
def flag_detail(request, pk: int):
    return _detail(request, selectors.flag_get_for(user=request.user, pk=pk))


def _review(request, pk: int, service, done: str):
    flag = selectors.flag_get_for(user=request.user, pk=pk)
    form = FlagReviewForm(request.POST)
    if not form.is_valid():
        return _detail(request, flag, form=form, status=400)
    try:
        result = service(flag=flag, actor=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        if hasattr(exc, "error_dict") and "reason" in exc.error_dict:
            apply_service_errors(form, exc, default="reason")
            return _detail(request, flag, form=form, status=400)
        # A stale or repeated click: say what already happened, change nothing.
        messages.error(request, " ".join(exc.messages))
        return redirect("inventory:flag_detail", pk=flag.pk)
    messages.success(request, done(result) if callable(done) else done)
    return redirect("inventory:flag_detail", pk=flag.pk)


@require_POST
@role_required(*REVIEW_ROLES)
def flag_confirm(request, pk: int):
    return _review(
        request,
        pk,
        services.flag_confirm,
        lambda penalty: _("Flag confirmed: %(step)s.") % {"step": penalty.get_step_display()},
    )


@require_POST
@role_required(*REVIEW_ROLES)
def flag_dismiss(request, pk: int):
    return _review(request, pk, services.flag_dismiss, _("Flag dismissed."))


@role_required(*STAFF_ROLES)
def penalty_list(request):
    proposals = selectors.freeze_proposals_for(user=request.user)
    return render(
        request,
        "inventory/penalty_list.html",
        {
            "proposals": proposals[:200],
            "penalties": selectors.penalty_list_for(user=request.user).exclude(
                step=PenaltyStep.FREEZE_PROPOSAL
            )[:200],
        },
    )


def _penalty_page(request, penalty, *, form=None, status: int = 200):
    return render(
        request,
        "inventory/penalty_detail.html",
        {
            "penalty": penalty,
            "flag": penalty.flag,
            "can_decide": penalty.step == PenaltyStep.FREEZE_PROPOSAL
            and penalty.decided_at is None
            and penalty_may_decide(request.user),
            "form": form or FreezeDecisionForm(),
        },
        status=status,
    )


@role_required(*STAFF_ROLES)
def penalty_detail(request, pk: int):
    return _penalty_page(request, selectors.penalty_get_for(user=request.user, pk=pk))


@require_POST
@role_required(Role.CHANNEL_DIRECTOR)
def penalty_decide(request, pk: int):
    penalty = selectors.penalty_get_for(user=request.user, pk=pk)
    form = FreezeDecisionForm(request.POST)
    if not form.is_valid():
        return _penalty_page(request, penalty, form=form, status=400)
    try:
        services.penalty_freeze_decide(
            penalty=penalty,
            actor=request.user,
            decision=form.cleaned_data["decision"],
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("inventory:penalty_detail", pk=penalty.pk)
    messages.success(request, _("Freeze proposal decided."))
    return redirect("inventory:penalty_detail", pk=penalty.pk)


@role_required(*FINANCE_ROLES)
def flag_settings(request):
    form = FlagPolicyForm(
        request.POST if request.method == "POST" else None, instance=InventoryFlagPolicy.current()
    )
    if settings_form_saved(request, form, services.flag_policy_update):
        return redirect("inventory:flag_settings")
    status = 400 if request.method == "POST" else 200
    return render(request, "inventory/flag_settings.html", {"form": form}, status=status)


urlpatterns = [
    path("flags/", flag_list, name="flag_list"),
    path("flags/dismiss/", flag_bulk_dismiss, name="flag_bulk_dismiss"),
    path("flags/<int:pk>/", flag_detail, name="flag_detail"),
    path("flags/<int:pk>/confirm/", flag_confirm, name="flag_confirm"),
    path("flags/<int:pk>/dismiss/", flag_dismiss, name="flag_dismiss"),
    path("flags/penalties/", penalty_list, name="penalty_list"),
    path("flags/penalties/<int:pk>/", penalty_detail, name="penalty_detail"),
    path("flags/penalties/<int:pk>/decide/", penalty_decide, name="penalty_decide"),
    path("flags/settings/", flag_settings, name="flag_settings"),
]
