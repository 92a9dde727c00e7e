"""Finance and partner pages of statements and disputes (DESIGN §6.1, §6.2)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.choices import FINANCE_ROLES
from accounts.permissions import company_finance_required
from accounts.scoping import sees_partner_details
from core.bulk import BULK_MAX_ROWS, BulkDecisionForm, bulk_apply
from core.exports import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE
from core.files import stored_file_response
from core.forms import apply_service_errors
from core.imports import importer_for
from core.jobs import job_create
from core.outbox import outbox_enqueue, queued_notice
from core.permissions import role_required
from core.views import listing, paginate, settings_form_saved

from . import jobs, permissions, selectors, services
from .choices import LOCKED_STATES, DisputeState, ResolutionAction
from .exports import statement_lines_csv, statement_lines_xlsx
from .forms import (
    AnomalyResolveForm,
    DisputeForm,
    DisputeResolveForm,
    NoteForm,
    PartnerTaxRateForm,
    SettlementPolicyForm,
    StatementBuildForm,
)
from .lists import ANOMALY_LIST, ORDER_LIST, RECONCILIATION_RUN_LIST, STATEMENT_LIST
from .models import SettlementPolicy, Statement
from .pdf import statement_pdf_filename, statement_pdf_render

TRANSITIONS = {
    "submit": services.statement_submit,
    "approve": services.statement_approve,
    "return": services.statement_return,
    "publish": services.statement_publish,
    "confirm": services.statement_confirm,
    "mark_paid": services.statement_mark_paid,
    "close": services.statement_close,
}
NOTE_TRANSITIONS = {"approve", "return"}


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@company_finance_required
def statement_list(request):
    statements = listing(request, STATEMENT_LIST)
    selectors.statement_open_disputes_attach(statements.page.object_list)
    return render(
        request,
        "settlement/statement_list.html",
        {
            "listing": statements,
            "page": statements.page,
            "build_form": StatementBuildForm(),
            "is_finance": request.user.is_admin or request.user.role in FINANCE_ROLES,
        },
    )


@company_finance_required
def statement_detail(request, pk: int):
    statement = selectors.statement_get_for(user=request.user, pk=pk)
    user = request.user
    review_rounds = selectors.review_rounds_for(user=user, statement=statement)
    open_round = next((r for r in review_rounds if r.is_open), None)
    disputes = list(statement.disputes.prefetch_related("lines", "evidence"))
    return render(
        request,
        "settlement/statement_detail.html",
        {
            "statement": statement,
            **selectors.statement_revisions_for(user=user, statement=statement),
            "lines": statement.lines.all(),
            "review_rounds": review_rounds,
            "disputes": disputes,
            # A disputed statement's next step depends on whether finance has answered yet.
            "dispute_open": any(d.state == DisputeState.OPEN for d in disputes),
            "is_finance": permissions.is_finance(user),
            "can_approve": permissions.can_approve(
                statement=statement, user=user, review_round=open_round
            ),
            "can_respond": permissions.can_respond(statement=statement, user=user),
            "resolve_form": DisputeResolveForm(),
            "note_form": NoteForm(),
        },
    )


@require_POST
@company_finance_required
def statement_transition(request, pk: int, action: str):
    statement = selectors.statement_get_for(user=request.user, pk=pk, action="manage")
    service = TRANSITIONS.get(action)
    if service is None:
        return redirect("settlement:statement_detail", pk=pk)
    kwargs = {}
    if action in NOTE_TRANSITIONS:
        form = NoteForm(request.POST)
        kwargs["note"] = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        service(statement=statement, actor=request.user, **kwargs)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        statement.refresh_from_db(fields=["state"])
        messages.success(
            request,
            _("Statement %(number)s is now %(state)s.")
            % {"number": statement.number, "state": statement.get_state_display()},
        )
    return redirect("settlement:statement_detail", pk=pk)


@company_finance_required
def statement_dispute(request, pk: int):
    statement = selectors.statement_get_for(user=request.user, pk=pk, action="manage")
    refusal = permissions.respond_refusal(statement=statement, user=request.user)
    if refusal:
        messages.error(request, refusal)
        return redirect("settlement:statement_detail", pk=pk)
    form = DisputeForm(request.POST or None, request.FILES or None, statement=statement)
    if request.method == "POST" and form.is_valid():
        try:
            services.statement_dispute(
                statement=statement,
                actor=request.user,
                line_ids=[line.pk for line in form.cleaned_data["lines"]],
                reason=form.cleaned_data["reason"],
                files=form.cleaned_data["evidence"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Your dispute was sent to finance."))
            return redirect("settlement:statement_detail", pk=pk)
    return render(
        request, "settlement/statement_dispute.html", {"statement": statement, "form": form}
    )


@require_POST
@role_required(*FINANCE_ROLES)
def dispute_resolve(request, pk: int):
    dispute = selectors.dispute_get_for(user=request.user, pk=pk)
    form = DisputeResolveForm(request.POST)
    if form.is_valid():
        try:
            services.dispute_resolve(
                dispute=dispute,
                actor=request.user,
                answer=form.cleaned_data["answer"],
                adjustment_amount=form.cleaned_data["adjustment_amount"],
                reissue=form.cleaned_data["reissue"],
            )
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            if form.cleaned_data["reissue"]:
                revision = selectors.statement_get_for(
                    user=request.user, pk=dispute.statement_id
                ).successor
                messages.success(
                    request,
                    _("The dispute is resolved; revision %(number)s is a draft to review.")
                    % {"number": revision.number},
                )
                return redirect("settlement:statement_detail", pk=revision.pk)
            messages.success(request, _("The dispute is resolved."))
    else:
        messages.error(request, _("Write an answer; the adjustment must be an amount."))
    return redirect("settlement:statement_detail", pk=dispute.statement_id)


@require_POST
@role_required(*FINANCE_ROLES)
def statement_build(request):
    form = StatementBuildForm(request.POST)
    if form.is_valid():
        with transaction.atomic():
            queued = outbox_enqueue(
                "settlement.tasks.statement_build_period_task", args=[form.cleaned_data["period"]]
            )
        queued_notice(
            request, message=queued, otherwise=_("Statements are being built for the period.")
        )
    else:
        messages.error(request, " ".join(form.errors["period"]))
    return redirect("settlement:statement_list")


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@company_finance_required
def statement_pdf(request, pk: int):
    statement = selectors.statement_get_for(user=request.user, pk=pk)
    content = statement_pdf_render(
        statement=statement,
        base_url=request.build_absolute_uri("/"),
        partner_details=sees_partner_details(request.user, statement.partner_id),
    )
    return _download(content, statement_pdf_filename(statement), "application/pdf")


@company_finance_required
def dispute_evidence(request, pk: int):
    """An evidence file of a dispute, for whoever may read the statement."""
    evidence = selectors.dispute_evidence_get_for(user=request.user, pk=pk)
    return stored_file_response(evidence.file, filename=evidence.filename)


@company_finance_required
def statement_csv(request, pk: int):
    statement = selectors.statement_get_for(user=request.user, pk=pk)
    content = statement_lines_csv(statement=statement)
    return _download(content, f"{statement.number}.csv", CSV_CONTENT_TYPE)


@company_finance_required
def statement_xlsx(request, pk: int):
    statement = selectors.statement_get_for(user=request.user, pk=pk)
    content = statement_lines_xlsx(statement=statement)
    return _download(content, f"{statement.number}.xlsx", XLSX_CONTENT_TYPE)


@require_POST
@role_required(*FINANCE_ROLES)
def statement_export_period(request):
    form = StatementBuildForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["period"]))
        return redirect("settlement:statement_list")
    period = form.cleaned_data["period"]
    with transaction.atomic():  # the job and its queued task exist together (outbox)
        job = job_create(
            kind=jobs.STATEMENT_EXPORT,
            label=_("Statements of %(period)s (zip)") % {"period": period},
            user=request.user,
        )
        outbox_enqueue(
            "settlement.tasks.statement_export_period_task",
            args=[job.pk, period, request.build_absolute_uri("/")],
            job=job,
        )
    queued_notice(request, job=job)
    return redirect("core:job_detail", pk=job.pk)


def statement_verify(request, code: str = ""):
    """Public: anyone holding a printed statement can check it is genuine; shows only the basics."""
    code = (code or request.GET.get("code", "")).strip().upper()
    statement = None
    if code:
        statement = (
            Statement.objects.unrestricted("public check of a printed code; shows the basics")
            .select_related("partner")
            .filter(verification_code=code, state__in=LOCKED_STATES)
            .first()
        )
        if statement is None and request.method == "GET" and "code" not in request.GET:
            raise Http404
    return render(
        request,
        "settlement/statement_verify.html",
        {"statement": statement, "code": code, "searched": bool(code)},
    )


# --- reconciliation (DESIGN §6.4): finance only ---------------------------------------------
RECONCILIATION_IMPORTS = ("settlement_orders", "settlement_deliveries", "settlement_payments")


@role_required(*FINANCE_ROLES)
def reconciliation_run_list(request):
    runs = listing(request, RECONCILIATION_RUN_LIST)
    return render(
        request,
        "settlement/reconciliation_run_list.html",
        {
            "listing": runs,
            "page": runs.page,
            "importers": [importer_for(kind) for kind in RECONCILIATION_IMPORTS],
        },
    )


@require_POST
@role_required(*FINANCE_ROLES)
def reconciliation_run_start(request):
    try:
        run = services.reconciliation_run_start(actor=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("settlement:reconciliation_run_list")
    if run.job is not None:
        queued_notice(request, job=run.job)
    return redirect("settlement:reconciliation_run", pk=run.pk)


@role_required(*FINANCE_ROLES)
def reconciliation_run_detail(request, pk: int):
    run = selectors.reconciliation_run_get_for(user=request.user, pk=pk)
    context = {"run": run, "summary": selectors.reconciliation_run_summary(run=run)}
    if request.htmx:
        return render(request, "settlement/partials/run_status.html", context)
    return render(request, "settlement/reconciliation_run_detail.html", context)


@role_required(*FINANCE_ROLES)
def reconciliation_order_list(request):
    orders = listing(request, ORDER_LIST)
    return render(
        request,
        "settlement/reconciliation_order_list.html",
        {"listing": orders, "page": orders.page},
    )


@role_required(*FINANCE_ROLES)
def anomaly_list(request):
    """The finance queue: filters, one resolution per row, or one for the selected rows."""
    anomalies = listing(request, ANOMALY_LIST)
    resolve_form = AnomalyResolveForm()
    return render(
        request,
        "settlement/anomaly_list.html",
        {
            "listing": anomalies,
            "page": anomalies.page,
            "resolve_form": resolve_form,
            # The same empty form on every open row: rendered once, not once per row.
            "resolve_fields": render_to_string("includes/form.html", {"form": resolve_form}),
            "bulk": True,
            "bulk_form": BulkDecisionForm(
                decisions=ResolutionAction.choices, reason_required=ResolutionAction.values
            ),
            "bulk_limit": BULK_MAX_ROWS,
        },
    )


@require_POST
@role_required(*FINANCE_ROLES)
def anomaly_bulk_resolve(request):
    """Resolve the selected anomalies with one action and one note, each through its service."""
    form = BulkDecisionForm(
        request.POST, decisions=ResolutionAction.choices, reason_required=ResolutionAction.values
    )
    context = {"title": _("Reconciliation anomalies"), "back": reverse("settlement:anomaly_list")}
    if not form.is_valid():
        return render(request, "core/bulk_result.html", {**context, "form": form}, status=400)
    action, note = form.cleaned_data["decision"], form.cleaned_data["reason"]
    result = bulk_apply(
        rows=selectors.anomaly_list_for(user=request.user),
        ids=form.cleaned_data["ids"],
        decision=action,
        act=lambda anomaly: services.anomaly_resolve(
            anomaly=anomaly, actor=request.user, action=action, note=note
        ),
        label=lambda anomaly: f"{anomaly.get_kind_display()} · {anomaly.partner.legal_name}",
    )
    return render(
        request,
        "core/bulk_result.html",
        {
            **context,
            "result": result,
            "decision_label": ResolutionAction(action).label,
            "reason": note,
        },
    )


@require_POST
@role_required(*FINANCE_ROLES)
def anomaly_resolve(request, pk: int):
    """Record a resolution; with htmx the queue row is swapped in place (errors shown in it)."""
    anomaly = selectors.anomaly_get_for(user=request.user, pk=pk)
    form = AnomalyResolveForm(request.POST)
    if form.is_valid():
        try:
            services.anomaly_resolve(
                anomaly=anomaly,
                actor=request.user,
                action=form.cleaned_data["action"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
    if request.htmx:
        anomaly = selectors.anomaly_get_for(user=request.user, pk=pk)
        return render(
            request,
            "settlement/partials/anomaly_row.html",
            {
                "a": anomaly,
                "resolve_form": form if form.errors else AnomalyResolveForm(),
                "bulk": True,
            },
        )
    if form.errors:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    else:
        messages.success(request, _("The anomaly is resolved."))
    return redirect("settlement:anomaly_list")


@role_required(*FINANCE_ROLES)
def settlement_settings(request):
    """Finance's settings: countersign threshold, matching window and tolerance, tax rates."""
    policy = SettlementPolicy.current()
    form = SettlementPolicyForm(
        request.POST if request.method == "POST" else None, instance=policy, prefix="policy"
    )
    tax_form = PartnerTaxRateForm(prefix="tax")
    if settings_form_saved(request, form, services.settlement_policy_update):
        return redirect("settlement:settings")
    return _settings_page(request, form, tax_form, status=400)


