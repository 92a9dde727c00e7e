from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from accounts.api.viewsets import ScopedQuerysetMixin, ScopedReadOnlyViewSet
from accounts.choices import CHANNEL_ROLES, Role
from accounts.models import User
from core.api.bulk import BulkDecisionSerializer, BulkResultSerializer, bulk_result_data
from core.api.idempotency import idempotent_create
from core.api.views import HasRole, IsVendorStaff

from .. import selectors, services
from ..bulk import (
    APPLICATION_DECISIONS,
    PROPOSAL_DECISIONS,
    application_bulk_decide,
    tier_proposal_bulk_decide,
)
from ..choices import ProposalStatus
from ..filtersets import (
    ApplicationQueueFilterSet,
    PartnerFilterSet,
    TierProposalQueueFilterSet,
)
from ..models import (
    NpsResponse,
    Partner,
    PartnerApplication,
    Scorecard,
    ScorecardWeightSet,
    TierEvaluation,
)
from .serializers import (
    AssessSerializer,
    NoteSerializer,
    NpsResponseSerializer,
    PartnerApplicationSerializer,
    PartnerSerializer,
    PartnerUserInviteSerializer,
    PartnerUserRoleSerializer,
    PartnerUserSerializer,
    RejectSerializer,
    ScorecardSerializer,
    ScorecardWeightSetSerializer,
    TierProposalSerializer,
)


class PartnerViewSet(ScopedReadOnlyViewSet):
    """Partners the caller may see: its own company (and dealers of a distributor); staff see all."""

    # The directory's own FilterSet: the same filters and sort keys (`?sort=`) as the page.
    queryset = Partner.objects.select_related("tier")
    serializer_class = PartnerSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = PartnerFilterSet


class IsPartnerAdmin(IsAuthenticated):
    def has_permission(self, request, view) -> bool:
        return super().has_permission(request, view) and request.user.role == Role.PARTNER_ADMIN


class CompanyUserViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Users of the caller's own company (partner admins only); invite, deactivate, change role."""

    serializer_class = PartnerUserSerializer
    permission_classes = [IsPartnerAdmin]
    queryset = User.objects.none()

    def _company(self) -> Partner:
        user = self.request.user
        return selectors.partner_get_for(user=user, pk=user.partner_id, action="manage")

    def get_queryset(self):
        return selectors.partner_users_for(partner=self._company())

    def _target(self, pk) -> User:
        return get_object_or_404(self.get_queryset(), pk=pk)

    @extend_schema(request=PartnerUserInviteSerializer, responses={201: PartnerUserSerializer})
    @idempotent_create
    def create(self, request):
        data = PartnerUserInviteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.partner_user_invite(
            partner=self._company(),
            actor=request.user,
            language=request.user.language,
            **data.validated_data,
        )
        return Response(PartnerUserSerializer(user).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: PartnerUserSerializer})
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        user = services.partner_user_deactivate(
            partner=self._company(), user=self._target(pk), actor=request.user
        )
        return Response(PartnerUserSerializer(user).data)

    @extend_schema(request=PartnerUserRoleSerializer, responses={200: PartnerUserSerializer})
    @action(detail=True, methods=["post"])
    def role(self, request, pk=None):
        data = PartnerUserRoleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.partner_user_role_change(
            partner=self._company(),
            user=self._target(pk),
            role=data.validated_data["role"],
            actor=request.user,
        )
        return Response(PartnerUserSerializer(user).data)


def _bulk_decision(request, decisions, decide) -> Response:
    body = BulkDecisionSerializer(data=request.data, decisions=[key for key, _label in decisions])
    body.is_valid(raise_exception=True)
    result = decide(
        user=request.user,
        ids=body.validated_data["ids"],
        decision=body.validated_data["decision"],
        reason=body.validated_data["reason"],
    )
    return Response(bulk_result_data(result))


