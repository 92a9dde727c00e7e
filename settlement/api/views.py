"""Statements API: scoped reads, transitions as explicit POST endpoints (DESIGN §6.1)."""

from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from accounts.api.permissions import SeesCompanyFinance
from accounts.choices import FINANCE_ROLES
from core.api.bulk import BulkDecisionSerializer, BulkResultSerializer, bulk_result_data
from core.api.idempotency import idempotent_create
from core.api.views import HasRole
from core.bulk import bulk_apply

from .. import selectors, services
from ..choices import ResolutionAction
from ..filtersets import (
    AnomalyQueueFilterSet,
    OrderFilterSet,
    ReconciliationRunFilterSet,
    StatementFilterSet,
)
from ..models import SettlementPolicy
from .serializers import (
    AnomalyResolveInputSerializer,
    AnomalySerializer,
    DisputeInputSerializer,
    DisputeResolveInputSerializer,
    NoteInputSerializer,
    OrderSerializer,
    ReconciliationRunSerializer,
    SettlementPolicySerializer,
    StatementDetailSerializer,
    StatementSerializer,
)

FinanceOnly = HasRole.of(*FINANCE_ROLES)


class StatementViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = StatementSerializer
    permission_classes = [SeesCompanyFinance]
    # The statement list's own FilterSet: the same filters and sort keys as the page.
    filter_backends = [DjangoFilterBackend]
    filterset_class = StatementFilterSet

    def get_queryset(self):
        return selectors.statement_list_base_for(user=self.request.user)

    def get_serializer_class(self):
        return StatementDetailSerializer if self.action != "list" else StatementSerializer

    def _run(self, service, **kwargs):
        statement = selectors.statement_get_for(
            user=self.request.user, pk=self.kwargs["pk"], action="manage"
        )
        service(statement=statement, actor=self.request.user, **kwargs)
        fresh = selectors.statement_get_for(user=self.request.user, pk=statement.pk)
        return Response(
            StatementDetailSerializer(fresh, context=self.get_serializer_context()).data
        )

    @extend_schema(request=None, responses={200: StatementDetailSerializer})
    @action(detail=True, methods=["post"], permission_classes=[FinanceOnly])
    def submit(self, request, pk=None):
        return self._run(services.statement_submit)

    @extend_schema(request=NoteInputSerializer, responses={200: StatementDetailSerializer})
    @action(detail=True, methods=["post"], permission_classes=[FinanceOnly])
    def approve(self, request, pk=None):
        data = NoteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._run(services.statement_approve, note=data.validated_data["note"])

    @extend_schema(request=None, responses={200: StatementDetailSerializer})
    @action(detail=True, methods=["post"], permission_classes=[FinanceOnly])
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

    @extend_schema(
        request=DisputeResolveInputSerializer, responses={200: StatementDetailSerializer}
    )
    @action(
        detail=True, methods=["post"], url_path="resolve-dispute", permission_classes=[FinanceOnly]
    )
    def resolve_dispute(self, request, pk=None):
        """Answer the statement's open dispute: an adjustment on the next statement, or with
        `reissue` a new revision that supersedes the statement (DESIGN §6.2)."""
        data = DisputeResolveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        statement = selectors.statement_get_for(user=request.user, pk=pk, action="manage")
        dispute = selectors.statement_open_dispute(statement=statement)
        if dispute is None:
            raise ValidationError({"detail": _("This statement has no open dispute.")})
        services.dispute_resolve(
            dispute=dispute,
            actor=request.user,
            answer=data.validated_data["answer"],
            adjustment_amount=data.validated_data["adjustment_amount"],
            reissue=data.validated_data["reissue"],
        )
        fresh = selectors.statement_get_for(user=request.user, pk=statement.pk)
        return Response(
            StatementDetailSerializer(fresh, context=self.get_serializer_context()).data
        )

    @extend_schema(request=None, responses={200: StatementDetailSerializer})
    @action(detail=True, methods=["post"], url_path="mark-paid", permission_classes=[FinanceOnly])
    def mark_paid(self, request, pk=None):
        return self._run(services.statement_mark_paid)

    @extend_schema(request=None, responses={200: StatementDetailSerializer})
    @action(detail=True, methods=["post"], permission_classes=[FinanceOnly])
    def close(self, request, pk=None):
        return self._run(services.statement_close)


