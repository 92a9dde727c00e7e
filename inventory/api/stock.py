"""API of inventory stock (DESIGN §11): positions (scoped like the page), the staff overview by
group, alerts, and the alert limits per family (staff read; directors and administrators change).
The lists take the same filters and sort keys as their pages (`inventory.filtersets`)."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.urls import path
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.views import IsVendorStaff
from deals.models import ProductFamily

from ..figures import DEFAULT_AGEING_DAYS, DEFAULT_STOCK_OUT_DAYS
from ..filtersets import StockAlertFilterSet, StockPositionFilterSet, StockRollupFilterSet
from ..models import FamilyAlertLimit, InventoryAlert
from ..models_figures import InventoryFigure, InventoryRollup
from ..selectors import (
    alert_limits,
    stock_alert_base_for,
    stock_position_base_for,
    stock_rollup_base_for,
)
from ..services.stock import alert_limit_set


class StockPositionSerializer(serializers.ModelSerializer):
    partner_name = serializers.CharField(source="partner.legal_name", read_only=True)
    sku = serializers.CharField(source="product.sku", read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)
    no_sales = serializers.SerializerMethodField(
        help_text="Stock held and nothing sold in 90 days: days of inventory are unbounded (null)."
    )

    class Meta:
        model = InventoryFigure
        fields = [
            "id",
            "partner",
            "partner_name",
            "product",
            "sku",
            "product_name",
            "family",
            "partner_regions",
            "month",
            "as_of",
            "on_hand",
            "sold_month",
            "sold_90d",
            "avg_daily",
            "days_of_inventory",
            "sold_12m",
            "avg_on_hand_12m",
            "turnover",
            "ageing",
            "stock_out",
            "no_sales",
        ]

    def get_no_sales(self, obj: InventoryFigure) -> bool:
        return bool(obj.on_hand) and obj.days_of_inventory is None


class StockGroupSerializer(serializers.ModelSerializer):
    class Meta:
        model = InventoryRollup
        fields = [
            "id",
            "dimension",
            "partner",
            "product",
            "family",
            "region",
            "label",
            "month",
            "positions",
            "on_hand",
            "sold_month",
            "sold_90d",
            "sold_12m",
            "avg_on_hand_12m",
            "days_of_inventory",
            "turnover",
            "ageing_count",
            "stock_out_count",
        ]


class StockAlertSerializer(serializers.ModelSerializer):
    partner_name = serializers.CharField(source="partner.legal_name", read_only=True)
    sku = serializers.CharField(source="product.sku", read_only=True)

    class Meta:
        model = InventoryAlert
        fields = [
            "id",
            "partner",
            "partner_name",
            "product",
            "sku",
            "kind",
            "month",
            "days_of_inventory",
            "on_hand",
            "created_at",
        ]


class AlertLimitSerializer(serializers.Serializer):
    family = serializers.IntegerField(read_only=True)
    family_code = serializers.CharField(read_only=True)
    family_name = serializers.CharField(read_only=True)
    ageing_days = serializers.IntegerField(min_value=1, max_value=3650)
    stock_out_days = serializers.IntegerField(min_value=0, max_value=3650)
    is_default = serializers.BooleanField(read_only=True)


def _limit_data(family: ProductFamily, limit) -> dict:
    return {
        "family": family.pk,
        "family_code": family.code,
        "family_name": family.name,
        "ageing_days": limit.ageing_days if limit else DEFAULT_AGEING_DAYS,
        "stock_out_days": limit.stock_out_days if limit else DEFAULT_STOCK_OUT_DAYS,
        "is_default": limit is None,
    }


class _ScopedList(generics.ListAPIView):
    """A list read through its page's base selector (`base(user=)`) and FilterSet."""

    filter_backends = [DjangoFilterBackend]
    model: type
    base: Callable[..., QuerySet]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        return type(self).base(user=self.request.user)


class StockPositionList(_ScopedList):
    """This month's figure per partner × product: a partner's own (a distributor's with its
    dealers'), everyone's for staff."""

    serializer_class = StockPositionSerializer
    filterset_class = StockPositionFilterSet
    model = InventoryFigure
    base = staticmethod(stock_position_base_for)


class StockGroupList(_ScopedList):
    """This month's sums by partner, product, family or region (`group`), vendor staff only."""

    serializer_class = StockGroupSerializer
    permission_classes = [IsVendorStaff]
    filterset_class = StockRollupFilterSet
    model = InventoryRollup
    base = staticmethod(stock_rollup_base_for)


class StockAlertList(_ScopedList):
    """Ageing and stock-out alerts the user may see."""

    serializer_class = StockAlertSerializer
    filterset_class = StockAlertFilterSet
    model = InventoryAlert
    base = staticmethod(stock_alert_base_for)


class AlertLimitList(APIView):
    """Every family's limits (families without their own get the defaults)."""

    permission_classes = [IsVendorStaff]

    @extend_schema(responses={200: AlertLimitSerializer(many=True)})
    def get(self, request):
        return Response([_limit_data(family, limit) for family, limit in alert_limits()])


class AlertLimitDetail(APIView):
    """One family's limits; channel directors and administrators change them (audited)."""

    permission_classes = [IsVendorStaff]

    def _family(self, family_id: int) -> ProductFamily:
        return get_object_or_404(ProductFamily, pk=family_id)

    @extend_schema(responses={200: AlertLimitSerializer})
    def get(self, request, id: int):  # noqa: A002 (the schema's path parameter)
        family = self._family(id)
        limit = FamilyAlertLimit.objects.filter(family=family).first()
        return Response(_limit_data(family, limit))

    @extend_schema(request=AlertLimitSerializer, responses={200: AlertLimitSerializer})
    def patch(self, request, id: int):  # noqa: A002
        family = self._family(id)
        data = AlertLimitSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        try:
            alert_limit_set(actor=request.user, family=family, values=dict(data.validated_data))
        except DjangoPermissionDenied as exc:
            raise PermissionDenied from exc
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        return Response(_limit_data(family, FamilyAlertLimit.objects.get(family=family)))


urlpatterns = [
    path("positions/", StockPositionList.as_view(), name="inventory-positions"),
    path("stock/", StockGroupList.as_view(), name="inventory-stock"),
    path("alerts/", StockAlertList.as_view(), name="inventory-alerts"),
    path("alert-limits/", AlertLimitList.as_view(), name="inventory-alert-limits"),
    path("alert-limits/<int:id>/", AlertLimitDetail.as_view(), name="inventory-alert-limit"),
]
