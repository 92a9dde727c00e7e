"""Pages of deal registration: thin — parse, fetch through a selector, call one service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.choices import CHANNEL_ROLES, Role
from accounts.scoping import can_manage_partner
from core.bulk import BULK_MAX_ROWS, BulkDecisionForm, bulk_apply
from core.exports import EXPORT_FORMATS
from core.forms import apply_service_errors
from core.idempotency import idempotent_form
from core.lists import COUNT_CAP, NAVIGATION_PARAMS, chosen_columns
from core.microcache import microcached
from core.permissions import role_required
from core.views import export_page, listing, settings_form_saved
from partners.selectors import partner_exit_get_for, partners_receiving_for

from . import selectors, services
from .attribution import activities_of
from .choices import DealStatus, LeadStatus
from .customer_data import customer_data_shown
from .filtersets import QUEUE_FLAGS, IdsIn, queue_search_q
from .forms import (
    DealForm,
    DealLineFormSet,
    DealSettingsForm,
    ExtensionForm,
    HandoverForm,
    LeadForm,
    LostForm,
    PriceScheduleForm,
    ReasonForm,
    WonForm,
)
from .lists import (
    DEAL_LIST,
    DEAL_QUEUE_LIST,
    LEAD_LIST,
    LEAD_OFFER_LIST,
    PRICE_LIST_LIST,
    lead_offer_params,
)
from .models import Deal, DealSettings
from .permissions import (
    PRICE_LIST_ROLES,
    REGISTRANT_ROLES,
    deal_can_register,
    deal_decisions_for,
    deal_register_refusal,
)


def _errors(exc: ValidationError) -> list[str]:
    return exc.messages


def _filters_asked(request) -> dict:
    """The list's filters and sort as asked (for the audit of who read which customers)."""
    return {
        key: ",".join(request.GET.getlist(key))
        for key in request.GET
        if key not in NAVIGATION_PARAMS and key != "export"
    }


@login_required
@microcached
def deal_list(request):
    export_format = request.GET.get("export", "")
    if export_format in EXPORT_FORMATS:
        return export_page(request, "deals", export_format)
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
    refusal = (
        deal_register_refusal(partner_id=request.user.partner_id)
        if request.user.role in REGISTRANT_ROLES
        else None
    )
    context = {
        "listing": deals,
        "page": page,
        "register_refusal": refusal.messages[0] if refusal else "",
    }
    return render(request, "deals/deal_list.html", context)


def _lines_of(formset) -> list[dict]:
    return [
        f.cleaned_data
        for f in formset.forms
        if f.cleaned_data and not f.cleaned_data.get("DELETE") and f.cleaned_data.get("product")
    ]


@role_required(*REGISTRANT_ROLES)
@idempotent_form
def deal_edit(request, pk=None):
    if not deal_can_register(request.user, partner_id=request.user.partner_id):
        # Administrators pass `role_required` but register no deals: they belong to no partner.
        raise PermissionDenied
    if refusal := deal_register_refusal(partner_id=request.user.partner_id):
        messages.error(request, refusal.messages[0])
        return redirect("deals:list")
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
            name: form.cleaned_data[name]
            for name in [*DealForm.Meta.fields, "fund_request"]
            if name in form.fields
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
    activities = activities_of([d.pk for d in (deal, other) if d is not None])
    for shown in (deal, other):
        if shown is not None:
            shown.mdf_activity = activities.get(shown.pk)
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


def _act(request, pk, action: str, call, done: str):
    """Run one decision on a deal; `done` says what happened, with the deal's new state."""
    deal = selectors.deal_get_for(user=request.user, pk=pk, action=action)
    try:
        call(deal)
    except ValidationError as exc:
        for message in _errors(exc):
            messages.error(request, message)
    except PermissionDenied:
        raise Http404 from None
    else:
        deal.refresh_from_db(fields=["status"])
        messages.success(
            request, done % {"deal": deal.project_name, "state": deal.get_status_display()}
        )
    return redirect("deals:detail", pk=pk)


