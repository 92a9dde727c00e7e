from django.urls import path

from . import views

app_name = "deals"

urlpatterns = [
    path("settings/", views.deal_settings, name="settings"),
    path("price-lists/", views.price_list_index, name="price_list_index"),
    path("price-lists/<int:pk>/", views.price_list_detail, name="price_list_detail"),
    path("price-lists/<int:pk>/schedule/", views.price_list_schedule, name="price_list_schedule"),
    path("", views.deal_list, name="list"),
    path("new/", views.deal_edit, name="create"),
    path("queue/", views.deal_queue, name="queue"),
    path("queue/bulk/", views.deal_queue_bulk, name="queue_bulk"),
    path("<int:pk>/", views.deal_detail, name="detail"),
    path("exits/<int:exit_pk>/handover/", views.exit_handover, name="exit_handover"),
    path("<int:pk>/edit/", views.deal_edit, name="edit"),
    path("<int:pk>/submit/", views.deal_submit, name="submit"),
    # Before "<decision>/decide/", which would otherwise take "extension" for a decision.
    path("<int:pk>/extension/", views.deal_extension_request, name="extension"),
    path("<int:pk>/extension/decide/", views.deal_extension_decide, name="extension_decide"),
    path("<int:pk>/<str:decision>/decide/", views.deal_decide, name="decide"),
    path("<int:pk>/close/<str:outcome>/", views.deal_close, name="close"),
    path("leads/", views.lead_list, name="lead_list"),
    path("leads/new/", views.lead_create, name="lead_create"),
    path("leads/<int:pk>/", views.lead_detail, name="lead_detail"),
    path("leads/<int:pk>/accept/", views.lead_accept, name="lead_accept"),
    path("leads/<int:pk>/decline/", views.lead_decline, name="lead_decline"),
    path("leads/<int:pk>/withdraw/", views.lead_withdraw, name="lead_withdraw"),
]
