from django.urls import path

from . import views

app_name = "rebates"

urlpatterns = [
    path("", views.accrual_list, name="accrual_list"),
    path("<int:pk>/", views.accrual_detail, name="accrual_detail"),
    path("run/", views.accrual_run, name="accrual_run"),
    path("close/", views.quarter_close, name="quarter_close"),
    path("programmes/", views.programme_list, name="programme_list"),
    path("programmes/new/", views.programme_edit, name="programme_create"),
    path("programmes/<int:pk>/", views.programme_edit, name="programme_edit"),
    path("targets/", views.target_list, name="target_list"),
]
