"""API of partner exits (DESIGN §2.9): the leaving company's partner admin and staff read the exit
and its checklist; channel staff start and complete it. Writes call the same services as the pages;
another company's exit answers 404."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from core.api.idempotency import idempotent_create

from .. import selectors, services
from ..choices import ExitKind
from ..exits import exit_step
from ..models import ExitItem, PartnerExit


class ExitItemSerializer(serializers.ModelSerializer):
    label = serializers.SerializerMethodField()
    done = serializers.SerializerMethodField()
    owner = serializers.StringRelatedField()

    class Meta:
        model = ExitItem
        fields = ["id", "step", "label", "owner", "due_on", "done", "done_at", "note"]
        read_only_fields = fields

    def get_label(self, item: ExitItem) -> str:
        return str(exit_step(item.step).label)

    def get_done(self, item: ExitItem) -> bool:
        return item.is_done


class PartnerExitSerializer(serializers.ModelSerializer):
    items = ExitItemSerializer(many=True, read_only=True)

    class Meta:
        model = PartnerExit
        fields = [
            "id",
            "partner",
            "kind",
            "reason",
            "exit_date",
            "status",
            "started_at",
            "users_deactivated_at",
            "completed_at",
            "items",
        ]
        read_only_fields = fields


class PartnerExitStartSerializer(serializers.Serializer):
    partner = serializers.IntegerField(min_value=1)
    kind = serializers.ChoiceField(choices=ExitKind.choices)
    reason = serializers.CharField(max_length=4000)
    exit_date = serializers.DateField()


class PartnerExitViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Exits the caller may read: staff those of the partners they see, a partner admin its own
    company's (read only); partner sales and finance see none."""

    serializer_class = PartnerExitSerializer
    permission_classes = [IsAuthenticated]
    queryset = PartnerExit.objects.none()

    def get_queryset(self):
        return selectors.partner_exit_list_for(user=self.request.user)

    @extend_schema(request=PartnerExitStartSerializer, responses={201: PartnerExitSerializer})
    @idempotent_create
    def create(self, request):
        user = request.user
        if not user.is_channel_staff and not user.is_admin:
            raise PermissionDenied
        data = PartnerExitStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        partner = selectors.partner_get_for(user=user, pk=values.pop("partner"), action="manage")
        partner_exit = services.partner_exit_start(partner=partner, actor=user, **values)
        return Response(
            self.get_serializer(selectors.partner_exit_get_for(user=user, pk=partner_exit.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=None, responses={200: PartnerExitSerializer})
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        user = request.user
        if not user.is_channel_staff and not user.is_admin:
            raise PermissionDenied
        partner_exit = services.partner_exit_complete(partner_exit=self.get_object(), actor=user)
        return Response(
            self.get_serializer(selectors.partner_exit_get_for(user=user, pk=partner_exit.pk)).data
        )
