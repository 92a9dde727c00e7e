from django.db.models import Prefetch
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action

from accounts.choices import Role
from core.api.views import HasRole

from .. import selectors
from ..filtersets import CertificationFilterSet, CourseFilterSet
from ..models import Certification, Course, Module
from .serializers import (
    CertificationSerializer,
    CourseDetailSerializer,
    CourseSerializer,
    ProgressSerializer,
)


class CourseViewSet(viewsets.ReadOnlyModelViewSet):
    """Published courses with the caller's progress; no exam content."""

    queryset = Course.objects.none()  # schema generation only; get_queryset() scopes
    serializer_class = CourseSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = CourseFilterSet

    def get_queryset(self):
        courses = selectors.course_list_for(user=self.request.user)
        if self.action == "retrieve":
            courses = courses.prefetch_related(
                Prefetch("modules", queryset=Module.objects.order_by("position"))
            )
        return courses

    def get_serializer_class(self):
        return CourseDetailSerializer if self.action == "retrieve" else CourseSerializer

    @extend_schema(responses={200: ProgressSerializer(many=True)})
    @action(detail=False, methods=["get"])
    def progress(self, request):
        courses = selectors.progress_list_for(user=request.user)
        page = self.paginate_queryset(courses)
        return self.get_paginated_response(ProgressSerializer(page, many=True).data)


class MyCertificationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The caller's own certifications; anyone else's is not found."""

    queryset = Certification.objects.none()  # schema generation only; get_queryset() scopes
    serializer_class = CertificationSerializer

    def get_queryset(self):
        return selectors.certification_list_for(user=self.request.user, mine=True)


class CertificationViewSet(viewsets.ReadOnlyModelViewSet):
    """Staff: certifications of every partner, filterable by partner, track, level."""

    serializer_class = CertificationSerializer
    permission_classes = [HasRole.of(Role.CHANNEL_MANAGER, Role.CHANNEL_DIRECTOR)]
    filter_backends = [DjangoFilterBackend]
    filterset_class = CertificationFilterSet

    def get_queryset(self):
        return selectors.certification_list_for(user=self.request.user)
