"""MDF pages: balance and ledger, fund requests and their approval, claims, results."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.choices import FINANCE_ROLES, PARTNER_FINANCE_ROLES, PARTNER_ROLES, STAFF_ROLES, Role
from accounts.permissions import company_finance_required
from accounts.scoping import (
    acts_on_company_finance,
    get_scoped_or_404,
    is_own_company,
    sees_company_finance,
)
from core.bulk import BULK_MAX_ROWS, BulkDecisionForm, bulk_apply
from core.dbrouter import reads_from_replica
from core.files import stored_file_response
from core.forms import apply_service_errors
from core.idempotency import idempotent_form
from core.permissions import role_required
from core.views import PAGE_SIZE, listing, paginate
from partners.models import Partner

from . import selectors, services
from .choices import ClaimStatus, RequestStatus
from .forms import (
    ActivityResultForm,
    AllocationForm,
    ClaimForm,
    DecisionForm,
    FundRequestForm,
)
from .lists import FUND_REQUEST_LIST, FUND_REQUEST_QUEUE_LIST, MDF_LEDGER_LIST
from .models import ClaimAttachment, FundRequestAttachment

ALL_ROLES = STAFF_ROLES | PARTNER_ROLES
ALLOCATE_ROLES = {Role.CHANNEL_MANAGER, Role.CHANNEL_DIRECTOR}


@role_required(*PARTNER_FINANCE_ROLES)
def balance(request):
    partner = request.user.partner
    if partner is None:
        raise Http404
    entries = selectors.mdf_entry_list_for(user=request.user, partner=partner)
    return render(
        request,
        "funds/balance.html",
        {
            "partner": partner,
            "summary": selectors.mdf_summary(partner=partner),
            "roi": selectors.partner_roi(partner=partner),
            "page": paginate(request, entries),
        },
    )


@role_required(*STAFF_ROLES)
def ledger(request):
    """Every MDF movement, filtered and sorted like every list; with `?partner=<id>` the
    company's balance above its entries."""
    entries = listing(request, MDF_LEDGER_LIST)
    partner = None
    if request.GET.get("partner"):
        partners = Partner.objects.visible_to(request.user)
        partner = get_scoped_or_404(partners, request.user, pk=request.GET["partner"])
    context = {"listing": entries, "page": entries.page, "partner": partner}
    if partner is not None:
        context["summary"] = selectors.mdf_summary(partner=partner)
        context["roi"] = selectors.partner_roi(partner=partner)
    return render(request, "funds/ledger.html", context)


@role_required(*STAFF_ROLES)
@reads_from_replica
def roi_report(request):
    """ROI per partner: allocated and reimbursed funds, leads, attributed revenue."""
    paginator = Paginator(selectors.partner_roi_list_for(user=request.user), PAGE_SIZE)
    # Counted ahead the cheaper way (the paginator's count is a cached property).
    paginator.count = selectors.partner_roi_count_for(user=request.user)
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = selectors.partner_roi_rows(page.object_list)
    return render(request, "funds/roi_report.html", {"page": page})


