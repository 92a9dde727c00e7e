from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from accounts.choices import CHANNEL_ROLES, Role
from accounts.models import User
from core.api.views import HasRole
from core.api.viewsets import ScopedReadOnlyViewSet

from .. import selectors, services
from ..models import Partner, PartnerApplication
from .serializers import (
    AssessSerializer,
    NoteSerializer,
    PartnerApplicationSerializer,
    PartnerSerializer,
    PartnerUserInviteSerializer,
    PartnerUserRoleSerializer,
    PartnerUserSerializer,
    RejectSerializer,
)


class PartnerViewSet(ScopedReadOnlyViewSet):
    """Partners the caller may see: its own company (and dealers of a distributor); staff see all."""

    queryset = Partner.objects.select_related("tier")
    serializer_class = PartnerSerializer
    filterset_fields = ["status", "partner_type", "tier__code", "country", "channel_manager"]
    search_fields = ["legal_name", "tax_id"]
    ordering_fields = ["legal_name", "created_at"]


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


class PartnerApplicationViewSet(ScopedReadOnlyViewSet):
    """Applications in the onboarding pipeline (channel staff); transitions are explicit actions."""

    queryset = PartnerApplication.objects.select_related("referred_by", "partner").prefetch_related(
        "transitions__actor"
    )
    serializer_class = PartnerApplicationSerializer
    permission_classes = [HasRole.of(*CHANNEL_ROLES)]
    filterset_fields = ["status", "partner_type", "country"]
    search_fields = ["legal_name", "tax_id"]

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
