from django.urls import path

from .routers import DefaultRouter
from .views import (
    ExportApi,
    FxRateViewSet,
    ImportBatchViewSet,
    JobRunViewSet,
    NotificationPreferencesApi,
    NotificationViewSet,
    SearchApi,
)

router = DefaultRouter()
router.register("notifications", NotificationViewSet, basename="notification")
router.register("jobs", JobRunViewSet, basename="job")
router.register("imports", ImportBatchViewSet, basename="import")
router.register("fx-rates", FxRateViewSet, basename="fxrate")

urlpatterns = [
    path("search/", SearchApi.as_view(), name="api-search"),
    path(
        "me/notification-preferences/",
        NotificationPreferencesApi.as_view(),
        name="api-notification-preferences",
    ),
    *router.urls,
    path("exports/<str:key>/", ExportApi.as_view(), name="export"),
]