@require_POST
@role_required(*REGISTRANT_ROLES)
def deal_submit(request, pk):
    return _act(
        request,
        pk,
        "manage",
        lambda d: services.deal_submit(deal=d, actor=request.user),
        _("“%(deal)s” submitted for approval; it is now %(state)s."),
    )


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
            _("Your approval of “%(deal)s” is recorded; it is now %(state)s."),
        )
    if decision == "reject":
        return _act(
            request,
            pk,
            "manage",
            lambda d: services.deal_reject(deal=d, actor=request.user, reason=reason),
            _("“%(deal)s” rejected; the partner is told why."),
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
        _("Extension of “%(deal)s” requested; a channel manager decides."),
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
        _("Extension of “%(deal)s” granted.") if approve else _("Extension of “%(deal)s” refused."),
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
            done = (
                _("“%(deal)s” closed as lost.")
                if outcome == "lost"
                else _("“%(deal)s” closed as won; the order counts for rebates.")
            )
            messages.success(request, done % {"deal": deal.project_name})
            return redirect("deals:detail", pk=pk)
    return render(
        request,
        "deals/deal_close.html",
        {"deal": deal, "form": form, "formset": formset, "outcome": outcome},
    )


BULK_DECISIONS = (("approve", gettext_lazy("Approve")), ("reject", gettext_lazy("Reject")))


def _query(request, **changes) -> str:
    """The current query string with `changes` applied (None drops a key) and the page reset."""
    query = request.GET.copy()
    query.pop("page", None)
    for key, value in changes.items():
        query.pop(key, None)
        if value:
            query[key] = value
    return query.urlencode()


@role_required(*CHANNEL_ROLES)
@microcached
def deal_queue(request):
    """Registrations to decide, SLA due first, with search, flags (counted), sorting, saved views,
    page sizes and a bulk decision on the selected rows (DESIGN §4.3, §8.1)."""
    queue = listing(request, DEAL_QUEUE_LIST)
    form = queue.filterset.form
    search = form.cleaned_data.get("q", "") if queue.filterset.is_valid() else ""
    base = selectors.deal_queue_for(user=request.user)
    # The tabs count a search exactly when it gathered its matches (at most
    # QUEUE_SEARCH_GATHER_MAX of them), and up to the cap, like the whole queue, otherwise.
    gathered = queue.filterset.search_ids if search else None
    if gathered is not None:
        counted, exact = base.filter(IdsIn(gathered)), True
    else:
        counted, exact = (base.filter(queue_search_q(search)) if search else base), False
    counts = selectors.deal_queue_counts(counted, searched=exact)
    flag = form.cleaned_data.get("flag", "") if queue.filterset.is_valid() else ""
    tabs = [
        {"key": "", "label": _("All waiting"), "count": counts["all"]},
        *(
            {"key": key, "label": label, "count": counts[key]}
            for key, (label, _q) in QUEUE_FLAGS.items()
        ),
    ]
    for tab in tabs:
        # Counted up to the cap: beyond it the tab says "10,000+", as the pager does.
        tab["capped"] = not exact and tab["count"] > COUNT_CAP
        if tab["capped"]:
            tab["count"] = COUNT_CAP
        tab["active"] = tab["key"] == flag
        tab["query"] = _query(request, flag=tab["key"])
    context = {
        "listing": queue,
        "page": queue.page,
        "now": timezone.now(),
        "tabs": tabs,
        "bulk_form": BulkDecisionForm(decisions=BULK_DECISIONS),
        "bulk_limit": BULK_MAX_ROWS,
    }
    return render(request, "deals/deal_queue.html", context)


@require_POST
@role_required(*CHANNEL_ROLES)
def deal_queue_bulk(request):
    """Approve or reject the selected registrations with one reason, each through its service."""
    form = BulkDecisionForm(request.POST, decisions=BULK_DECISIONS)
    if not form.is_valid():
        return render(
            request,
            "core/bulk_result.html",
            {"form": form, "title": _("Approval queue"), "back": reverse("deals:queue")},
            status=400,
        )
    decision, reason = form.cleaned_data["decision"], form.cleaned_data["reason"]
    service = services.deal_approve if decision == "approve" else services.deal_reject
    result = bulk_apply(
        rows=selectors.deal_decidable_for(user=request.user),
        ids=form.cleaned_data["ids"],
        decision=decision,
        act=lambda deal: service(deal=deal, actor=request.user, reason=reason),
        label=str,
        url=lambda deal: reverse("deals:detail", args=[deal.pk]),
    )
    return render(
        request,
        "core/bulk_result.html",
        {
            "result": result,
            "decision_label": dict(BULK_DECISIONS)[decision],
            "reason": reason,
            "title": _("Approval queue"),
            "back": reverse("deals:queue"),
        },
    )


# --- leads (DESIGN §4.6) ---------------------------------------------------------------------
LEAD_PUBLISHER_ROLES = (*CHANNEL_ROLES, Role.ADMIN)


@login_required
@microcached
def lead_list(request):
    """Partners: the leads offered to their company. Staff: every lead and its state."""
    export_format = request.GET.get("export", "")
    if export_format in EXPORT_FORMATS:
        return export_page(request, "leads", export_format)
    if request.user.is_partner_user:
        params = lead_offer_params(request.GET)
        offers = listing(request, LEAD_OFFER_LIST, params)
        page = offers.page
        customer_data_shown(
            user=request.user,
            records=[offer.lead for offer in page.object_list],
            view="list",
            door="page",
            filters=_filters_asked(request) | {"show": params["show"]},
            page=page.number or 0,
        )
        return render(
            request,
            "deals/lead_offers.html",
            {
                "listing": offers,
                "page": page,
                "shows": offers.shows,
                "can_answer": request.user.role in REGISTRANT_ROLES,
            },
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
@idempotent_form
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
    """The answered offer's row, with the columns the list showed (sent along by its form)."""
    customer_data_shown(user=request.user, records=[offer.lead], view="detail", door="htmx")
    shown = chosen_columns(LEAD_OFFER_LIST.columns_for(request.user), request.POST)
    return render(
        request,
        "deals/partials/lead_offer_row.html",
        {
            "offer": offer,
            "error": error,
            "can_answer": True,
            "shows": {column.key: True for column in shown},
        },
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


# --- a leaving partner's deals (DESIGN §2.9) ----------------------------------------------------


@role_required(*CHANNEL_ROLES)
def exit_handover(request, exit_pk: int):
    """Hand the open registrations of a partner in exit over, in bulk, to a chosen partner or back
    to the vendor; each row goes through `deal_hand_over` and its own audit row."""
    partner_exit = partner_exit_get_for(user=request.user, pk=exit_pk)
    partner = partner_exit.partner
    if not can_manage_partner(request.user, partner):
        raise PermissionDenied
    receivers = partners_receiving_for(user=request.user, leaving_id=partner.pk)
    rows = selectors.deal_handover_rows_for(user=request.user, partner_id=partner.pk)
    form = HandoverForm(request.POST if request.method == "POST" else None, receivers=receivers)
    result, status = None, 200
    if request.method == "POST":
        if form.is_valid():
            to_partner, note = form.cleaned_data["to_partner"], form.cleaned_data["note"]
            result = bulk_apply(
                rows=rows,
                ids=form.cleaned_data["ids"],
                decision="handover",
                act=lambda deal: services.deal_hand_over(
                    deal=deal, actor=request.user, to_partner=to_partner, note=note
                ),
                label=str,
                url=lambda deal: reverse("deals:detail", args=[deal.pk]),
            )
            form = HandoverForm(receivers=receivers)
        else:
            status = 400
    context = {
        "partner_exit": partner_exit,
        "partner": partner,
        "deals": rows[:BULK_MAX_ROWS],
        "total": rows.count(),
        "form": form,
        "result": result,
        "bulk_limit": BULK_MAX_ROWS,
    }
    return render(request, "deals/exit_handover.html", context, status=status)


@role_required(Role.ADMIN)
def deal_settings(request):
    """Administrators' deal settings: name-similarity threshold, approval SLA, extension."""
    form = DealSettingsForm(
        request.POST if request.method == "POST" else None, instance=DealSettings.current()
    )
    if settings_form_saved(request, form, services.deal_settings_update):
        return redirect("deals:settings")
    return render(
        request,
        "deals/settings.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


# --- price lists (DESIGN §4.4): administrators, channel directors and finance -----------------
@role_required(*PRICE_LIST_ROLES)
def price_list_index(request):
    """Every product with today's guide and floor price; each opens its price list."""
    products = listing(request, PRICE_LIST_LIST)
    return render(
        request,
        "deals/price_list_index.html",
        {"listing": products, "page": products.page},
    )


@role_required(*PRICE_LIST_ROLES)
def price_list_detail(request, pk: int):
    """One product's price list: today's three levels, each tier's agreement price, history."""
    product = selectors.price_list_product_get_for(user=request.user, pk=pk)
    return render(
        request,
        "deals/price_list_detail.html",
        {"product": product, **selectors.price_list_of(product)},
    )


@role_required(*PRICE_LIST_ROLES)
@idempotent_form
def price_list_schedule(request, pk: int):
    """Schedule a new price of one level (and tier) from a date."""
    product = selectors.price_list_product_get_for(user=request.user, pk=pk)
    initial = {"valid_from": timezone.localdate(), "currency": product.currency}
    form = PriceScheduleForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.price_list_entry_schedule(
                actor=request.user, product=product, change=form.change()
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("The new price holds from %(date)s.") % {"date": entry.valid_from.isoformat()},
            )
            return redirect("deals:price_list_detail", pk=product.pk)
    return render(
        request,
        "deals/price_list_schedule.html",
        {"product": product, "form": form},
        status=400 if request.method == "POST" else 200,
    )