class ReconciliationRunViewSet(viewsets.ReadOnlyModelViewSet):
    """Runs of the matching job; POST starts one (its chunks run on the Celery workers)."""

    serializer_class = ReconciliationRunSerializer
    permission_classes = [FinanceOnly]
    filter_backends = [DjangoFilterBackend]
    filterset_class = ReconciliationRunFilterSet

    def get_queryset(self):
        return selectors.reconciliation_run_list_for(user=self.request.user)

    @extend_schema(request=None, responses={201: ReconciliationRunSerializer})
    @idempotent_create
    def create(self, request):
        run = services.reconciliation_run_start(actor=request.user)
        fresh = selectors.reconciliation_run_get_for(user=request.user, pk=run.pk)
        return Response(ReconciliationRunSerializer(fresh).data, status=status.HTTP_201_CREATED)


class OrderViewSet(viewsets.ReadOnlyModelViewSet):
    """Reconciliation results: orders with what was paid and delivered, filterable by status."""

    # The page's FilterSet: the same filters and sort keys (`settlement.lists.ORDER_LIST`).
    serializer_class = OrderSerializer
    permission_classes = [FinanceOnly]
    filter_backends = [DjangoFilterBackend]
    filterset_class = OrderFilterSet

    def get_queryset(self):
        return selectors.order_list_for(user=self.request.user)


class AnomalyViewSet(viewsets.ReadOnlyModelViewSet):
    """The anomaly queue; POST …/resolve/ records finance's action."""

    # The queue page's FilterSet: the same filters and sort keys (`settlement.lists.ANOMALY_LIST`).
    serializer_class = AnomalySerializer
    permission_classes = [FinanceOnly]
    filter_backends = [DjangoFilterBackend]
    filterset_class = AnomalyQueueFilterSet

    def get_queryset(self):
        return selectors.anomaly_list_for(user=self.request.user)

    @extend_schema(request=AnomalyResolveInputSerializer, responses={200: AnomalySerializer})
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        anomaly = selectors.anomaly_get_for(user=request.user, pk=pk)
        data = AnomalyResolveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.anomaly_resolve(
            anomaly=anomaly,
            actor=request.user,
            action=data.validated_data["action"],
            note=data.validated_data["note"],
        )
        return Response(AnomalySerializer(selectors.anomaly_get_for(user=request.user, pk=pk)).data)

    @extend_schema(request=BulkDecisionSerializer, responses={200: BulkResultSerializer})
    @action(detail=False, methods=["post"], url_path="bulk-resolve")
    @idempotent_create  # a retried bulk answers the first result instead of refusing each row
    def bulk_resolve(self, request):
        """Resolve the anomalies `ids` with one action (`decision`) and one note (`reason`, always
        required); each goes through its own resolution and audit row, as on the queue page."""
        body = BulkDecisionSerializer(
            data=request.data,
            decisions=ResolutionAction.values,
            reason_required=ResolutionAction.values,
        )
        body.is_valid(raise_exception=True)
        action, note = body.validated_data["decision"], body.validated_data["reason"]
        result = bulk_apply(
            rows=selectors.anomaly_list_for(user=request.user),
            ids=body.validated_data["ids"],
            decision=action,
            act=lambda anomaly: services.anomaly_resolve(
                anomaly=anomaly, actor=request.user, action=action, note=note
            ),
        )
        return Response(bulk_result_data(result))


class SettlementSettingsApi(generics.RetrieveUpdateAPIView):
    """The settlement settings (finance); PATCH changes them at once, with an audit row."""

    serializer_class = SettlementPolicySerializer
    permission_classes = [FinanceOnly]
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        return SettlementPolicy.current()

    def perform_update(self, serializer):
        services.settlement_policy_update(
            actor=self.request.user, values=dict(serializer.validated_data)
        )
        serializer.instance = SettlementPolicy.current()
