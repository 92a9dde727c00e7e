"""Pages of the rebates app: accruals with their trace, programmes, targets, runs (DESIGN §5)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.choices import Role
from accounts.permissions import company_finance_required
from core.exports import EXPORT_FORMATS
from core.forms import apply_service_errors
from core.jobs import job_create
from core.outbox import outbox_enqueue, queued_notice
from core.permissions import role_required
from core.views import export_page, listing, paginate

from . import jobs
from .calculation import contract_sums
from .forms import (
    AccrualFilterForm,
    BracketFormSet,
    ProgrammeForm,
    QuarterCloseForm,
    RunForm,
    TargetForm,
    brackets_from,
)
from .lists import PROGRAMME_LIST
from .models import Programme
from .rules import contract_rebate, trace_facts, what_if
from .selectors import (
    QuarterPages,
    accrual_failure_list_for,
    accrual_get_for,
    accrual_list_for,
    quarter_close_get,
    quarter_closes_for,
    target_list_for,
)
from .services import programme_save, target_set

PROGRAMME_ROLES = (Role.ADMIN, Role.FINANCE, Role.CFO, Role.CHANNEL_DIRECTOR)
RUN_ROLES = (Role.ADMIN, Role.FINANCE, Role.CFO)
CONTRACTS_SHOWN = 500


@company_finance_required
def accrual_list(request):
    if request.GET.get("export") in EXPORT_FORMATS:
        return export_page(request, "accruals", request.GET["export"])
    form = AccrualFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    if request.user.is_partner_user:
        filters = {k: v for k, v in filters.items() if k != "partner"}
    accruals = accrual_list_for(user=request.user, filters=filters)
    can_run = request.user.is_admin or request.user.role in RUN_ROLES
    return render(
        request,
        "rebates/accrual_list.html",
        {
            "form": form,
            "page": paginate(request, QuarterPages(accruals)),
            "can_run": can_run,
            "closes": list(quarter_closes_for(user=request.user)[:8]) if can_run else [],
            "failures": accrual_failure_list_for(user=request.user) if can_run else [],
        },
    )


@company_finance_required
def accrual_detail(request, pk: int):
    accrual = accrual_get_for(user=request.user, pk=pk)
    brackets = [(b.lower, b.upper, b.rate) for b in accrual.programme.brackets.all()]
    close = quarter_close_get(period=accrual.period)
    sums = contract_sums(
        accrual=accrual,
        line_watermark=close.line_watermark if close else None,
        limit=CONTRACTS_SHOWN,
    )
    return render(
        request,
        "rebates/accrual_detail.html",
        {
            "accrual": accrual,
            "facts": trace_facts(accrual.trace),
            "contracts": [
                {
                    "contract": contract,
                    **contract_rebate(trace=accrual.trace, net=net, strategic_net=strategic),
                }
                for contract, net, strategic in sums
            ],
            "what_if": what_if(accrual=accrual, brackets=brackets),
            "is_final": close is not None,
        },
    )


@require_POST
@role_required(*RUN_ROLES)
def accrual_run(request):
    form = RunForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["period"][0])
        return redirect("rebates:accrual_list")
    period = form.cleaned_data["period"]
    with transaction.atomic():  # the job and its queued task exist together (outbox)
        job = job_create(
            kind=jobs.CALCULATE, label=_("Rebates %(p)s") % {"p": period}, user=request.user
        )
        outbox_enqueue(
            "rebates.tasks.rebate_calculate_period_task",
            args=[period],
            kwargs={"job_id": job.pk},
            job=job,
        )
    queued_notice(request, job=job)
    return redirect("core:job_detail", pk=job.pk)


@require_POST
@role_required(*RUN_ROLES)
def quarter_close(request):
    """Close an ended quarter: final calculation, then its accruals go to settlement (a job)."""
    form = QuarterCloseForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("period", []):
            messages.error(request, error)
        return redirect("rebates:accrual_list")
    period = form.cleaned_data["period"]
    with transaction.atomic():
        job = job_create(
            kind=jobs.QUARTER_CLOSE,
            label=_("Close rebates %(p)s") % {"p": period},
            user=request.user,
        )
        outbox_enqueue(
            "rebates.tasks.rebate_quarter_close_task",
            args=[period, job.pk, request.user.pk],
            job=job,
        )
    queued_notice(request, job=job)
    return redirect("core:job_detail", pk=job.pk)


@role_required(*PROGRAMME_ROLES)
def programme_list(request):
    export_format = request.GET.get("export", "")
    if export_format in EXPORT_FORMATS:
        return export_page(request, "rebate-programmes", export_format)
    programmes = listing(request, PROGRAMME_LIST)
    return render(
        request,
        "rebates/programme_list.html",
        {"listing": programmes, "page": programmes.page},
    )


@role_required(*PROGRAMME_ROLES)
def programme_edit(request, pk: int | None = None):
    programme = get_object_or_404(Programme, pk=pk) if pk else Programme()
    initial = (
        [{"lower": b.lower, "upper": b.upper, "rate": b.rate} for b in programme.brackets.all()]
        if pk
        else []
    )
    form = ProgrammeForm(request.POST or None, instance=programme)
    formset = BracketFormSet(request.POST or None, initial=initial, prefix="brackets")
    bracket_errors: list[str] = []
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            with transaction.atomic():
                programme_save(
                    actor=request.user,
                    programme=form.save(commit=False),
                    brackets=brackets_from(formset),
                )
        except ValidationError as exc:
            kept = apply_service_errors(form, exc, default="brackets", keep={"brackets"})
            bracket_errors = kept.get("brackets", [])
        else:
            messages.success(request, _("Programme saved."))
            return redirect("rebates:programme_list")
    return render(
        request,
        "rebates/programme_form.html",
        {
            "form": form,
            "formset": formset,
            "bracket_errors": bracket_errors,
            "programme": programme,
        },
    )


@role_required(*PROGRAMME_ROLES)
def target_list(request):
    period = request.GET.get("period", "")
    form = TargetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            target_set(
                actor=request.user,
                programme=data["programme"],
                partner=data["partner"],
                period=data["period"],
                amount=data["amount"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Target saved."))
            return redirect("rebates:target_list")
    return render(
        request,
        "rebates/target_list.html",
        {
            "form": form,
            "page": paginate(request, target_list_for(user=request.user, period=period)),
            "period": period,
        },
    )
