"""API for agreements (read), credit limit applications and business reports (DESIGN §2.5–§2.8).

Every queryset goes through the partners selectors, so a partner user reaches only its own
company's rows; anything else answers 404.
"""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from accounts.api.permissions import SeesCompanyFinance
from accounts.choices import Role
from core.api.idempotency import idempotent_create

from .. import selectors, services
from ..choices import CreditKind
from ..filtersets import AgreementFilterSet, BusinessReportFilterSet, CreditApplicationFilterSet
from ..models import Agreement, BusinessReport, CreditApplication

# --- serializers ------------------------------------------------------------------------------


class AgreementSerializer(serializers.ModelSerializer):
    partner_name = serializers.CharField(source="partner.legal_name", read_only=True)
    document_url = serializers.SerializerMethodField()

    class Meta:
        model = Agreement
        fields = [
            "id",
            "partner",
            "partner_name",
            "number",
            "version",
            "amends",
            "title",
            "terms",
            "start_date",
            "end_date",
            "status",
            "signed_on",
            "termination_reason",
            "document_url",
        ]
        read_only_fields = fields

    def get_document_url(self, obj) -> str | None:
        if not obj.signed_document:
            return None
        return reverse("partners:agreement_document", args=[obj.pk])


class CreditApplicationSerializer(serializers.ModelSerializer):
    class Meta:
        model = CreditApplication
        fields = [
            "id",
            "partner",
            "kind",
            "amount",
            "currency",
            "project_name",
            "valid_until",
            "justification",
            "status",
            "decision_note",
            "decided_at",
            "created_at",
        ]
        read_only_fields = fields


class CreditApplicationInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CreditKind.choices)
    amount = serializers.DecimalField(max_digits=18, decimal_places=2, min_value=Decimal("0.01"))
    project_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    valid_until = serializers.DateField(required=False, allow_null=True)
    justification = serializers.CharField()


class ExposureSerializer(serializers.Serializer):
    currency = serializers.CharField()
    normal_limit = serializers.DecimalField(max_digits=18, decimal_places=2)
    special_limit = serializers.DecimalField(max_digits=18, decimal_places=2)
    limit = serializers.DecimalField(max_digits=18, decimal_places=2)
    orders = serializers.DecimalField(max_digits=18, decimal_places=2)
    payments = serializers.DecimalField(max_digits=18, decimal_places=2)
    exposure = serializers.DecimalField(max_digits=18, decimal_places=2)
    available = serializers.DecimalField(max_digits=18, decimal_places=2)
    over_limit = serializers.BooleanField()
    rate_missing = serializers.BooleanField()


class DecisionSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class BusinessReportSerializer(serializers.ModelSerializer):
    class Meta:
        model = BusinessReport
        fields = [
            "id",
            "partner",
            "month",
            "pipeline",
            "marketing_activities",
            "customer_feedback",
            "support_needed",
            "status",
            "submitted_at",
            "review_comment",
            "reviewed_at",
        ]
        read_only_fields = fields


class BusinessReportInputSerializer(serializers.Serializer):
    month = serializers.DateField()
    pipeline = serializers.CharField()
    marketing_activities = serializers.CharField(required=False, allow_blank=True, default="")
    customer_feedback = serializers.CharField(required=False, allow_blank=True, default="")
    support_needed = serializers.CharField(required=False, allow_blank=True, default="")


class ReportReviewSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[("accept", "accept"), ("return", "return")])
    comment = serializers.CharField(required=False, allow_blank=True, default="")


# --- viewsets ---------------------------------------------------------------------------------


class AgreementViewSet(viewsets.ReadOnlyModelViewSet):
    """Agreements the caller may read: its own company's (partner admin and finance); staff all."""

    serializer_class = AgreementSerializer
    permission_classes = [IsAuthenticated]
    queryset = Agreement.objects.none()
    # The agreement list's own FilterSet: the same filters and sort keys as the page.
    filter_backends = [DjangoFilterBackend]
    filterset_class = AgreementFilterSet

    def get_queryset(self):
        return selectors.agreement_list_for(user=self.request.user)


class CreditApplicationViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Credit limit applications: partner finance applies, finance approves or rejects."""

    serializer_class = CreditApplicationSerializer
    permission_classes = [SeesCompanyFinance]
    queryset = CreditApplication.objects.none()
    filter_backends = [DjangoFilterBackend]
    filterset_class = CreditApplicationFilterSet

    def get_queryset(self):
        return selectors.credit_application_list_for(user=self.request.user)

    @extend_schema(
        request=CreditApplicationInputSerializer, responses={201: CreditApplicationSerializer}
    )
    @idempotent_create
    def create(self, request):
        user = request.user
        if user.role != Role.PARTNER_FINANCE:
            raise PermissionDenied
        data = CreditApplicationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        partner = selectors.partner_get_for(user=user, pk=user.partner_id)
        application = services.credit_application_submit(
            partner=partner, actor=user, **data.validated_data
        )
        return Response(self.get_serializer(application).data, status=status.HTTP_201_CREATED)

    def _decide(self, request, approve: bool):
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        service = (
            services.credit_application_approve if approve else services.credit_application_reject
        )
        application = service(
            application=self.get_object(), actor=request.user, note=data.validated_data["note"]
        )
        return Response(self.get_serializer(application).data)

    @extend_schema(request=DecisionSerializer, responses={200: CreditApplicationSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide(request, approve=True)

    @extend_schema(request=DecisionSerializer, responses={200: CreditApplicationSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._decide(request, approve=False)

    @extend_schema(request=None, responses={200: ExposureSerializer})
    @action(detail=False, methods=["get"])
    def exposure(self, request):
        """The caller's company exposure against its limit (partner admin and finance)."""
        user = request.user
        if not user.is_partner_user:
            raise PermissionDenied
        partner = selectors.partner_get_for(user=user, pk=user.partner_id)
        exposure = selectors.credit_exposure_for(partner=partner)
        return Response(ExposureSerializer(exposure).data)


class BusinessReportViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Monthly business reports: partner users submit, the partner's channel manager reviews."""

    serializer_class = BusinessReportSerializer
    permission_classes = [IsAuthenticated]
    queryset = BusinessReport.objects.none()
    filter_backends = [DjangoFilterBackend]
    filterset_class = BusinessReportFilterSet

    def get_queryset(self):
        return selectors.business_report_list_for(user=self.request.user)

    @extend_schema(request=BusinessReportInputSerializer, responses={201: BusinessReportSerializer})
    @idempotent_create
    def create(self, request):
        user = request.user
        if not user.is_partner_user:
            raise PermissionDenied
        data = BusinessReportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        partner = selectors.partner_get_for(user=user, pk=user.partner_id)
        report = services.business_report_submit(partner=partner, actor=user, **data.validated_data)
        return Response(self.get_serializer(report).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReportReviewSerializer, responses={200: BusinessReportSerializer})
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        data = ReportReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.business_report_review(
            report=self.get_object(),
            actor=request.user,
            comment=data.validated_data["comment"],
            accept=data.validated_data["decision"] == "accept",
        )
        return Response(self.get_serializer(report).data)
