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
    path("applications/bulk/", views.application_bulk, name="application_bulk"),
    path("applications/<int:pk>/", views.application_detail, name="application_detail"),
    path("applications/<int:pk>/advance/", views.application_advance, name="application_advance"),
    path("applications/<int:pk>/reject/", views.application_reject, name="application_reject"),
    path("applications/<int:pk>/assess/", views.application_assess, name="application_assess"),
    # tiers, scorecards and NPS
    path("tiers/proposals/", views.tier_proposals, name="tier_proposals"),
    path("tiers/proposals/bulk/", views.tier_proposal_bulk, name="tier_proposal_bulk"),
    path(
        "tiers/proposals/<int:pk>/confirm/",
        views.tier_proposal_confirm,
        name="tier_proposal_confirm",
    ),
    path(
        "tiers/proposals/<int:pk>/reject/", views.tier_proposal_reject, name="tier_proposal_reject"
    ),
    path("scorecards/weights/", views.scorecard_weights, name="scorecard_weights"),
    path(
        "scorecards/weight-sets/new/",
        views.scorecard_weight_set_edit,
        name="scorecard_weight_set_create",
    ),
    path(
        "scorecards/weight-sets/<int:pk>/",
        views.scorecard_weight_set_edit,
        name="scorecard_weight_set_edit",
    ),
    path("scorecards/<int:pk>/", views.scorecard_detail, name="scorecard_detail"),
    path("<int:pk>/scorecards/evaluate/", views.scorecard_evaluate, name="scorecard_evaluate"),
    path("<int:pk>/nps/", views.nps_record, name="nps_record"),
    # --- agreements, credit limits, business reports and visits (DESIGN §2.5, §2.6, §2.8) ---
    path("agreements/", views.agreement_list, name="agreement_list"),
    path("agreements/new/", views.agreement_create, name="agreement_create"),
    path("agreements/<int:pk>/", views.agreement_detail, name="agreement_detail"),
    path("agreements/<int:pk>/edit/", views.agreement_edit, name="agreement_edit"),
    path("agreements/<int:pk>/submit/", views.agreement_submit, name="agreement_submit"),
    path("agreements/<int:pk>/review/", views.agreement_review, name="agreement_review"),
    path("agreements/<int:pk>/sign/", views.agreement_sign, name="agreement_sign"),
    path("agreements/<int:pk>/activate/", views.agreement_activate, name="agreement_activate"),
    path("agreements/<int:pk>/terminate/", views.agreement_terminate, name="agreement_terminate"),
    path("agreements/<int:pk>/amend/", views.agreement_amend, name="agreement_amend"),
    path("agreements/<int:pk>/document/", views.agreement_document, name="agreement_document"),
    path("credit/", views.credit_list, name="credit_list"),
    path("credit/apply/", views.credit_apply, name="credit_apply"),
    path("credit/<int:pk>/", views.credit_detail, name="credit_detail"),
    path("credit/<int:pk>/decide/", views.credit_decide, name="credit_decide"),
    path("credit/<int:pk>/withdraw/", views.credit_withdraw, name="credit_withdraw"),
    path("reports/", views.report_list, name="report_list"),
    path("reports/new/", views.report_create, name="report_create"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("reports/<int:pk>/review/", views.report_review, name="report_review"),
    path("reports/<int:pk>/resubmit/", views.report_resubmit, name="report_resubmit"),
    path("visits/", views.visit_list, name="visit_list"),
    path("visits/new/", views.visit_create, name="visit_create"),
    path("visits/<int:pk>/", views.visit_detail, name="visit_detail"),
    path("visits/<int:pk>/record/", views.visit_record, name="visit_record"),
    path("visits/<int:pk>/cancel/", views.visit_cancel, name="visit_cancel"),
]
