import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.choices import Role
from training.models import Course, Module, ModuleCompletion

from .factories import CourseFactory, ExamFactory, ModuleFactory

pytestmark = pytest.mark.django_db


def test_course_list_requires_login(client):
    response = client.get(reverse("training:course_list"))
    assert response.status_code == 302


def test_course_list_filters_by_track_with_fixed_queries(
    client, partner_user, django_assert_max_num_queries
):
    # given
    for _ in range(5):
        ModuleFactory(course=CourseFactory(track="technical"))
    CourseFactory(track="sales", title="Selling switches")
    client.force_login(partner_user)
    # when
    with django_assert_max_num_queries(8):
        response = client.get(reverse("training:course_list"), {"track": "sales"})
    # then
    assert response.status_code == 200
    assert [c.title for c in response.context["page"]] == ["Selling switches"]


def test_unpublished_course_hidden_from_partner_users(client, partner_user):
    course = CourseFactory(is_published=False)
    client.force_login(partner_user)
    assert client.get(reverse("training:course_detail", args=[course.pk])).status_code == 404


def test_module_text_is_rendered_escaped(client, partner_user):
    module = ModuleFactory(body="<script>alert(1)</script>\n\nSecond")
    client.force_login(partner_user)
    response = client.get(reverse("training:module_detail", args=[module.course_id, module.pk]))
    assert b"<script>alert(1)" not in response.content
    assert b"&lt;script&gt;" in response.content


def test_mark_complete_with_htmx_tracks_progress_once(client, partner_user):
    # given
    course = CourseFactory()
    first, _second = ModuleFactory(course=course), ModuleFactory(course=course)
    client.force_login(partner_user)
    url = reverse("training:module_complete", args=[course.pk, first.pk])
    # when
    response = client.post(url, HTTP_HX_REQUEST="true")
    client.post(url, HTTP_HX_REQUEST="true")
    # then
    assert response.status_code == 200
    assert b"1 of 2 modules complete" in response.content
    assert ModuleCompletion.objects.filter(user=partner_user).count() == 1
    page = client.get(reverse("training:course_list"))
    assert page.context["page"][0].done_count == 1


def test_progress_is_per_user(client, partner_user, other_partner_user):
    module = ModuleFactory()
    client.force_login(partner_user)
    client.post(reverse("training:module_complete", args=[module.course_id, module.pk]))
    client.force_login(other_partner_user)
    page = client.get(reverse("training:course_list"))
    assert page.context["page"][0].done_count == 0


def test_partner_user_cannot_author_courses(client, partner_user):
    client.force_login(partner_user)
    response = client.post(reverse("training:course_create"), {"title": "x"})
    assert response.status_code == 403
    assert not Course.objects.exists()


def test_staff_creates_course_and_module(client, manager):
    client.force_login(manager)
    response = client.post(
        reverse("training:course_create"),
        {"title": "Campus switching", "track": "technical", "level": "mid", "is_published": "on"},
    )
    course = Course.objects.get()
    assert response.status_code == 302
    response = client.post(
        reverse("training:module_create", args=[course.pk]),
        {"position": 1, "title": "VLANs", "video_url": "https://video.example.com/v1"},
    )
    assert response.status_code == 302
    assert Module.objects.get().video_url == "https://video.example.com/v1"


