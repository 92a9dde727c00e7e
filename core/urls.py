from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("search/", views.search_results, name="search"),
    path("notifications/", views.notification_list, name="notification_list"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("notifications/read-all/", views.notification_read_all, name="notification_read_all"),
    path("notifications/menu/", views.notification_menu, name="notification_menu"),
    path(
        "notifications/preferences/",
        views.notification_preferences,
        name="notification_preferences",
    ),
    path("jobs/", views.job_list, name="job_list"),
    path("jobs/<int:pk>/", views.job_detail, name="job_detail"),
    path("jobs/<int:pk>/download/", views.job_download, name="job_download"),
    path("exports/<slug:key>/", views.export_download, name="export"),
    path("jobs/<int:pk>/resume/", views.job_resume_view, name="job_resume"),
    path("imports/", views.import_list, name="import_list"),
    path("imports/new/<slug:kind>/", views.import_upload, name="import_upload"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/errors.csv", views.import_error_report, name="import_error_report"),
    path("fx-rates/", views.fxrate_list, name="fxrate_list"),
    path("settings/", views.settings_index, name="settings"),
    path("audit/", views.audit_list, name="audit_list"),
    path("lists/<slug:key>/views/", views.saved_view_create, name="saved_view_create"),
    path("lists/views/<int:pk>/delete/", views.saved_view_remove, name="saved_view_delete"),
]