@role_required(*ALLOCATE_ROLES)
def allocate(request):
    partners = Partner.objects.manageable_by(request.user)
    form = AllocationForm(request.POST or None, partners=partners)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            entry = services.mdf_allocate(
                partner=data["partner"],
                amount=data["amount"],
                reason=data["reason"],
                actor=request.user,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Allocation recorded."))
            return redirect(f"{reverse('funds:ledger')}?partner={entry.partner_id}")
    return render(request, "funds/allocate.html", {"form": form})


@role_required(*ALL_ROLES)
def request_list(request):
    requests = listing(request, FUND_REQUEST_LIST)
    selectors.fund_request_approvals_attach(requests.page.object_list)
    return render(
        request,
        "funds/fund_request_list.html",
        {
            "listing": requests,
            "page": requests.page,
            "can_request": acts_on_company_finance(request.user, request.user.partner_id),
        },
    )


BULK_DECISIONS = (("approve", gettext_lazy("Approve")), ("reject", gettext_lazy("Reject")))


@role_required(*STAFF_ROLES)
def request_queue(request):
    """Requests awaiting approval, with search, filters, sorting, saved views and a bulk
    decision on the selected rows (DESIGN §7, §8.1)."""
    queue = listing(request, FUND_REQUEST_QUEUE_LIST)
    selectors.fund_request_approvals_attach(queue.page.object_list)
    return render(
        request,
        "funds/request_queue.html",
        {
            "listing": queue,
            "page": queue.page,
            "bulk_form": BulkDecisionForm(decisions=BULK_DECISIONS),
            "bulk_limit": BULK_MAX_ROWS,
        },
    )


@require_POST
@role_required(*STAFF_ROLES)
def request_queue_bulk(request):
    """Approve or reject the selected requests with one note; each passes its approval matrix."""
    form = BulkDecisionForm(request.POST, decisions=BULK_DECISIONS)
    context = {"title": _("MDF approval queue"), "back": reverse("funds:request_queue")}
    if not form.is_valid():
        return render(request, "core/bulk_result.html", {**context, "form": form}, status=400)
    decision, note = form.cleaned_data["decision"], form.cleaned_data["reason"]
    service = (
        services.fund_request_approve if decision == "approve" else services.fund_request_reject
    )
    result = bulk_apply(
        rows=selectors.fund_request_decidable_for(user=request.user),
        ids=form.cleaned_data["ids"],
        decision=decision,
        act=lambda fund_request: service(fund_request=fund_request, actor=request.user, note=note),
        label=lambda fund_request: f"{fund_request.title} — {fund_request.partner}",
        url=lambda fund_request: reverse("funds:request_detail", args=[fund_request.pk]),
    )
    return render(
        request,
        "core/bulk_result.html",
        {
            **context,
            "result": result,
            "decision_label": dict(BULK_DECISIONS)[decision],
            "reason": note,
        },
    )


@role_required(*PARTNER_FINANCE_ROLES)
@idempotent_form
def request_create(request):
    form = FundRequestForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            fund_request = services.fund_request_submit(
                partner=request.user.partner, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Your fund request was submitted for approval."))
            return redirect("funds:request_detail", pk=fund_request.pk)
    return render(
        request,
        "funds/request_form.html",
        {"form": form, "balance": selectors.mdf_balance(partner=request.user.partner)},
    )


@role_required(*ALL_ROLES)
def request_detail(request, pk):
    fund_request = selectors.fund_request_get_for(user=request.user, pk=pk)
    user = request.user
    claim = getattr(fund_request, "claim", None)
    result = getattr(fund_request, "result", None)
    context = {
        "object": fund_request,
        "approvals": fund_request.approvals.select_related("approver"),
        "attachments": fund_request.attachments.all(),
        "claim": claim if sees_company_finance(user) else None,  # a claim is company finance
        "result": result,
        "results": selectors.activity_results(fund_request=fund_request),
        "linked_deals": selectors.activity_deals_for(user=user, fund_request=fund_request)[:20],
        "deadline": services.claim_deadline(fund_request),
        "can_decide": fund_request.status == RequestStatus.SUBMITTED
        and services.fund_request_can_approve(user, fund_request),
        "can_claim": acts_on_company_finance(user, fund_request.partner_id)
        and fund_request.status == RequestStatus.APPROVED
        and claim is None,
        "can_record_result": fund_request.status
        in (RequestStatus.APPROVED, RequestStatus.CLAIMED, RequestStatus.RELEASED)
        and (user.is_vendor_staff or is_own_company(user, fund_request.partner_id)),
        "decision_form": DecisionForm(),
        "result_form": ActivityResultForm(
            initial={
                "leads_count": result.leads_count if result else 0,
                "deal_revenue": result.deal_revenue if result else 0,
            }
        ),
    }
    return render(request, "funds/request_detail.html", context)


def _decide(request, pk, service):
    fund_request = selectors.fund_request_get_for(user=request.user, pk=pk)
    form = DecisionForm(request.POST)
    form.is_valid()
    try:
        service(
            fund_request=fund_request, actor=request.user, note=form.cleaned_data.get("note", "")
        )
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("You cannot decide this request."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Decision recorded."))
    return redirect("funds:request_detail", pk=fund_request.pk)


@require_POST
@role_required(*STAFF_ROLES)
def request_approve(request, pk):
    return _decide(request, pk, services.fund_request_approve)


@require_POST
@role_required(*STAFF_ROLES)
def request_reject(request, pk):
    return _decide(request, pk, services.fund_request_reject)


@require_POST
@role_required(*ALL_ROLES)
def result_record(request, pk):
    fund_request = selectors.fund_request_get_for(user=request.user, pk=pk)
    form = ActivityResultForm(request.POST)
    if form.is_valid():
        try:
            services.activity_result_record(
                fund_request=fund_request, actor=request.user, **form.cleaned_data
            )
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Results recorded."))
    else:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return redirect("funds:request_detail", pk=fund_request.pk)


@role_required(*PARTNER_FINANCE_ROLES)
@idempotent_form
def claim_create(request, pk):
    fund_request = selectors.fund_request_get_for(user=request.user, pk=pk)
    if not acts_on_company_finance(request.user, fund_request.partner_id):
        raise Http404
    form = ClaimForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            claim = services.claim_submit(
                fund_request=fund_request, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Your claim was submitted to finance."))
            return redirect("funds:claim_detail", pk=claim.pk)
    return render(
        request,
        "funds/claim_form.html",
        {"form": form, "object": fund_request, "deadline": services.claim_deadline(fund_request)},
    )


@company_finance_required
def claim_list(request):
    status = request.GET.get("status", "")
    if status not in ClaimStatus.values:
        status = ""
    claims = selectors.claim_list_for(user=request.user, status=status)
    return render(
        request,
        "funds/claim_list.html",
        {"page": paginate(request, claims), "status": status, "statuses": ClaimStatus.choices},
    )


@company_finance_required
def claim_detail(request, pk):
    claim = selectors.claim_get_for(user=request.user, pk=pk)
    user = request.user
    return render(
        request,
        "funds/claim_detail.html",
        {
            "claim": claim,
            "object": claim.fund_request,
            "attachments": claim.attachments.all(),
            "can_validate": claim.status == ClaimStatus.SUBMITTED
            and (user.is_admin or user.role in FINANCE_ROLES),
            "preview": services.claim_reimbursement(claim=claim)
            if claim.status == ClaimStatus.SUBMITTED
            else None,
            "decision_form": DecisionForm(),
        },
    )


def _decide_claim(request, pk, service):
    claim = selectors.claim_get_for(user=request.user, pk=pk)
    form = DecisionForm(request.POST)
    form.is_valid()
    try:
        service(claim=claim, actor=request.user, note=form.cleaned_data.get("note", ""))
    except PermissionDenied as exc:
        raise Http404 from exc
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Decision recorded."))
    return redirect("funds:claim_detail", pk=claim.pk)


@require_POST
@role_required(*FINANCE_ROLES)
def claim_validate(request, pk):
    return _decide_claim(request, pk, services.claim_validate)


@require_POST
@role_required(*FINANCE_ROLES)
def claim_reject(request, pk):
    return _decide_claim(request, pk, services.claim_reject)


@role_required(*ALL_ROLES)
def attachment_download(request, kind, pk):
    model = {"request": FundRequestAttachment, "claim": ClaimAttachment}.get(kind)
    if model is None:
        raise Http404
    attachment = get_scoped_or_404(model.objects.all(), request.user, pk=pk)
    return stored_file_response(attachment.file, filename=str(attachment))
