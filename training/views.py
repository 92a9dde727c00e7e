"""Pages of the training app: thin views over selectors and services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.choices import Role
from core.audit import audit_record
from core.dbrouter import reads_from_replica
from core.exports import EXPORT_FORMATS
from core.files import stored_file_response
from core.params import parse_id
from core.permissions import role_required
from core.views import export_page, listing

from . import selectors, services
from .choices import AttemptStatus
from .forms import CourseForm, ExamForm, ModuleForm, QuestionForm
from .lists import CERTIFICATION_LIST, COURSE_LIST, COVERAGE_LIST
from .models import Attempt, Exam, Module, Question

AUTHORS = (Role.ADMIN, Role.CHANNEL_MANAGER, Role.CHANNEL_DIRECTOR)


@login_required
def course_list(request):
    courses = listing(request, COURSE_LIST)
    selectors.course_progress_attach(courses.page.object_list, user=request.user)
    return render(
        request,
        "training/course_list.html",
        {
            "listing": courses,
            "page": courses.page,
            "can_author": request.user.role in AUTHORS,
        },
    )


@login_required
def course_detail(request, pk: int):
    course = selectors.course_get_for(user=request.user, pk=pk)
    exam = getattr(course, "exam", None)
    attempts = []
    if exam is not None:
        attempts = list(
            Attempt.objects.visible_to(request.user).filter(user=request.user, exam=exam)[:10]
        )
    return render(
        request,
        "training/course_detail.html",
        {
            "course": course,
            "exam": exam,
            "progress": selectors.course_progress(user=request.user, course=course),
            "attempts": attempts,
            "can_author": request.user.role in AUTHORS,
        },
    )


@role_required(*AUTHORS)
def course_edit(request, pk: int | None = None):
    course = selectors.course_get_for(user=request.user, pk=pk) if pk else None
    form = CourseForm(request.POST or None, instance=course)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            course = form.save()
            audit_record(actor=request.user, action="course.saved", obj=course)
        return redirect("training:course_detail", course.pk)
    return render(request, "training/form.html", {"form": form, "heading": _("Course")})


@role_required(*AUTHORS)
def module_edit(request, course_pk: int, pk: int | None = None):
    course = selectors.course_get_for(user=request.user, pk=course_pk)
    module = get_object_or_404(Module, course=course, pk=pk) if pk else None
    form = ModuleForm(request.POST or None, request.FILES or None, instance=module, course=course)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            module = form.save()
            audit_record(actor=request.user, action="module.saved", obj=module)
        return redirect("training:course_detail", course.pk)
    return render(
        request, "training/form.html", {"form": form, "heading": _("Module"), "course": course}
    )


@role_required(*AUTHORS)
def exam_edit(request, course_pk: int):
    course = selectors.course_get_for(user=request.user, pk=course_pk)
    exam = Exam.objects.filter(course=course).first() or Exam(course=course)
    form = ExamForm(request.POST or None, instance=exam)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            exam = form.save()
            audit_record(actor=request.user, action="exam.saved", obj=exam)
        return redirect("training:question_list", course.pk)
    return render(
        request, "training/form.html", {"form": form, "heading": _("Exam"), "course": course}
    )


@role_required(*AUTHORS)
def question_list(request, course_pk: int):
    course = selectors.course_get_for(user=request.user, pk=course_pk)
    exam = get_object_or_404(Exam, course=course)
    form = QuestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.question_create(
            exam=exam,
            text=form.cleaned_data["text"],
            kind=form.cleaned_data["kind"],
            options=form.cleaned_data["parsed_options"],
            actor=request.user,
        )
        return redirect("training:question_list", course.pk)
    questions = Question.objects.filter(exam=exam).prefetch_related("options")
    return render(
        request,
        "training/question_list.html",
        {"course": course, "exam": exam, "questions": questions, "form": form},
    )


@login_required
def module_detail(request, course_pk: int, pk: int):
    course = selectors.course_get_for(user=request.user, pk=course_pk)
    module = get_object_or_404(Module, course=course, pk=pk)
    progress = selectors.course_progress(user=request.user, course=course)
    modules = list(course.modules.all())
    index = modules.index(module)
    return render(
        request,
        "training/module_detail.html",
        {
            "course": course,
            "module": module,
            "done": module.pk in progress["done_ids"],
            "progress": progress,
            "previous": modules[index - 1] if index > 0 else None,
            "next": modules[index + 1] if index + 1 < len(modules) else None,
        },
    )


@login_required
def module_attachment(request, course_pk: int, pk: int):
    """The module's file, for whoever may open the module (the file has no link of its own)."""
    course = selectors.course_get_for(user=request.user, pk=course_pk)
    module = get_object_or_404(Module, course=course, pk=pk)
    if not module.attachment:
        raise Http404
    return stored_file_response(
        module.attachment, filename=module.attachment.name.rsplit("/", 1)[-1]
    )


