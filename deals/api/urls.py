from core.api.routers import DefaultRouter

from .views import DealViewSet, LeadViewSet

router = DefaultRouter()
router.register("deals", DealViewSet, basename="deal")
router.register("leads", LeadViewSet, basename="lead")

urlpatterns = router.urls
