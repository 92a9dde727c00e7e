from core.api.routers import DefaultRouter

from .views import CertificationViewSet, CourseViewSet, MyCertificationViewSet

router = DefaultRouter()
router.register("training/courses", CourseViewSet, basename="training-course")
router.register(
    "training/my-certifications", MyCertificationViewSet, basename="training-my-certification"
)
router.register("training/certifications", CertificationViewSet, basename="training-certification")

urlpatterns = router.urls