@login_required
@require_POST
def module_complete(request, course_pk: int, pk: int):
    course = selectors.course_get_for(user=request.user, pk=course_pk)
    module = get_object_or_404(Module, course=course, pk=pk)
    services.module_complete(user=request.user, module=module)
    progress = selectors.course_progress(user=request.user, course=course)
    if request.headers.get("HX-Request"):
        return render(
            request,
            "training/partials/module_done.html",
            {"course": course, "module": module, "done": True, "progress": progress},
        )
    return redirect("training:module_detail", course.pk, module.pk)


@login_required
@require_POST
def exam_start(request, course_pk: int):
    course = selectors.course_get_for(user=request.user, pk=course_pk)
    exam = get_object_or_404(Exam, course=course)
    try:
        attempt = services.attempt_start(user=request.user, exam=exam)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("training:course_detail", course.pk)
    return redirect("training:attempt_take", attempt.pk)


def _own_attempt(request, pk: int) -> Attempt:
    return get_object_or_404(
        Attempt.objects.visible_to(request.user).select_related("exam__course"),
        pk=pk,
        user=request.user,
    )


@login_required
def attempt_take(request, pk: int):
    attempt = _own_attempt(request, pk)
    if request.method == "POST":
        answers = {}
        for qid in attempt.question_ids:
            picked = [parse_id(v) for v in request.POST.getlist(f"q{qid}")]
            if None in picked:
                messages.error(
                    request, _("An answer is not one of the options; nothing was submitted.")
                )
                return redirect("training:attempt_take", attempt.pk)
            answers[str(qid)] = picked
        try:
            services.attempt_submit(attempt=attempt, user=request.user, answers=answers)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        return redirect("training:attempt_result", attempt.pk)
    if not attempt.is_open:
        return redirect("training:attempt_result", attempt.pk)
    # Only question text and option text reach the page: never `is_correct`.
    by_id = {
        q.pk: q
        for q in Question.objects.filter(pk__in=attempt.question_ids).prefetch_related("options")
    }
    questions = [
        {
            "pk": by_id[qid].pk,
            "text": by_id[qid].text,
            "multiple": by_id[qid].kind == "multiple",
            "options": [{"pk": o.pk, "text": o.text} for o in by_id[qid].options.all()],
        }
        for qid in attempt.question_ids
        if qid in by_id
    ]
    remaining = max(0, int((attempt.deadline - timezone.now()).total_seconds() // 60))
    return render(
        request,
        "training/attempt_take.html",
        {"attempt": attempt, "questions": questions, "remaining": remaining},
    )


@login_required
def attempt_result(request, pk: int):
    attempt = _own_attempt(request, pk)
    certification = getattr(attempt, "certification", None)
    return render(
        request,
        "training/attempt_result.html",
        {
            "attempt": attempt,
            "certification": certification,
            "expired": attempt.status == AttemptStatus.IN_PROGRESS and not attempt.is_open,
        },
    )


@login_required
def certification_list(request):
    certs = listing(request, CERTIFICATION_LIST)
    return render(
        request,
        "training/certification_list.html",
        {"listing": certs, "page": certs.page, "today": timezone.localdate()},
    )


@login_required
def certification_detail(request, pk: int):
    cert = selectors.certification_get_for(user=request.user, pk=pk)
    return render(
        request,
        "training/certification_detail.html",
        {"cert": cert, "valid": cert.is_valid_on(timezone.localdate())},
    )


@login_required
def certification_pdf(request, pk: int):
    from .pdf import certificate_pdf

    cert = selectors.certification_get_for(user=request.user, pk=pk)
    language = request.GET.get("lang") or request.user.language
    if language not in ("en", "zh-hans"):
        raise Http404
    response = HttpResponse(
        certificate_pdf(cert, language=language), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="certificate-{cert.code}.pdf"'
    return response


def verify(request, code: str):
    cert = selectors.certification_get_by_code(code=code)
    if cert is None:
        return render(request, "training/verify_not_found.html", {"code": code}, status=404)
    today = timezone.localdate()
    return render(
        request,
        "training/verify.html",
        {
            "holder": cert.user.full_name,
            "company": cert.partner.legal_name,
            "track": cert.get_track_display(),
            "level": cert.get_level_display(),
            "issued_on": cert.issued_on,
            "expires_on": cert.expires_on,
            "valid": cert.is_valid_on(today),
        },
    )


@role_required(Role.PARTNER_ADMIN)
def coverage(request):
    if not request.user.is_partner_user:
        raise PermissionDenied
    data = selectors.coverage_for_partner(partner=request.user.partner)
    return render(request, "training/coverage.html", data | {"partner": request.user.partner})


@role_required(*AUTHORS)
@reads_from_replica
def coverage_report(request):
    export_format = request.GET.get("export", "")
    if export_format in EXPORT_FORMATS:
        return export_page(request, "coverage", export_format)
    coverage = listing(request, COVERAGE_LIST)
    coverage.page.object_list = selectors.with_next_tier(coverage.page.object_list)
    return render(
        request, "training/coverage_report.html", {"listing": coverage, "page": coverage.page}
    )
