"""Pages of a partner's exit (DESIGN §2.9): the channel manager starts it, works through the
checklist and completes it; the leaving company's partner admin reads it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.choices import STAFF_ROLES
from accounts.scoping import can_manage_partner
from core.forms import apply_service_errors
from core.permissions import role_required

from .. import selectors, services
from ..forms import ExitItemDoneForm, PartnerExitStartForm
from ._common import CHANNEL, _bad


@role_required(*STAFF_ROLES)
def exit_list(request):
    exits = selectors.partner_exit_list_for(user=request.user).prefetch_related(None)[:200]
    return render(request, "partners/exit_list.html", {"exits": exits})


@role_required(*CHANNEL)
def exit_start(request, pk: int):
    partner = selectors.partner_get_for(user=request.user, pk=pk, action="manage")
    form = PartnerExitStartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            partner_exit = services.partner_exit_start(
                partner=partner, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request, _("The exit was started; the partner can no longer register deals.")
            )
            return redirect("partners:exit_detail", pk=partner_exit.pk)
    return render(
        request, "partners/exit_start.html", {"form": form, "partner": partner}, status=_bad(form)
    )


@login_required
def exit_detail(request, pk: int):
    user = request.user
    partner_exit = selectors.partner_exit_get_for(user=user, pk=pk)
    staff = user.is_vendor_staff
    can_manage = staff and partner_exit.is_open and can_manage_partner(user, partner_exit.partner)
    rows = selectors.exit_checklist(partner_exit=partner_exit, staff=staff)
    context = {
        "partner_exit": partner_exit,
        "rows": rows,
        "done_count": sum(1 for row in rows if row.item.is_done),
        "staff": staff,
        "can_manage": can_manage,
        "finance_acts": staff and partner_exit.is_open and user.is_finance_staff,
        "done_form": ExitItemDoneForm(),
        "today": timezone.localdate(),
    }
    return render(request, "partners/exit_detail.html", context)


def _item(request, pk: int, item_pk: int):
    if not request.user.is_vendor_staff:
        raise Http404
    return selectors.exit_item_get_for(user=request.user, exit_pk=pk, pk=item_pk)


def _refused(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@role_required(*STAFF_ROLES)
@require_POST
def exit_item_done(request, pk: int, item_pk: int):
    item = _item(request, pk, item_pk)
    form = ExitItemDoneForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The note is too long."))
        return redirect("partners:exit_detail", pk=pk)
    try:
        services.exit_item_done(item=item, actor=request.user, **form.cleaned_data)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("The step is done."))
    return redirect("partners:exit_detail", pk=pk)


@role_required(*STAFF_ROLES)
@require_POST
def exit_item_run(request, pk: int, item_pk: int):
    item = _item(request, pk, item_pk)
    try:
        item = services.exit_item_run(item=item, actor=request.user)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, item.note or _("The step is done."))
    return redirect("partners:exit_detail", pk=pk)


@role_required(*CHANNEL)
@require_POST
def exit_complete(request, pk: int):
    partner_exit = selectors.partner_exit_get_for(user=request.user, pk=pk)
    try:
        services.partner_exit_complete(partner_exit=partner_exit, actor=request.user)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("The exit is complete; the partner is terminated."))
    return redirect("partners:exit_detail", pk=pk)
