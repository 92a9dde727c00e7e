from core.api.routers import DefaultRouter

from .exits import PartnerExitViewSet
from .relationship import AgreementViewSet, BusinessReportViewSet, CreditApplicationViewSet
from .risk import CreditLimitProposalViewSet, CreditRatingViewSet, NpsWarningViewSet
from .views import (
    CompanyUserViewSet,
    NpsResponseViewSet,
    PartnerApplicationViewSet,
    PartnerViewSet,
    ScorecardViewSet,
    ScorecardWeightSetViewSet,
    TierProposalViewSet,
)

# Every "partners/<name>" prefix is registered before "partners" so that "partners/<pk>/" does
# not swallow it.
router = DefaultRouter()
router.register("partners/my-users", CompanyUserViewSet, basename="partner-user")
router.register("partners/applications", PartnerApplicationViewSet, basename="partner-application")
router.register("partners/tier-proposals", TierProposalViewSet, basename="tier-proposal")
router.register(
    "partners/scorecard-weight-sets", ScorecardWeightSetViewSet, basename="scorecard-weight-set"
)
router.register("partners/scorecards", ScorecardViewSet, basename="scorecard")
router.register("partners/nps-responses", NpsResponseViewSet, basename="nps-response")
router.register("partners/agreements", AgreementViewSet, basename="partner-agreement")
router.register("partners/credit-ratings", CreditRatingViewSet, basename="credit-rating")
router.register("partners/credit-proposals", CreditLimitProposalViewSet, basename="credit-proposal")
router.register("partners/nps-warnings", NpsWarningViewSet, basename="nps-warning")
router.register("partners/credit", CreditApplicationViewSet, basename="partner-credit")
router.register("partners/reports", BusinessReportViewSet, basename="partner-report")
router.register("partners/exits", PartnerExitViewSet, basename="partner-exit")
router.register("partners", PartnerViewSet, basename="partner")

urlpatterns = router.urls