@require_POST
@role_required(*FINANCE_ROLES)
def partner_tax_rate(request):
    form = SettlementPolicyForm(instance=SettlementPolicy.current(), prefix="policy")
    tax_form = PartnerTaxRateForm(request.POST, prefix="tax")
    if tax_form.is_valid():
        partner = selectors.partner_for_tax_id(tax_form.cleaned_data["tax_id"])
        if partner is None:
            tax_form.add_error("tax_id", _("No partner has this tax ID."))
        else:
            rate = tax_form.cleaned_data["rate_percent"] / 100
            try:
                services.partner_tax_rate_set(actor=request.user, partner=partner, tax_rate=rate)
            except ValidationError as exc:
                apply_service_errors(tax_form, exc, default="rate_percent")
            else:
                messages.success(
                    request,
                    _("Tax rate of %(partner)s saved; statements built from now on use it.")
                    % {"partner": partner.legal_name},
                )
                return redirect("settlement:settings")
    return _settings_page(request, form, tax_form, status=400)


def _settings_page(request, form, tax_form, status: int = 200):
    rates = selectors.partner_tax_rates()
    return render(
        request,
        "settlement/settings.html",
        {"form": form, "tax_form": tax_form, "page": paginate(request, rates)},
        status=status if request.method == "POST" else 200,
    )
