"""Pages of deal registration: thin — parse, fetch through a selector, call one service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.choices import CHANNEL_ROLES, Role
from core.forms import apply_service_errors
from core.lists import NAVIGATION_PARAMS
from core.permissions import role_required
from core.views import listing

from . import selectors, services
from .choices import DealStatus, LeadStatus
from .customer_data import customer_data_shown
from .exports import (
    CONTENT_TYPES,
    EXPORT_FORMATS,
    EXPORT_MAX_ROWS,
    deal_export_rows,
    export_content,
    lead_export_rows,
)
from .forms import (
    DealForm,
    DealLineFormSet,
    ExtensionForm,
    LeadForm,
    LostForm,
    ReasonForm,
    WonForm,
)
from .lists import DEAL_LIST, LEAD_LIST
from .models import Deal
from .permissions import REGISTRANT_ROLES, deal_can_register, deal_decisions_for


def _errors(exc: ValidationError) -> list[str]:
    return exc.messages


def _export(
    request, *, queryset, rows, name: str, export_format: str, filters: dict, record_of=None
):
    """Download exactly what is filtered, masked for the reader; the read is audited.

    `record_of` turns a row of `queryset` into the deal or lead it shows (a lead offer → its lead).
    """
    records = list(queryset[: EXPORT_MAX_ROWS + 1])
    if len(records) > EXPORT_MAX_ROWS:
        messages.error(
            request,
            _("More than %(limit)s rows match: narrow the filters to export.")
            % {"limit": EXPORT_MAX_ROWS},
        )
        query = request.GET.copy()
        query.pop("export", None)
        return redirect(f"{request.path}?{query.urlencode()}")
    records = customer_data_shown(
        user=request.user,
        records=[record_of(r) for r in records] if record_of else records,
        view="export",
        door="page",
        filters=filters,
        export_format=export_format,
    )
    content = export_content(rows(records), export_format=export_format, title=name)
    response = HttpResponse(content, content_type=CONTENT_TYPES[export_format])
    response["Content-Disposition"] = f'attachment; filename="{name}.{export_format}"'
    return response


def _filters_asked(request) -> dict:
    """The list's filters and sort as asked (for the audit of who read which customers)."""
    return {
        key: ",".join(request.GET.getlist(key))
        for key in request.GET
        if key not in NAVIGATION_PARAMS and key != "export"
    }


@login_required
def deal_list(request):
    export_format = request.GET.get("export", "")
    if export_format in EXPORT_FORMATS:
        return _export(
            request,
            queryset=DEAL_LIST.queryset_for(user=request.user, params=request.GET),
            rows=deal_export_rows,
            name="deals",
            export_format=export_format,
            filters=_filters_asked(request),
        )
    deals = listing(request, DEAL_LIST)
    page = deals.page
    page.object_list = customer_data_shown(
        user=request.user,
        records=selectors.deal_line_counts_attach(page.object_list),
        view="list",
        door="page",
        filters=_filters_asked(request),
        page=page.number or 0,
    )
    return render(request, "deals/deal_list.html", {"listing": deals, "page": page})


def _lines_of(formset) -> list[dict]:
    return [
        f.cleaned_data
        for f in formset.forms
        if f.cleaned_data and not f.cleaned_data.get("DELETE") and f.cleaned_data.get("product")
    ]