class PartnerApplicationViewSet(ScopedReadOnlyViewSet):
    """Applications in the onboarding pipeline (channel staff); transitions are explicit actions."""

    queryset = PartnerApplication.objects.select_related("referred_by", "partner").prefetch_related(
        "transitions__actor"
    )
    serializer_class = PartnerApplicationSerializer
    permission_classes = [HasRole.of(*CHANNEL_ROLES)]
    # The queue page's FilterSet: the same filters and sort keys (`partners.lists.APPLICATION_LIST`).
    filter_backends = [DjangoFilterBackend]
    filterset_class = ApplicationQueueFilterSet

    def _respond(self, application):
        return Response(self.get_serializer(self.get_queryset().get(pk=application.pk)).data)

    @extend_schema(request=NoteSerializer, responses={200: PartnerApplicationSerializer})
    @action(detail=True, methods=["post"])
    def advance(self, request, pk=None):
        data = NoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        application = services.application_advance(
            application=self.get_object(), actor=request.user, note=data.validated_data["note"]
        )
        return self._respond(application)

    @extend_schema(request=RejectSerializer, responses={200: PartnerApplicationSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        data = RejectSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        application = services.application_reject(
            application=self.get_object(), actor=request.user, reason=data.validated_data["reason"]
        )
        return self._respond(application)

    @extend_schema(request=AssessSerializer, responses={200: PartnerApplicationSerializer})
    @action(detail=True, methods=["post"])
    def assess(self, request, pk=None):
        data = AssessSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        application = services.application_assess(
            application=self.get_object(), actor=request.user, **data.validated_data
        )
        return self._respond(application)

    @extend_schema(request=BulkDecisionSerializer, responses={200: BulkResultSerializer})
    @action(detail=False, methods=["post"], url_path="bulk-decision")
    @idempotent_create  # a retried bulk answers the first result instead of refusing each row
    def bulk_decision(self, request):
        """Advance or reject the applications `ids` with one note (`reason`, required to reject);
        each goes through its own step, as on the queue page."""
        return _bulk_decision(request, APPLICATION_DECISIONS, application_bulk_decide)


# --- tiers, scorecards and NPS (DESIGN §2.3, §2.4) ---------------------------------------------


class TierProposalViewSet(ScopedReadOnlyViewSet):
    """Tier proposals of the partners the caller manages; confirm or reject them."""

    queryset = TierEvaluation.objects.exclude(status=ProposalStatus.NONE).select_related(
        "partner", "current_tier", "qualified_tier", "proposed_tier", "decided_by"
    )
    serializer_class = TierProposalSerializer
    permission_classes = [HasRole.of(*CHANNEL_ROLES)]
    scope_action = "manage"
    # The queue page's FilterSet: the same filters and sort keys (`partners.lists`).
    filter_backends = [DjangoFilterBackend]
    filterset_class = TierProposalQueueFilterSet

    def _respond(self, proposal):
        return Response(self.get_serializer(self.get_queryset().get(pk=proposal.pk)).data)

    @extend_schema(request=NoteSerializer, responses={200: TierProposalSerializer})
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        data = NoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        proposal = self.get_object()
        services.tier_proposal_confirm(
            evaluation=proposal, actor=request.user, note=data.validated_data["note"]
        )
        return self._respond(proposal)

    @extend_schema(request=RejectSerializer, responses={200: TierProposalSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        data = RejectSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        proposal = services.tier_proposal_reject(
            evaluation=self.get_object(), actor=request.user, reason=data.validated_data["reason"]
        )
        return self._respond(proposal)

    @extend_schema(request=BulkDecisionSerializer, responses={200: BulkResultSerializer})
    @action(detail=False, methods=["post"], url_path="bulk-decision")
    @idempotent_create  # a retried bulk answers the first result instead of refusing each row
    def bulk_decision(self, request):
        """Confirm or reject the tier proposals `ids` with one note (`reason`, required to
        reject); each checks its own partner, as on the queue page."""
        return _bulk_decision(request, PROPOSAL_DECISIONS, tier_proposal_bulk_decide)


class ScorecardViewSet(ScopedReadOnlyViewSet):
    """Scorecards: staff see every partner's, a partner user its own company's."""

    queryset = Scorecard.objects.all()
    serializer_class = ScorecardSerializer
    filterset_fields = ["partner", "kind", "year", "classification"]
    ordering_fields = ["created_at", "total"]


class ScorecardWeightSetViewSet(viewsets.ReadOnlyModelViewSet):
    """Scorecard weight sets by partner type and region (vendor staff; edited on the settings
    page by administrators)."""

    serializer_class = ScorecardWeightSetSerializer
    permission_classes = [IsVendorStaff]
    ordering_fields = ["name", "updated_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator, no user
            return ScorecardWeightSet.objects.none()
        return selectors.scorecard_weight_set_list_for(user=self.request.user)


class NpsResponseViewSet(
    ScopedQuerysetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """Customer survey answers (vendor staff): list, read, record one."""

    queryset = NpsResponse.objects.all()
    serializer_class = NpsResponseSerializer
    permission_classes = [IsVendorStaff]
    filterset_fields = ["partner", "quarter", "source"]

    @idempotent_create
    def create(self, request, *args, **kwargs):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        partner = selectors.partner_get_for(user=request.user, pk=data.validated_data["partner"].pk)
        response = services.nps_response_record(
            partner=partner,
            actor=request.user,
            quarter=data.validated_data["quarter"],
            score=data.validated_data["score"],
            respondent=data.validated_data.get("respondent", ""),
            comment=data.validated_data.get("comment", ""),
        )
        return Response(self.get_serializer(response).data, status=status.HTTP_201_CREATED)
