from core.api.routers import SimpleRouter

from .views import AccrualViewSet, ProgrammeViewSet

router = SimpleRouter()
router.register("rebates/accruals", AccrualViewSet, basename="rebate-accrual")
router.register("rebates/programmes", ProgrammeViewSet, basename="rebate-programme")

urlpatterns = router.urls
