from django.urls import path

from core.api.routers import SimpleRouter

from .views import ClaimViewSet, FundRequestViewSet, MdfBalanceApi, MdfLedgerEntryViewSet

router = SimpleRouter()
router.register("mdf/ledger", MdfLedgerEntryViewSet, basename="mdf-entry")
router.register("mdf/requests", FundRequestViewSet, basename="mdf-request")
router.register("mdf/claims", ClaimViewSet, basename="mdf-claim")

urlpatterns = [path("mdf/balance/", MdfBalanceApi.as_view(), name="mdf-balance"), *router.urls]
