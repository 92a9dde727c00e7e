from rest_framework.routers import DefaultRouter

from .views import CompanyUserViewSet, PartnerApplicationViewSet, PartnerViewSet

router = DefaultRouter()
router.register("partners/my-users", CompanyUserViewSet, basename="partner-user")
router.register("partners/applications", PartnerApplicationViewSet, basename="partner-application")
router.register("partners", PartnerViewSet, basename="partner")

urlpatterns = router.urls
