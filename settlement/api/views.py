"""Statements API: scoped reads, transitions as explicit POST endpoints (DESIGN §6.1)."""

from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from .. import selectors, services
from .serializers import (
    DisputeInputSerializer,
    NoteInputSerializer,
    StatementDetailSerializer,
    StatementSerializer,
)


class StatementViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = StatementSerializer
    filterset_fields = ["period", "state", "currency"]

    def get_queryset(self):
        return selectors.statement_list_for(user=self.request.user)

    def get_serializer_class(self):
        return StatementDetailSerializer if self.action != "list" else StatementSerializer

    def _run(self, service, **kwargs):
        statement = selectors.statement_get_for(user=self.request.user, pk=self.kwargs["pk"])
        service(statement=statement, actor=self.request.user, **kwargs)
        fresh = selectors.statement_get_for(user=self.request.user, pk=statement.pk)
        return Response(StatementDetailSerializer(fresh).data)

    @extend_schema(request=None, responses={200: StatementDetailSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._run(services.statement_submit)

    @extend_schema(request=NoteInputSerializer, responses={200: StatementDetailSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        data = NoteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._run(services.statement_approve, note=data.validated_data["note"])

    @extend_schema(request=None, responses={200: StatementDetailSerializer})
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        return self._run(services.statement_publish)

    @extend_schema(request=None, responses={200: StatementDetailSerializer})
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        return self._run(services.statement_confirm)

    @extend_schema(request=DisputeInputSerializer, responses={200: StatementDetailSerializer})
    @action(detail=True, methods=["post"])
    def dispute(self, request, pk=None):
        data = DisputeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._run(
            services.statement_dispute,
            line_ids=data.validated_data["lines"],
            reason=data.validated_data["reason"],
        )

    @extend_schema(request=None, responses={200: StatementDetailSerializer})
    @action(detail=True, methods=["post"], url_path="mark-paid")
    def mark_paid(self, request, pk=None):
        return self._run(services.statement_mark_paid)

    @extend_schema(request=None, responses={200: StatementDetailSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._run(services.statement_close)
