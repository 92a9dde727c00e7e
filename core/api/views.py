from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from ..import_batches import import_batch_create
from ..imports import importers_for
from ..jobs import job_list_for, job_resume
from ..models import FxRate, ImportBatch, JobRun, Notification
from ..notifications import notification_mark_read
from ..roles import Role
from .serializers import (
    FxRateSerializer,
    ImportBatchSerializer,
    ImportUploadSerializer,
    JobRunSerializer,
    NotificationSerializer,
)


class IsVendorStaff(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_vendor_staff)


class HasRole(permissions.BasePermission):
    """Use as `HasRole.of(Role.FINANCE, ...)`; administrators always pass."""

    roles: frozenset[str] = frozenset()

    @classmethod
    def of(cls, *roles: str) -> type:
        return type("HasRole", (cls,), {"roles": frozenset(roles)})

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and (user.is_admin or user.role in self.roles))


class NotificationViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Notification.objects.none()  # the real one is per user (get_queryset)
    serializer_class = NotificationSerializer
    filterset_fields = ["kind"]

    def get_queryset(self):
        return self.request.user.notifications.all()

    @extend_schema(request=None, responses={200: NotificationSerializer})
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = self.get_object()
        notification_mark_read(user=request.user, notification_ids=[notification.pk])
        notification.refresh_from_db()
        return Response(self.get_serializer(notification).data)


class JobRunViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = JobRun.objects.none()
    serializer_class = JobRunSerializer
    filterset_fields = ["kind", "status"]

    def get_queryset(self):
        return job_list_for(user=self.request.user)

    @extend_schema(request=None, responses={200: JobRunSerializer})
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        """Resume a stalled job (or one stopped by a limit); audited."""
        job = self.get_object()
        try:
            job = job_resume(job=job, actor=request.user)
        except ValidationError as exc:
            return Response({"detail": exc.messages[0]}, status=status.HTTP_400_BAD_REQUEST)
        return Response(self.get_serializer(job).data)


class ImportBatchViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Upload a CSV/XLSX for one import kind; poll the batch for its status and error report."""

    queryset = ImportBatch.objects.none()
    serializer_class = ImportBatchSerializer
    permission_classes = [IsVendorStaff]
    parser_classes = [MultiPartParser, FormParser]
    filterset_fields = ["kind", "status"]

    def get_queryset(self):
        return ImportBatch.objects.filter(
            kind__in=[i.kind for i in importers_for(self.request.user)]
        )

    @extend_schema(request=ImportUploadSerializer, responses={201: ImportBatchSerializer})
    def create(self, request, *args, **kwargs):
        upload = ImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        try:
            batch = import_batch_create(
                kind=upload.validated_data["kind"],
                upload=upload.validated_data["file"],
                user=request.user,
            )
        except ValidationError as exc:
            detail = exc.message_dict if hasattr(exc, "error_dict") else {"file": exc.messages}
            return Response(detail, status=status.HTTP_400_BAD_REQUEST)
        batch.refresh_from_db()
        return Response(ImportBatchSerializer(batch).data, status=status.HTTP_201_CREATED)


class FxRateViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = FxRate.objects.all()
    serializer_class = FxRateSerializer
    permission_classes = [
        HasRole.of(Role.FINANCE, Role.CFO, Role.CHANNEL_DIRECTOR, Role.CHANNEL_MANAGER)
    ]
    filterset_fields = ["base_currency", "quote_currency", "rate_date"]
