"""Pages of the portal shell: dashboard, notifications, jobs, imports, FX rates, audit log."""

from __future__ import annotations

import itertools
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rest_framework import exceptions as api_exceptions

from .audit_display import audit_rows
from .dashboard import widgets_for
from .export_jobs import export_format_clean, export_start
from .exports import csv_response, export_get
from .files import stored_file_response
from .forms import ImportUploadForm, NotificationPreferencesForm, apply_service_errors
from .idempotency import idempotent_form
from .import_batches import import_batch_create
from .imports import import_limits, importer_for, importers_for
from .jobs import job_can_resume, job_get_for, job_resume
from .listings import (
    AUDIT_LIST,
    FX_RATE_LIST,
    IMPORT_LIST,
    JOB_LIST,
    NOTIFICATION_LIST,
    import_batches_visible_to,
)
from .lists import ListDefinition, Listing, list_definition, listing_for
from .microcache import microcached
from .models import ImportBatch, JobRun, JobStatus
from .notifications import (
    notification_kinds_for,
    notification_latest_for,
    notification_mark_read,
    notification_preferences_for,
    notification_preferences_update,
    unread_count,
)
from .outbox import outbox_waiting, queued_notice
from .permissions import role_required
from .roles import FX_RATE_READERS, Role
from .saved_views import saved_view_delete, saved_view_save, saved_view_url, saved_views_for
from .search import DROPDOWN_LIMIT, PAGE_LIMIT, search, search_text_clean
from .settings_pages import settings_sections_for

PAGE_SIZE = 50


def paginate(request, queryset, per_page: int = PAGE_SIZE):
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def settings_form_saved(request, form, update) -> bool:
    """A settings page's POST: a valid `form` goes through `update(actor=, values=)` (a service
    that validates, saves and audits, returning the changes); says what happened. True when saved
    (the caller redirects), False to show the form again with its field errors."""
    if request.method != "POST" or not form.is_valid():
        return False
    try:
        changes = update(actor=request.user, values=dict(form.cleaned_data))
    except ValidationError as exc:
        apply_service_errors(form, exc)
        return False
    if changes:
        messages.success(request, _("Settings saved; they apply from now on."))
    else:
        messages.info(request, _("Nothing changed."))
    return True


def listing(request, definition: ListDefinition, params: QueryDict | None = None) -> Listing:
    """A list page's rows, header and the reader's saved views, from the request's query (or
    `params`: the query with the page's defaults filled in)."""
    views = [
        (view, saved_view_url(view))
        for view in saved_views_for(user=request.user, list_key=definition.key)
    ]
    query = request.GET if params is None else params
    return listing_for(definition, user=request.user, params=query, saved_views=views)


