from django.urls import path

from . import views

app_name = "training"

urlpatterns = [
    path("", views.course_list, name="course_list"),
    path("courses/new/", views.course_edit, name="course_create"),
    path("courses/<int:pk>/", views.course_detail, name="course_detail"),
    path("courses/<int:pk>/edit/", views.course_edit, name="course_edit"),
    path("courses/<int:course_pk>/modules/new/", views.module_edit, name="module_create"),
    path("courses/<int:course_pk>/modules/<int:pk>/", views.module_detail, name="module_detail"),
    path("courses/<int:course_pk>/modules/<int:pk>/edit/", views.module_edit, name="module_edit"),
    path(
        "courses/<int:course_pk>/modules/<int:pk>/file/",
        views.module_attachment,
        name="module_attachment",
    ),
    path(
        "courses/<int:course_pk>/modules/<int:pk>/complete/",
        views.module_complete,
        name="module_complete",
    ),
    path("courses/<int:course_pk>/exam/", views.exam_edit, name="exam_edit"),
    path("courses/<int:course_pk>/exam/questions/", views.question_list, name="question_list"),
    path("courses/<int:course_pk>/exam/start/", views.exam_start, name="exam_start"),
    path("attempts/<int:pk>/", views.attempt_take, name="attempt_take"),
    path("attempts/<int:pk>/result/", views.attempt_result, name="attempt_result"),
    path("certifications/", views.certification_list, name="certification_list"),
    path("certifications/<int:pk>/", views.certification_detail, name="certification_detail"),
    path("certifications/<int:pk>/pdf/", views.certification_pdf, name="certification_pdf"),
    path("coverage/", views.coverage, name="coverage"),
    path("coverage/partners/", views.coverage_report, name="coverage_report"),
    path("verify/<str:code>/", views.verify, name="verify"),
]