def test_module_without_content_gives_error_and_saves_nothing(client, manager):
    course = CourseFactory()
    client.force_login(manager)
    response = client.post(
        reverse("training:module_create", args=[course.pk]), {"position": 1, "title": "Empty"}
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not Module.objects.exists()


def test_module_upload_is_validated_by_content(client, manager):
    course = CourseFactory()
    client.force_login(manager)
    fake = SimpleUploadedFile("slides.pdf", b"not a pdf at all", content_type="application/pdf")
    response = client.post(
        reverse("training:module_create", args=[course.pk]),
        {"position": 1, "title": "Slides", "attachment": fake},
    )
    assert response.status_code == 200
    assert "attachment" in response.context["form"].errors
    assert not Module.objects.exists()


def test_module_accepts_a_real_pdf(client, manager):
    course = CourseFactory()
    client.force_login(manager)
    real = SimpleUploadedFile("slides.pdf", b"%PDF-1.4 minimal", content_type="application/pdf")
    response = client.post(
        reverse("training:module_create", args=[course.pk]),
        {"position": 1, "title": "Slides", "attachment": real},
    )
    assert response.status_code == 302
    assert Module.objects.get().attachment.name.endswith(".pdf")


def test_question_form_requires_one_correct_for_single_choice(client, manager):
    from .factories import ExamFactory

    exam = ExamFactory()
    client.force_login(manager)
    response = client.post(
        reverse("training:question_list", args=[exam.course_id]),
        {"text": "Which?", "kind": "single", "options": "*A\n*B\nC"},
    )
    assert "options" in response.context["form"].errors
    assert not exam.questions.exists()
    client.post(
        reverse("training:question_list", args=[exam.course_id]),
        {"text": "Which?", "kind": "single", "options": "*A\nB\nC"},
    )
    assert exam.questions.get().options.filter(is_correct=True).count() == 1


@pytest.mark.parametrize("role", [Role.PARTNER_SALES, Role.PARTNER_ADMIN])
def test_partner_roles_can_read_courses(client, partner, role):
    from tests.factories import PartnerUserFactory

    user = PartnerUserFactory(partner=partner, role=role)
    course = CourseFactory()
    client.force_login(user)
    assert client.get(reverse("training:course_detail", args=[course.pk])).status_code == 200


def test_module_rich_text_renders_marks_and_escapes_everything_else():
    from training.richtext import render_rich_text

    html = render_rich_text(
        "# VLANs\n"
        "A **trunk** carries *many* VLANs; see `show vlan`.\n"
        "Read [the guide](https://example.com/vlan?a=1&b=2).\n\n"
        "- access port\n- trunk port\n\n"
        "1. plan\n2. configure\n\n"
        '<img src=x onerror=alert(1)> [x](javascript:alert(1)) [y](https://e.com/" onmouseover="x)'
    )
    assert "<h2>VLANs</h2>" in html
    assert "<strong>trunk</strong>" in html and "<em>many</em>" in html
    assert "<code>show vlan</code>" in html
    assert '<a href="https://example.com/vlan?a=1&amp;b=2" rel="noopener noreferrer"' in html
    assert "<ul><li>access port</li><li>trunk port</li></ul>" in html
    assert "<ol><li>plan</li><li>configure</li></ol>" in html
    assert "<img" not in html and "&lt;img" in html
    assert 'href="javascript' not in html
    assert 'onmouseover="' not in html


def test_module_page_shows_rich_text(client, partner_user):
    module = ModuleFactory(body="## Summary\n\n- one\n- two")
    client.force_login(partner_user)
    response = client.get(reverse("training:module_detail", args=[module.course_id, module.pk]))
    assert "<h3>Summary</h3>" in response.text
    assert "<ul><li>one</li><li>two</li></ul>" in response.text


def test_partner_users_cannot_open_any_authoring_page(client, partner_user):
    # given a course with a module and an exam
    course = CourseFactory()
    module = ModuleFactory(course=course)
    ExamFactory(course=course)
    client.force_login(partner_user)
    # when a partner user opens or posts to the staff authoring pages, then they are refused
    for url in (
        reverse("training:course_edit", args=[course.pk]),
        reverse("training:module_edit", args=[course.pk, module.pk]),
        reverse("training:exam_edit", args=[course.pk]),
    ):
        assert client.get(url).status_code == 403
        assert client.post(url, {"title": "Hijacked"}).status_code == 403
    course.refresh_from_db()
    assert course.title != "Hijacked"