@login_required
@require_POST
def saved_view_create(request, key: str):
    definition = list_definition(key)
    if definition is None:
        raise Http404
    try:
        view = saved_view_save(
            user=request.user,
            list_key=key,
            name=request.POST.get("name", ""),
            query=request.POST.get("query", ""),
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(f"{definition.url}?{request.POST.get('query', '')}")
    messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
    return redirect(saved_view_url(view))


@login_required
@require_POST
def saved_view_remove(request, pk: int):
    view = get_object_or_404(saved_views_for(user=request.user), pk=pk)
    saved_view_delete(user=request.user, pk=view.pk)
    messages.success(request, _("View “%(name)s” deleted.") % {"name": view.name})
    definition = list_definition(view.list_key)
    return redirect(definition.url if definition else "core:dashboard")


def healthz(request) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_required
@microcached
def dashboard(request):
    return render(request, "core/dashboard.html", {"widgets": widgets_for(request)})


@login_required
def search_results(request):
    """The global search (DESIGN §8.1): the full results page, or for the header box's htmx
    request the dropdown of each kind's best few. A query that cannot be searched is told why."""
    raw = request.GET.get("q", "")
    dropdown = bool(request.htmx)
    groups, error, text = [], "", ""
    try:
        text = search_text_clean(raw)
    except ValidationError as exc:
        error = exc.messages[0]
    else:
        groups = search(
            user=request.user,
            text=text,
            limit=DROPDOWN_LIMIT if dropdown else PAGE_LIMIT,
            door="htmx" if dropdown else "page",
        )
    context = {"q": text or raw[:200].replace("\x00", ""), "groups": groups, "error": error}
    template = "core/partials/search_dropdown.html" if dropdown else "core/search.html"
    return render(request, template, context)


def _notifications_changed(response, user):
    """Tell the page (header badge) the new unread count after a mark-read."""
    response["HX-Trigger"] = json.dumps({"notificationsChanged": {"unread": unread_count(user)}})
    return response


def _menu(request):
    """The dropdown's content; its answer also tells the header badge the unread count."""
    context = {
        "latest": notification_latest_for(user=request.user),
        "unread": unread_count(request.user),
    }
    response = render(request, "core/partials/notification_menu.html", context)
    response["HX-Trigger"] = json.dumps({"notificationsChanged": {"unread": context["unread"]}})
    return response


@login_required
def notification_list(request):
    notifications = listing(request, NOTIFICATION_LIST)
    return render(
        request,
        "core/notification_list.html",
        {"listing": notifications, "page": notifications.page},
    )


@login_required
def notification_menu(request):
    """The header dropdown: the latest notifications, loaded when it opens."""
    return _menu(request)


@login_required
@require_POST
def notification_read(request, pk: int):
    """Mark one read; from a list row (htmx) the row comes back, otherwise its link is followed."""
    notification = get_object_or_404(request.user.notifications, pk=pk)
    notification_mark_read(user=request.user, notification_ids=[notification.pk])
    notification.refresh_from_db()
    if request.htmx:
        response = render(request, "core/partials/notification_row.html", {"n": notification})
        return _notifications_changed(response, request.user)
    url = notification.url
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(url)
    return redirect("core:notification_list")


@login_required
@require_POST
def notification_read_all(request):
    notification_mark_read(user=request.user)
    if request.htmx:  # the header dropdown's button: the dropdown comes back, all read
        return _menu(request)
    messages.success(request, _("All notifications marked as read."))
    return redirect("core:notification_list")


@login_required
def notification_preferences(request):
    """Every person's choice per notification kind: an e-mail each, a daily digest or none."""
    current = notification_preferences_for(request.user)
    kinds = notification_kinds_for(request.user)
    form = NotificationPreferencesForm(request.POST or None, kinds=kinds, initial=current)
    if request.method == "POST" and form.is_valid():
        try:
            notification_preferences_update(user=request.user, changes=form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Your notification preferences are saved."))
            return redirect("core:notification_preferences")
    return render(
        request, "core/notification_preferences.html", {"form": form, "groups": form.groups()}
    )


@login_required
def job_list(request):
    if not request.user.is_vendor_staff:
        raise PermissionDenied
    jobs = listing(request, JOB_LIST)
    return render(request, "core/job_list.html", {"listing": jobs, "page": jobs.page})


@login_required
def job_detail(request, pk: int):
    job = job_get_for(user=request.user, pk=pk)
    template = "core/partials/job_progress.html" if request.htmx else "core/job_detail.html"
    waits = job.status == JobStatus.QUEUED and outbox_waiting(job=job)
    return render(
        request,
        template,
        {"job": job, "waits_for_worker": waits, "can_resume": job_can_resume(job)},
    )


@login_required
@require_POST
def job_resume_view(request, pk: int):
    """Resume a stalled job (or one stopped by a limit): whoever may see the job may resume it."""
    job = job_get_for(user=request.user, pk=pk)
    try:
        job_resume(job=job, actor=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("The job was resumed."))
    return redirect("core:job_detail", pk=job.pk)


@login_required
def job_download(request, pk: int):
    job = job_get_for(user=request.user, pk=pk)
    if not job.result_file:
        raise Http404
    return stored_file_response(job.result_file, filename=job.result_file.name.rsplit("/", 1)[-1])


@login_required
def export_download(request, key: str):
    """Export a list exactly as filtered (the list's query string): the file itself, or for a
    large list a job whose page shows its progress and offers the download (DESIGN §8.1)."""
    return export_page(request, key, request.GET.get("format"))


def export_page(request, key: str, export_format: str | None):
    """The page door of every list export; list pages answer their `?export=` through it too."""
    export = export_get(key)
    if export is None:
        raise Http404
    if not export.allows(request.user):
        raise PermissionDenied
    try:
        export_format = export_format_clean(export_format)
        answer = export_start(
            user=request.user,
            export=export,
            query=request.GET,
            export_format=export_format,
            door="page",
        )
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        return render(
            request, "core/export_invalid.html", {"export": export, "errors": errors}, status=400
        )
    if isinstance(answer, JobRun):
        messages.info(
            request,
            _("Many rows match: the export runs as a job. Download it here when it is done."),
        )
        return redirect("core:job_detail", pk=answer.pk)
    return answer


@login_required
def import_list(request):
    importers = importers_for(request.user)
    if not importers:
        raise PermissionDenied
    batches = listing(request, IMPORT_LIST)
    return render(
        request,
        "core/import_list.html",
        {"importers": importers, "listing": batches, "page": batches.page},
    )


@login_required
@idempotent_form
def import_upload(request, kind: str):
    importer = importer_for(kind)
    if importer is None or not importer.can_use(request.user):
        raise Http404
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            batch = import_batch_create(
                kind=kind, upload=form.cleaned_data["file"], user=request.user
            )
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            queued_notice(request, job=batch.job)
            return redirect("core:import_detail", pk=batch.pk)
    return render(
        request,
        "core/import_upload.html",
        {"form": form, "importer": importer, "limits": import_limits(importer)},
    )


def _batch_for(request, pk: int) -> ImportBatch:
    batches = import_batches_visible_to(
        ImportBatch.objects.select_related("job", "uploaded_by"), request.user
    )
    batch = get_object_or_404(batches, pk=pk)
    importer = importer_for(batch.kind)
    if importer is None or not importer.can_use(request.user):
        raise Http404
    return batch


@login_required
def import_detail(request, pk: int):
    batch = _batch_for(request, pk)
    template = "core/partials/import_status.html" if request.htmx else "core/import_detail.html"
    return render(request, template, {"batch": batch, "importer": importer_for(batch.kind)})


@login_required
def import_error_report(request, pk: int):
    batch = _batch_for(request, pk)
    header = [_("Row"), _("Column"), _("Message")]
    rows = ([e.get("row"), e.get("column"), e.get("message")] for e in batch.errors)
    return csv_response(itertools.chain([header], rows), filename=f"import-{batch.pk}-errors.csv")


@role_required(*FX_RATE_READERS)
def fxrate_list(request):
    rates = listing(request, FX_RATE_LIST)
    importer = importer_for("fx_rates")
    context = {"listing": rates, "page": rates.page, "can_import": importer.can_use(request.user)}
    return render(request, "core/fxrate_list.html", context)


@role_required(Role.FINANCE, Role.CFO)
def settings_index(request):
    """The settings sections the user may edit (DESIGN §9)."""
    return render(
        request,
        "core/settings_index.html",
        {"settings_sections": settings_sections_for(request.user)},
    )


@role_required(Role.ADMIN)
def audit_list(request):
    events = listing(request, AUDIT_LIST)
    return render(
        request,
        "core/audit_list.html",
        {"listing": events, "page": events.page, "rows": audit_rows(events.page.object_list)},
    )


def is_api_request(request) -> bool:
    return request.path.startswith("/api/")


def _api_error(request, exception_class) -> JsonResponse | None:
    """Under /api/ errors are JSON like the API's own (`{"detail": ...}`), never a page."""
    if is_api_request(request):
        return JsonResponse(
            {"detail": str(exception_class.default_detail)}, status=exception_class.status_code
        )
    return None


def error_400(request, exception=None):
    return _api_error(request, api_exceptions.ParseError) or render(request, "400.html", status=400)


def error_403(request, exception=None):
    return _api_error(request, api_exceptions.PermissionDenied) or render(
        request, "403.html", status=403
    )


def error_404(request, exception=None):
    return _api_error(request, api_exceptions.NotFound) or render(request, "404.html", status=404)


def error_500(request):
    return _api_error(request, api_exceptions.APIException) or render(
        request, "500.html", status=500
    )
