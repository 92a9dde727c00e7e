"""API of inventory's flags (DESIGN §11): the flag list and detail (scoped; a partner's view of a
serial clash never names the other partner), staff's confirm and dismiss, and the penalties."""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from accounts.choices import Role
from accounts.scoping import sees_company_finance
from core.api.routers import SimpleRouter
from core.api.views import HasRole

from .. import selectors_flags as selectors
from .. import services
from ..filtersets import InventoryFlagFilterSet
from ..models import InventoryFlag, InventoryPenalty


class InventoryPenaltySerializer(serializers.ModelSerializer):
    class Meta:
        model = InventoryPenalty
        fields = [
            "id",
            "partner",
            "flag",
            "step",
            "amount",
            "currency",
            "decided_at",
            "decision",
            "decision_reason",
            "created_at",
        ]
        read_only_fields = fields

    def to_representation(self, penalty: InventoryPenalty) -> dict:
        data = super().to_representation(penalty)
        request = self.context.get("request")
        if request is not None and not sees_company_finance(request.user):
            data["amount"] = None  # a deduction is company finance (DESIGN §1)
        return data


class InventoryFlagSerializer(serializers.ModelSerializer):
    """A flag as staff see it: both sides of a serial clash."""

    product = serializers.CharField(source="line.product.sku", read_only=True)
    sold_on = serializers.DateField(source="line.sold_on", read_only=True)
    quantity = serializers.IntegerField(source="line.quantity", read_only=True)
    unit_price = serializers.DecimalField(
        source="line.unit_price", max_digits=14, decimal_places=2, read_only=True
    )
    currency = serializers.CharField(source="line.currency", read_only=True)
    customer_region = serializers.CharField(source="line.customer_region", read_only=True)
    penalty_step = serializers.SerializerMethodField()

    class Meta:
        model = InventoryFlag
        fields = [
            "id",
            "partner",
            "line",
            "kind",
            "status",
            "product",
            "sold_on",
            "quantity",
            "unit_price",
            "currency",
            "customer_region",
            "evidence",
            "other_partner",
            "other_line",
            "reviewed_at",
            "review_reason",
            "penalty_step",
            "created_at",
        ]
        read_only_fields = fields

    def get_penalty_step(self, flag: InventoryFlag) -> str | None:
        penalty = getattr(flag, "penalty", None)
        return penalty.step if penalty else None


class PartnerInventoryFlagSerializer(InventoryFlagSerializer):
    """A flag as the flagged partner sees it: of a clash only the other line's date and quantity
    (in `evidence`), never who reported it — `other_partner` and `other_line` are always null, so
    the response keeps the documented shape."""

    def to_representation(self, flag: InventoryFlag) -> dict:
        data = super().to_representation(flag)
        data["other_partner"] = None
        data["other_line"] = None
        return data


class FlagReviewInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class InventoryFlagViewSet(viewsets.ReadOnlyModelViewSet):
    """Flags the caller may see; staff reviewers POST …/confirm/ or …/dismiss/ with a reason."""

    queryset = InventoryFlag.objects.none()
    permission_classes = [IsAuthenticated]
    filter_backends = [DjangoFilterBackend]
    filterset_class = InventoryFlagFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator, no user
            return InventoryFlag.objects.none()
        return selectors.flag_list_base_for(user=self.request.user)

    def get_serializer_class(self):
        if getattr(self.request.user, "is_partner_user", False):
            return PartnerInventoryFlagSerializer
        return InventoryFlagSerializer

    def _review(self, request, pk, service):
        flag = selectors.flag_get_for(user=request.user, pk=pk)
        data = FlagReviewInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        service(flag=flag, actor=request.user, reason=data.validated_data["reason"])
        flag = selectors.flag_get_for(user=request.user, pk=pk)
        return Response(InventoryFlagSerializer(flag).data)

    @extend_schema(request=FlagReviewInputSerializer, responses={200: InventoryFlagSerializer})
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[HasRole.of(Role.CHANNEL_MANAGER, Role.CHANNEL_DIRECTOR)],
    )
    def confirm(self, request, pk=None):
        return self._review(request, pk, services.flag_confirm)

    @extend_schema(request=FlagReviewInputSerializer, responses={200: InventoryFlagSerializer})
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[HasRole.of(Role.CHANNEL_MANAGER, Role.CHANNEL_DIRECTOR)],
    )
    def dismiss(self, request, pk=None):
        return self._review(request, pk, services.flag_dismiss)


class InventoryPenaltyViewSet(viewsets.ReadOnlyModelViewSet):
    """The penalties confirmed flags led to (the partner's own, or all for staff)."""

    queryset = InventoryPenalty.objects.none()
    serializer_class = InventoryPenaltySerializer
    permission_classes = [IsAuthenticated]
    filterset_fields = ["step"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return InventoryPenalty.objects.none()
        return selectors.penalty_list_for(user=self.request.user).order_by("-created_at", "-pk")


router = SimpleRouter()
router.register("flags", InventoryFlagViewSet, basename="inventory-flag")
router.register("penalties", InventoryPenaltyViewSet, basename="inventory-penalty")

urlpatterns = [*router.urls]
