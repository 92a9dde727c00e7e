from rest_framework.routers import DefaultRouter

from .relationship import AgreementViewSet, BusinessReportViewSet, CreditApplicationViewSet
from .views import CompanyUserViewSet, PartnerApplicationViewSet, PartnerViewSet

router = DefaultRouter()
router.register("partners/my-users", CompanyUserViewSet, basename="partner-user")
router.register("partners/applications", PartnerApplicationViewSet, basename="partner-application")
# Registered before "partners" so that "partners/<pk>/" does not swallow these prefixes.
router.register("partners/agreements", AgreementViewSet, basename="partner-agreement")
router.register("partners/credit", CreditApplicationViewSet, basename="partner-credit")
router.register("partners/reports", BusinessReportViewSet, basename="partner-report")
router.register("partners", PartnerViewSet, basename="partner")

urlpatterns = router.urls
