from django.urls import path

from . import views

app_name = "funds"

urlpatterns = [
    path("", views.balance, name="balance"),
    path("ledger/", views.ledger, name="ledger"),
    path("roi/", views.roi_report, name="roi_report"),
    path("allocate/", views.allocate, name="allocate"),
    path("requests/", views.request_list, name="request_list"),
    path("requests/queue/", views.request_queue, name="request_queue"),
    path("requests/queue/bulk/", views.request_queue_bulk, name="request_queue_bulk"),
    path("requests/new/", views.request_create, name="request_create"),
    path("requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("requests/<int:pk>/approve/", views.request_approve, name="request_approve"),
    path("requests/<int:pk>/reject/", views.request_reject, name="request_reject"),
    path("requests/<int:pk>/result/", views.result_record, name="result_record"),
    path("requests/<int:pk>/claim/", views.claim_create, name="claim_create"),
    path("claims/", views.claim_list, name="claim_list"),
    path("claims/<int:pk>/", views.claim_detail, name="claim_detail"),
    path("claims/<int:pk>/validate/", views.claim_validate, name="claim_validate"),
    path("claims/<int:pk>/reject/", views.claim_reject, name="claim_reject"),
    path("attachments/<str:kind>/<int:pk>/", views.attachment_download, name="attachment"),
]
