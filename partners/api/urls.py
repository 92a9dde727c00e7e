from rest_framework.routers import DefaultRouter

from .views import (
    CompanyUserViewSet,
    NpsResponseViewSet,
    PartnerApplicationViewSet,
    PartnerViewSet,
    ScorecardViewSet,
    TierProposalViewSet,
)

router = DefaultRouter()
router.register("partners/my-users", CompanyUserViewSet, basename="partner-user")
router.register("partners/applications", PartnerApplicationViewSet, basename="partner-application")
router.register("partners/tier-proposals", TierProposalViewSet, basename="tier-proposal")
router.register("partners/scorecards", ScorecardViewSet, basename="scorecard")
router.register("partners/nps-responses", NpsResponseViewSet, basename="nps-response")
router.register("partners", PartnerViewSet, basename="partner")

urlpatterns = router.urls
