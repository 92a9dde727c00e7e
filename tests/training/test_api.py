import pytest

from accounts.choices import Role
from tests.factories import PartnerUserFactory
from training.services import attempt_start

from .factories import CertificationFactory, CourseFactory, ModuleFactory, exam_with_bank

pytestmark = pytest.mark.django_db


def test_courses_api_requires_authentication(api_client):
    assert api_client.get("/api/v1/training/courses/").status_code in (401, 403)


def test_course_detail_has_modules_and_no_answers(api_client, partner_user):
    exam = exam_with_bank()
    ModuleFactory(course=exam.course, title="Intro")
    api_client.force_authenticate(partner_user)
    response = api_client.get(f"/api/v1/training/courses/{exam.course_id}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert response.json()["modules"][0]["title"] == "Intro"
    assert "is_correct" not in body and "right 0" not in body


def test_course_list_filter_and_fixed_queries(
    api_client, partner_user, django_assert_max_num_queries
):
    for _ in range(5):
        CourseFactory(track="technical")
    CourseFactory(track="sales")
    api_client.force_authenticate(partner_user)
    with django_assert_max_num_queries(6):
        response = api_client.get("/api/v1/training/courses/", {"track": "technical"})
    assert response.json()["count"] == 5


def test_my_progress(api_client, partner_user):
    module = ModuleFactory()
    ModuleFactory(course=module.course)
    from training.services import module_complete

    module_complete(user=partner_user, module=module)
    api_client.force_authenticate(partner_user)
    response = api_client.get("/api/v1/training/courses/progress/")
    assert response.json()["results"] == [
        {
            "course": module.course_id,
            "title": module.course.title,
            "title_zh": "",
            "display_name": module.course.title,
            "done": 1,
            "total": 2,
        }
    ]


def test_my_certifications_only_mine(api_client, partner, partner_user):
    mine = CertificationFactory(user=partner_user)
    CertificationFactory(user=PartnerUserFactory(partner=partner, role=Role.PARTNER_SALES))
    api_client.force_authenticate(partner_user)
    response = api_client.get("/api/v1/training/my-certifications/")
    assert [c["id"] for c in response.json()["results"]] == [mine.pk]


def test_staff_certifications_by_partner(api_client, manager, partner, other_partner):
    ours = CertificationFactory(user=PartnerUserFactory(partner=partner))
    CertificationFactory(user=PartnerUserFactory(partner=other_partner))
    api_client.force_authenticate(manager)
    response = api_client.get("/api/v1/training/certifications/", {"partner": partner.pk})
    assert [c["id"] for c in response.json()["results"]] == [ours.pk]


def test_staff_certifications_refused_to_partner_users(api_client, partner_user):
    cert = CertificationFactory(user=partner_user)
    api_client.force_authenticate(partner_user)
    assert api_client.get("/api/v1/training/certifications/").status_code == 403
    assert api_client.get(f"/api/v1/training/certifications/{cert.pk}/").status_code == 403


def test_open_attempt_is_not_exposed_by_the_api(api_client, partner_user):
    exam = exam_with_bank()
    attempt_start(user=partner_user, exam=exam)
    api_client.force_authenticate(partner_user)
    response = api_client.get(f"/api/v1/training/courses/{exam.course_id}/")
    assert "question" not in response.content.decode()


def test_unpublished_course_is_404_for_partner_users(api_client, partner_user):
    draft = CourseFactory(is_published=False)
    api_client.force_authenticate(partner_user)
    assert api_client.get(f"/api/v1/training/courses/{draft.pk}/").status_code == 404


def test_bad_filters_are_field_errors_not_500(api_client, manager, partner_user):
    api_client.force_authenticate(partner_user)
    response = api_client.get("/api/v1/training/courses/", {"track": "juggling"})
    assert response.status_code == 400 and "track" in response.json()
    api_client.force_authenticate(manager)
    response = api_client.get("/api/v1/training/certifications/", {"level": "wizard"})
    assert response.status_code == 400 and "level" in response.json()
    # a partner is named by id or by (part of) its name, so any text is a valid filter
    response = api_client.get("/api/v1/training/certifications/", {"partner": "abc"})
    assert response.status_code == 200 and response.json()["results"] == []


def test_my_certifications_cannot_be_widened_to_another_company(
    api_client, partner_user, other_partner
):
    CertificationFactory(user=PartnerUserFactory(partner=other_partner))
    api_client.force_authenticate(partner_user)
    response = api_client.get("/api/v1/training/my-certifications/", {"partner": other_partner.pk})
    assert response.json()["results"] == []


def test_my_certification_detail_is_404_for_anyone_elses(
    api_client, partner, partner_user, other_partner
):
    mine = CertificationFactory(user=partner_user)
    colleague = CertificationFactory(user=PartnerUserFactory(partner=partner))
    theirs = CertificationFactory(user=PartnerUserFactory(partner=other_partner))
    api_client.force_authenticate(partner_user)
    url = "/api/v1/training/my-certifications/{}/"
    assert api_client.get(url.format(mine.pk)).json()["code"] == mine.code
    assert api_client.get(url.format(colleague.pk)).status_code == 404
    assert api_client.get(url.format(theirs.pk)).status_code == 404


def test_certifications_list_and_api_for_staff_are_read_only(api_client, manager):
    cert = CertificationFactory()
    api_client.force_authenticate(manager)
    assert api_client.get(f"/api/v1/training/certifications/{cert.pk}/").json()["code"] == cert.code
    assert api_client.delete(f"/api/v1/training/certifications/{cert.pk}/").status_code == 405
    assert api_client.get("/api/v1/training/certifications/999999/").status_code == 404
