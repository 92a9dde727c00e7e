from django.urls import path

from . import views

app_name = "partners"

urlpatterns = [
    path("", views.partner_list, name="partner_list"),
    path("<int:pk>/", views.partner_detail, name="partner_detail"),
    path("<int:pk>/edit/", views.partner_edit, name="partner_edit"),
    path("<int:pk>/freeze/", views.partner_freeze, name="partner_freeze"),
    path("<int:pk>/unfreeze/", views.partner_unfreeze_approve, name="partner_unfreeze"),
    path("<int:pk>/violations/new/", views.violation_create, name="violation_create"),
    path("my-company/", views.my_company, name="my_company"),
    path("my-company/users/invite/", views.partner_user_invite, name="user_invite"),
    path(
        "my-company/users/<int:user_pk>/deactivate/",
        views.partner_user_deactivate,
        name="user_deactivate",
    ),
    path("my-company/users/<int:user_pk>/role/", views.partner_user_role, name="user_role"),
    path("apply/", views.apply, name="apply"),
    path("apply/thanks/", views.apply_done, name="apply_done"),
    path("applications/", views.application_list, name="application_list"),
    path("applications/<int:pk>/", views.application_detail, name="application_detail"),
    path("applications/<int:pk>/advance/", views.application_advance, name="application_advance"),
    path("applications/<int:pk>/reject/", views.application_reject, name="application_reject"),
    path("applications/<int:pk>/assess/", views.application_assess, name="application_assess"),
    # tiers, scorecards and NPS
    path("tiers/proposals/", views.tier_proposals, name="tier_proposals"),
    path(
        "tiers/proposals/<int:pk>/confirm/",
        views.tier_proposal_confirm,
        name="tier_proposal_confirm",
    ),
    path(
        "tiers/proposals/<int:pk>/reject/", views.tier_proposal_reject, name="tier_proposal_reject"
    ),
    path("scorecards/weights/", views.scorecard_weights, name="scorecard_weights"),
    path("scorecards/<int:pk>/", views.scorecard_detail, name="scorecard_detail"),
    path("<int:pk>/scorecards/evaluate/", views.scorecard_evaluate, name="scorecard_evaluate"),
    path("<int:pk>/nps/", views.nps_record, name="nps_record"),
]
