from rest_framework.routers import DefaultRouter

from .views import StatementViewSet

router = DefaultRouter()
router.register("settlement/statements", StatementViewSet, basename="settlement-statement")

urlpatterns = router.urls
