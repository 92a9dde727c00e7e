"""Pages of deal registration: thin — parse, fetch through a selector, call one service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.choices import CHANNEL_ROLES, Role
from core.permissions import role_required

from . import selectors, services
from .choices import DealStatus
from .forms import (
    DealFilterForm,
    DealForm,
    DealLineFormSet,
    ExtensionForm,
    LostForm,
    ReasonForm,
    WonForm,
)
from .models import Deal

REGISTRANT_ROLES = (Role.PARTNER_ADMIN, Role.PARTNER_SALES)


def _errors(exc: ValidationError) -> list[str]:
    return exc.messages


@login_required
def deal_list(request):
    filters = DealFilterForm(request.GET or None)
    cleaned = filters.cleaned_data if filters.is_valid() else {}
    deals = selectors.deal_list_for(user=request.user, filters=cleaned)
    page = Paginator(deals, 50).get_page(request.GET.get("page"))
    return render(request, "deals/deal_list.html", {"page": page, "filters": filters})


def _lines_of(formset) -> list[dict]:
    return [
        f.cleaned_data
        for f in formset.forms
        if f.cleaned_data and not f.cleaned_data.get("DELETE") and f.cleaned_data.get("product")
    ]


@role_required(*REGISTRANT_ROLES)
def deal_edit(request, pk=None):
    deal = None
    if pk is not None:
        deal = selectors.deal_get_for(user=request.user, pk=pk, action="manage")
        if not deal.is_editable:
            raise Http404
    instance = deal or Deal(
        partner_id=request.user.partner_id, currency=request.user.partner.contract_currency
    )
    form = DealForm(request.POST or None, instance=instance)
    formset = DealLineFormSet(request.POST or None, instance=instance, prefix="lines")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = {name: form.cleaned_data[name] for name in DealForm.Meta.fields}
        try:
            deal = services.deal_draft_save(
                actor=request.user, data=data, lines=_lines_of(formset), deal=deal
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Draft saved."))
            return redirect("deals:detail", pk=deal.pk)
    return render(request, "deals/deal_form.html", {"form": form, "formset": formset, "deal": deal})


@login_required
def deal_detail(request, pk):
    deal = selectors.deal_get_for(user=request.user, pk=pk)
    user = request.user
    context = {
        "deal": deal,
        "lines": [line for line in deal.lines.all() if not line.final],
        "final_lines": [line for line in deal.lines.all() if line.final],
        "can_edit": user.is_partner_user
        and user.partner_id == deal.partner_id
        and user.role in REGISTRANT_ROLES,
        "can_decide": not user.is_partner_user
        and (user.is_admin or user.role in CHANNEL_ROLES)
        and Deal.objects.manageable_by(user).filter(pk=deal.pk).exists(),
        "other": selectors.deal_conflict_pair_for(user=user, deal=deal),
        "reason_form": ReasonForm(),
        "extension_form": ExtensionForm(),
        "won_form": WonForm(initial={"closed_on": timezone.localdate()}),
        "lost_form": LostForm(),
        "Status": DealStatus,
    }
    return render(request, "deals/deal_detail.html", context)


def _act(request, pk, action: str, call):
    deal = selectors.deal_get_for(user=request.user, pk=pk, action=action)
    try:
        call(deal)
    except ValidationError as exc:
        for message in _errors(exc):
            messages.error(request, message)
    except PermissionDenied:
        raise Http404 from None
    else:
        messages.success(request, _("Done."))
    return redirect("deals:detail", pk=pk)


@require_POST
@role_required(*REGISTRANT_ROLES)
def deal_submit(request, pk):
    return _act(request, pk, "manage", lambda d: services.deal_submit(deal=d, actor=request.user))


@require_POST
@role_required(*CHANNEL_ROLES)
def deal_decide(request, pk, decision):
    reason = request.POST.get("reason", "")
    if decision == "approve":
        return _act(
            request,
            pk,
            "manage",
            lambda d: services.deal_approve(deal=d, actor=request.user, reason=reason),
        )
    if decision == "reject":
        return _act(
            request,
            pk,
            "manage",
            lambda d: services.deal_reject(deal=d, actor=request.user, reason=reason),
        )
    raise Http404


@require_POST
@role_required(*REGISTRANT_ROLES)
def deal_extension_request(request, pk):
    text = request.POST.get("justification", "")
    return _act(
        request,
        pk,
        "manage",
        lambda d: services.deal_extension_request(deal=d, actor=request.user, justification=text),
    )


@require_POST
@role_required(*CHANNEL_ROLES)
def deal_extension_decide(request, pk):
    approve = request.POST.get("decision") == "grant"
    return _act(
        request,
        pk,
        "manage",
        lambda d: services.deal_extension_decide(deal=d, actor=request.user, approve=approve),
    )


@role_required(*REGISTRANT_ROLES)
def deal_close(request, pk, outcome):
    deal = selectors.deal_get_for(user=request.user, pk=pk, action="manage")
    if deal.status != DealStatus.APPROVED or outcome not in ("won", "lost"):
        raise Http404
    if outcome == "lost":
        form = LostForm(request.POST or None)
        formset = None
    else:
        form = WonForm(request.POST or None)
        formset = DealLineFormSet(request.POST or None, prefix="lines", queryset=deal.lines.none())
    if request.method == "POST" and form.is_valid() and (formset is None or formset.is_valid()):
        try:
            if outcome == "lost":
                services.deal_close_lost(
                    deal=deal, actor=request.user, reason=form.cleaned_data["reason"]
                )
            else:
                services.deal_close_won(
                    deal=deal,
                    actor=request.user,
                    order_number=form.cleaned_data["order_number"],
                    closed_on=form.cleaned_data["closed_on"],
                    lines=_lines_of(formset),
                )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Done."))
            return redirect("deals:detail", pk=pk)
    return render(
        request,
        "deals/deal_close.html",
        {"deal": deal, "form": form, "formset": formset, "outcome": outcome},
    )


@role_required(*CHANNEL_ROLES)
def deal_queue(request):
    deals = selectors.deal_queue_for(user=request.user)
    page = Paginator(deals, 50).get_page(request.GET.get("page"))
    return render(request, "deals/deal_queue.html", {"page": page, "now": timezone.now()})
