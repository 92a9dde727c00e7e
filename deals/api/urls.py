from django.urls import path

from core.api.routers import DefaultRouter

from .views import DealSettingsApi, DealViewSet, LeadViewSet, PriceListEntryViewSet

router = DefaultRouter()
router.register("deals", DealViewSet, basename="deal")
router.register("leads", LeadViewSet, basename="lead")
router.register("price-list-entries", PriceListEntryViewSet, basename="price-list-entry")

# Before the router: "settings" is not a deal id.
urlpatterns = [
    path("deals/settings/", DealSettingsApi.as_view(), name="deal-settings"),
    *router.urls,
]
