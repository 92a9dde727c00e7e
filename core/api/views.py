from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework import serializers as drf_serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from ..export_jobs import export_format_clean, export_start
from ..exports import EXPORT_FORMATS, XLSX_CONTENT_TYPE, export_get, export_keys
from ..files import stored_file_response
from ..import_batches import import_batch_create
from ..imports import importers_for
from ..jobs import job_list_for, job_resume
from ..listings import FxRateFilterSet, NotificationFilterSet, notification_list_for
from ..models import FxRate, ImportBatch, JobRun, Notification
from ..notifications import (
    GROUP_LABELS,
    notification_kinds_for,
    notification_mark_read,
    notification_preferences_for,
    notification_preferences_update,
    unread_count,
)
from ..roles import FX_RATE_READERS
from ..search import search, search_text_clean
from .idempotency import idempotent_create
from .serializers import (
    FxRateSerializer,
    ImportBatchSerializer,
    ImportUploadSerializer,
    JobRunSerializer,
    NotificationPreferencesSerializer,
    NotificationPreferencesUpdateSerializer,
    NotificationSerializer,
    ReadAllSerializer,
    SearchQuerySerializer,
    SearchResultSerializer,
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
    # The page's FilterSet: the same filters and sort keys (`core.listings.NOTIFICATION_LIST`).
    filter_backends = [DjangoFilterBackend]
    filterset_class = NotificationFilterSet

    def get_queryset(self):
        return notification_list_for(user=self.request.user)

    @extend_schema(request=None, responses={200: NotificationSerializer})
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = self.get_object()
        notification_mark_read(user=request.user, notification_ids=[notification.pk])
        notification.refresh_from_db()
        return Response(self.get_serializer(notification).data)

    @extend_schema(request=None, responses={200: ReadAllSerializer})
    @action(detail=False, methods=["post"], url_path="read-all")
    @idempotent_create  # a retried call answers what the first one marked
    def read_all(self, request):
        """Mark all the caller's notifications read."""
        marked = notification_mark_read(user=request.user)
        return Response({"marked": marked, "unread": unread_count(request.user)})


def _preferences(user) -> dict:
    kinds = {k.kind: k for k in notification_kinds_for(user)}
    rows = [
        {
            "kind": kind,
            "group": str(kinds[kind].group),
            "group_label": str(GROUP_LABELS[kinds[kind].group]),
            "label": str(kinds[kind].label),
            "delivery": delivery,
        }
        for kind, delivery in notification_preferences_for(user).items()
    ]
    return {"preferences": rows}


class NotificationPreferencesApi(APIView):
    """The caller's e-mail choice per notification kind: "email" (each one, the default),
    "digest" (one e-mail a day) or "off". PATCH or PUT changes the kinds it names."""

    @extend_schema(responses={200: NotificationPreferencesSerializer})
    def get(self, request):
        return Response(NotificationPreferencesSerializer(_preferences(request.user)).data)

    @extend_schema(
        request=NotificationPreferencesUpdateSerializer,
        responses={200: NotificationPreferencesSerializer},
    )
    def patch(self, request):
        data = NotificationPreferencesUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            notification_preferences_update(
                user=request.user, changes=data.validated_data["preferences"]
            )
        except ValidationError as exc:
            raise drf_serializers.ValidationError({"preferences": exc.message_dict}) from exc
        return Response(NotificationPreferencesSerializer(_preferences(request.user)).data)

    put = patch


class JobRunViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = JobRun.objects.none()
    serializer_class = JobRunSerializer
    filterset_fields = ["kind", "status"]

    def get_queryset(self):
        return job_list_for(user=self.request.user)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        """The job's result file (an export, a zip of statements): its owner's and
        administrators', like the job itself."""
        job = self.get_object()
        if not job.result_file:
            raise Http404
        return stored_file_response(
            job.result_file, filename=job.result_file.name.rsplit("/", 1)[-1]
        )

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
    @idempotent_create
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
    # The page's FilterSet: the same filters and sort keys (`core.listings.FX_RATE_LIST`).
    queryset = FxRate.objects.all()
    serializer_class = FxRateSerializer
    permission_classes = [HasRole.of(*FX_RATE_READERS)]
    filter_backends = [DjangoFilterBackend]
    filterset_class = FxRateFilterSet


class SearchApi(APIView):
    """The global search (DESIGN §8.1), scoped like the lists: each kind's best hits."""

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, required=True, description="What to search for."),
            OpenApiParameter("limit", int, description="Hits per kind, 1 to 20 (default 5)."),
        ],
        responses={200: SearchResultSerializer},
    )
    def get(self, request):
        query = SearchQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        try:
            text = search_text_clean(query.validated_data["q"])
        except ValidationError as exc:
            raise drf_serializers.ValidationError({"q": exc.messages}) from exc
        groups = search(
            user=request.user, text=text, limit=query.validated_data["limit"], door="api"
        )
        return Response(SearchResultSerializer({"q": text, "groups": groups}).data)


class ExportApi(APIView):
    """Export a list exactly as filtered: the list's filters as query parameters, `format` csv or
    xlsx. A small result is the file itself (200); a large one is queued as a job (202, its URL in
    `Location`), downloaded from `/jobs/{id}/download/` once it has succeeded."""

    def perform_content_negotiation(self, request, force=False):
        # `format` names the file's format here, not a renderer: answers other than the file are
        # always JSON.
        renderer = JSONRenderer()
        return renderer, renderer.media_type

    @extend_schema(
        operation_id="exports_retrieve",
        parameters=[
            OpenApiParameter(
                "key",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                enum=export_keys(),
                description="The list to export.",
            ),
            OpenApiParameter("format", OpenApiTypes.STR, enum=list(EXPORT_FORMATS)),
        ],
        responses={
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY,
            202: OpenApiResponse(JobRunSerializer, description="Queued as a job."),
        },
    )
    def get(self, request, key: str):
        export = export_get(key)
        if export is None:
            raise Http404
        if not export.allows(request.user):
            raise PermissionDenied
        export_format = export_format_clean(request.query_params.get("format"))
        answer = export_start(
            user=request.user,
            export=export,
            query=request.query_params,
            export_format=export_format,
            door="api",
        )
        if not isinstance(answer, JobRun):
            return answer
        location = reverse("job-detail", args=[answer.pk])
        answer.refresh_from_db()
        return Response(
            JobRunSerializer(answer).data,
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": request.build_absolute_uri(location)},
        )
