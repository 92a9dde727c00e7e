"""API for credit ratings, lower-limit proposals (DESIGN §2.6) and NPS warnings (DESIGN §2.4).

Ratings and proposals are the vendor's own assessment: vendor staff read the ratings, finance
rates on demand and decides the proposals through the same services as the pages. NPS warnings
are read by the channel team for the partners they manage.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from accounts.api.viewsets import ScopedReadOnlyViewSet
from accounts.choices import CHANNEL_ROLES, FINANCE_ROLES
from core.api.idempotency import idempotent_create
from core.api.views import HasRole, IsVendorStaff

from .. import selectors, services
from ..models import CreditLimitProposal, CreditRating, NpsWarning
from .relationship import DecisionSerializer


class CreditRatingSerializer(serializers.ModelSerializer):
    partner_name = serializers.CharField(source="partner.legal_name", read_only=True)
    over_limit = serializers.BooleanField(read_only=True)

    class Meta:
        model = CreditRating
        fields = [
            "id",
            "partner",
            "partner_name",
            "kind",
            "quarter",
            "as_of",
            "grade",
            "previous_grade",
            "points",
            "currency",
            "credit_limit",
            "overdue_exposure",
            "over_limit",
            "average_days_late",
            "share_late",
            "disputes_lost",
            "classification",
            "figures",
            "rated_by",
            "created_at",
        ]
        read_only_fields = fields


class RateSerializer(serializers.Serializer):
    partner = serializers.IntegerField(min_value=1, max_value=2**63 - 1)


class CreditLimitProposalSerializer(serializers.ModelSerializer):
    partner_name = serializers.CharField(source="partner.legal_name", read_only=True)
    grade = serializers.CharField(source="rating.grade", read_only=True)

    class Meta:
        model = CreditLimitProposal
        fields = [
            "id",
            "partner",
            "partner_name",
            "rating",
            "grade",
            "reason",
            "current_limit",
            "proposed_limit",
            "currency",
            "status",
            "decided_by",
            "decided_at",
            "decision_note",
            "created_at",
        ]
        read_only_fields = fields


class NpsWarningSerializer(serializers.ModelSerializer):
    partner_name = serializers.CharField(source="partner.legal_name", read_only=True)
    change = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = NpsWarning
        fields = [
            "id",
            "partner",
            "partner_name",
            "quarter",
            "level",
            "nps",
            "previous_nps",
            "change",
            "created_at",
        ]
        read_only_fields = fields


class CreditRatingViewSet(ScopedReadOnlyViewSet):
    """Credit ratings with the figures they used (vendor staff); finance rates on demand."""

    queryset = CreditRating.objects.select_related("partner")
    serializer_class = CreditRatingSerializer
    permission_classes = [IsVendorStaff]
    filterset_fields = ["partner", "quarter", "kind", "grade"]
    ordering_fields = ["created_at", "points"]

    @extend_schema(request=RateSerializer, responses={201: CreditRatingSerializer})
    @action(detail=False, methods=["post"])
    @idempotent_create  # a retried rating answers the first one instead of rating twice
    def rate(self, request):
        user = request.user
        if not (user.is_admin or user.role in FINANCE_ROLES):
            raise PermissionDenied
        data = RateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        partner = selectors.partner_get_for(user=user, pk=data.validated_data["partner"])
        rating = services.credit_rating_evaluate(partner=partner, actor=user)
        return Response(self.get_serializer(rating).data, status=201)


class CreditLimitProposalViewSet(ScopedReadOnlyViewSet):
    """Lower credit limits proposed after a rating's alert; finance approves or rejects."""

    queryset = CreditLimitProposal.objects.select_related("partner", "rating")
    serializer_class = CreditLimitProposalSerializer
    permission_classes = [HasRole.of(*FINANCE_ROLES)]
    filterset_fields = ["partner", "status", "reason"]
    ordering_fields = ["created_at"]

    def _decide(self, request, approve: bool):
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        service = (
            services.credit_limit_proposal_approve
            if approve
            else services.credit_limit_proposal_reject
        )
        proposal = service(
            proposal=self.get_object(), actor=request.user, note=data.validated_data["note"]
        )
        return Response(self.get_serializer(proposal).data)

    @extend_schema(request=DecisionSerializer, responses={200: CreditLimitProposalSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide(request, approve=True)

    @extend_schema(request=DecisionSerializer, responses={200: CreditLimitProposalSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._decide(request, approve=False)


class NpsWarningViewSet(ScopedReadOnlyViewSet):
    """NPS early warnings of the partners the caller manages (channel team)."""

    queryset = NpsWarning.objects.select_related("partner")
    serializer_class = NpsWarningSerializer
    permission_classes = [HasRole.of(*CHANNEL_ROLES)]
    scope_action = "manage"
    filterset_fields = ["partner", "quarter", "level"]
    ordering_fields = ["quarter", "nps"]