@role_required(*REGISTRANT_ROLES)
def deal_edit(request, pk=None):
    if not deal_can_register(request.user, partner_id=request.user.partner_id):
        # Administrators pass `role_required` but register no deals: they belong to no partner.
        raise PermissionDenied
    deal = None
    if pk is not None:
        deal = selectors.deal_get_for(user=request.user, pk=pk, action="manage")
        if not deal.is_editable:
            raise Http404
        if request.method == "GET":  # the form shows the customer: a read like the detail page
            customer_data_shown(user=request.user, records=[deal], view="detail", door="page")
    instance = deal or Deal(
        partner_id=request.user.partner_id,
        registered_by=request.user,
        currency=request.user.partner.contract_currency,
    )
    form = DealForm(request.POST or None, instance=instance, user=request.user)
    formset = DealLineFormSet(request.POST or None, instance=instance, prefix="lines")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = {
            name: form.cleaned_data[name] for name in DealForm.Meta.fields if name in form.fields
        }
        try:
            deal = services.deal_draft_save(
                actor=request.user, data=data, lines=_lines_of(formset), deal=deal
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Draft saved."))
            return redirect("deals:detail", pk=deal.pk)
    return render(request, "deals/deal_form.html", {"form": form, "formset": formset, "deal": deal})


@login_required
def deal_detail(request, pk):
    user = request.user
    (deal,) = customer_data_shown(
        user=user, records=[selectors.deal_get_for(user=user, pk=pk)], view="detail", door="page"
    )
    other = selectors.deal_conflict_pair_for(user=user, deal=deal)
    if other is not None:
        (other,) = customer_data_shown(user=user, records=[other], view="detail", door="page")
    context = {
        "deal": deal,
        "lines": [line for line in deal.lines.all() if not line.final],
        "final_lines": [line for line in deal.lines.all() if line.final],
        "can_edit": deal_can_register(user, partner_id=deal.partner_id),
        "decisions": deal_decisions_for(user=user, deal=deal),
        "other": other,
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
            apply_service_errors(form, exc)
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


# --- leads (DESIGN §4.6) ---------------------------------------------------------------------
LEAD_PUBLISHER_ROLES = (*CHANNEL_ROLES, Role.ADMIN)


@login_required
def lead_list(request):
    """Partners: the leads offered to their company. Staff: every lead and its state."""
    export_format = request.GET.get("export", "")
    if request.user.is_partner_user:
        show = "all" if request.GET.get("show") == "all" else "open"
        offers = selectors.lead_offers_for(user=request.user, show=show)
        if export_format in EXPORT_FORMATS:
            return _export(
                request,
                queryset=offers,
                rows=lead_export_rows,
                name="leads",
                export_format=export_format,
                filters={"show": show},
                record_of=lambda offer: offer.lead,
            )
        page = Paginator(offers, 50).get_page(request.GET.get("page"))
        page.object_list = list(page.object_list)
        customer_data_shown(
            user=request.user,
            records=[offer.lead for offer in page.object_list],
            view="list",
            door="page",
            filters={"show": show},
            page=page.number,
        )
        return render(
            request,
            "deals/lead_offers.html",
            {"page": page, "show": show, "can_answer": request.user.role in REGISTRANT_ROLES},
        )
    if export_format in EXPORT_FORMATS:
        return _export(
            request,
            queryset=LEAD_LIST.queryset_for(user=request.user, params=request.GET),
            rows=lead_export_rows,
            name="leads",
            export_format=export_format,
            filters=_filters_asked(request),
        )
    leads = listing(request, LEAD_LIST)
    selectors.lead_offer_counts_attach(leads.page.object_list)
    return render(
        request,
        "deals/lead_list.html",
        {
            "listing": leads,
            "page": leads.page,
            "can_publish": request.user.is_admin or request.user.role in CHANNEL_ROLES,
        },
    )


@role_required(*LEAD_PUBLISHER_ROLES)
def lead_create(request):
    form = LeadForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            lead = services.lead_publish(actor=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Lead published."))
            return redirect("deals:lead_detail", pk=lead.pk)
    return render(request, "deals/lead_form.html", {"form": form})


@login_required
def lead_detail(request, pk):
    if request.user.is_partner_user:
        raise Http404
    (lead,) = customer_data_shown(
        user=request.user,
        records=[selectors.lead_get_for(user=request.user, pk=pk)],
        view="detail",
        door="page",
    )
    offers = selectors.lead_offer_list_for(user=request.user, lead=lead)
    return render(
        request,
        "deals/lead_detail.html",
        {
            "lead": lead,
            "offers": offers,
            "can_withdraw": (request.user.is_admin or request.user.role in CHANNEL_ROLES)
            and lead.status in (LeadStatus.EXCLUSIVE, LeadStatus.OPEN),
        },
    )


def _offer_row(request, offer, error: str = ""):
    customer_data_shown(user=request.user, records=[offer.lead], view="detail", door="htmx")
    return render(
        request,
        "deals/partials/lead_offer_row.html",
        {"offer": offer, "error": error, "can_answer": True},
    )


def _lead_answer(request, pk, call):
    offer = (
        selectors.lead_offers_for(user=request.user, show="all")
        .filter(lead_id=pk, partner_id=request.user.partner_id)
        .first()
    )
    if offer is None:
        raise Http404
    try:
        result = call()
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        message = " ".join(exc.messages)
        offer.refresh_from_db()
        offer.lead.refresh_from_db()
        if request.htmx:
            return _offer_row(request, offer, error=message)
        messages.error(request, message)
        return redirect("deals:lead_list")
    return result


@require_POST
@role_required(*REGISTRANT_ROLES)
def lead_accept(request, pk):
    def accept():
        deal = services.lead_accept(lead_id=pk, actor=request.user)
        messages.success(request, _("Lead accepted: add the product lines and submit the draft."))
        url = reverse("deals:detail", args=[deal.pk])
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return redirect(url)

    return _lead_answer(request, pk, accept)


@require_POST
@role_required(*REGISTRANT_ROLES)
def lead_decline(request, pk):
    def decline():
        offer = services.lead_decline(lead_id=pk, actor=request.user)
        if request.htmx:
            offer.refresh_from_db()
            return _offer_row(request, offer)
        messages.success(request, _("Lead declined."))
        return redirect("deals:lead_list")

    return _lead_answer(request, pk, decline)


@require_POST
@role_required(*LEAD_PUBLISHER_ROLES)
def lead_withdraw(request, pk):
    lead = selectors.lead_get_for(user=request.user, pk=pk)
    try:
        services.lead_withdraw(lead_id=lead.pk, actor=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Lead withdrawn."))
    return redirect("deals:lead_detail", pk=pk)
