from django.urls import path

from core.api.routers import DefaultRouter

from .views import (
    AnomalyViewSet,
    OrderViewSet,
    ReconciliationRunViewSet,
    SettlementSettingsApi,
    StatementViewSet,
)

router = DefaultRouter()
router.register("settlement/statements", StatementViewSet, basename="settlement-statement")
router.register(
    "settlement/reconciliation-runs", ReconciliationRunViewSet, basename="settlement-run"
)
router.register("settlement/orders", OrderViewSet, basename="settlement-order")
router.register("settlement/anomalies", AnomalyViewSet, basename="settlement-anomaly")

urlpatterns = [
    path("settlement/settings/", SettlementSettingsApi.as_view(), name="settlement-settings"),
    *router.urls,
]
