"""API of inventory reports (DESIGN §11): partner systems send a month's report as JSON; reports,
their lines and the sell-through and inventory rows are read through the page's filters, scoped
like the pages (a partner reads its own, a distributor also its dealers')."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from core.api.idempotency import idempotent_create
from core.api.routers import SimpleRouter
from core.money import CURRENCY_CHOICES
from partners.models import Partner

from ..choices import ReportKind
from ..filtersets import ReportFilterSet, SellThroughLineFilterSet, SnapshotFilterSet, month_of
from ..lists import (
    inventory_report_list_base_for,
    sell_through_line_list_base_for,
    snapshot_list_base_for,
)
from ..models import InventoryReport, InventorySnapshot, SellThroughLine
from ..services import inventory_may_report, inventory_may_report_for, inventory_report_submit
from ..services.reports import MAX_API_LINES


# --- serializers ------------------------------------------------------------------------------
class InventoryReportSerializer(serializers.ModelSerializer):
    month = serializers.SerializerMethodField(help_text="The month reported, YYYY-MM.")

    class Meta:
        model = InventoryReport
        fields = [
            "id",
            "partner",
            "kind",
            "month",
            "version",
            "is_current",
            "source",
            "reported_by_partner",
            "line_count",
            "created_at",
        ]

    @extend_schema_field(OpenApiTypes.STR)
    def get_month(self, report: InventoryReport) -> str:
        return report.month.strftime("%Y-%m")


class SellThroughLineSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="product.sku")

    class Meta:
        model = SellThroughLine
        fields = [
            "id",
            "report",
            "partner",
            "sku",
            "sold_on",
            "quantity",
            "unit_price",
            "currency",
            "customer_name",
            "customer_tax_id",
            "customer_region",
            "serial_numbers",
            "is_current",
        ]


class SnapshotSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="product.sku")

    class Meta:
        model = InventorySnapshot
        fields = ["id", "report", "partner", "sku", "as_of", "on_hand", "is_current"]


class ReportLineInputSerializer(serializers.Serializer):
    """One row of a report: sell-through fields or inventory fields, as in the import files.
    Values are checked with the import's rules, each error keyed `lines[i].field`."""

    sku = serializers.CharField(max_length=60)
    sold_on = serializers.CharField(required=False, allow_blank=True)
    quantity = serializers.CharField(required=False, allow_blank=True)
    unit_price = serializers.CharField(required=False, allow_blank=True)
    currency = serializers.ChoiceField(choices=CURRENCY_CHOICES, required=False)
    customer_name = serializers.CharField(required=False, allow_blank=True)
    customer_tax_id = serializers.CharField(required=False, allow_blank=True)
    customer_region = serializers.CharField(required=False, allow_blank=True)
    serial_numbers = serializers.ListField(
        child=serializers.CharField(max_length=80), required=False
    )
    as_of = serializers.CharField(required=False, allow_blank=True)
    on_hand = serializers.CharField(required=False, allow_blank=True)


class ReportInputSerializer(serializers.Serializer):
    partner = serializers.IntegerField(
        required=False, help_text="The partner reported for; a partner user's own by default."
    )
    kind = serializers.ChoiceField(choices=ReportKind.choices)
    month = serializers.CharField(help_text="YYYY-MM")
    lines = ReportLineInputSerializer(many=True, max_length=MAX_API_LINES)

    def validate_month(self, value: str):
        month = month_of(value)
        if month is None or len(value.strip()) != 7:
            raise serializers.ValidationError(_("Give the month as YYYY-MM."))
        return month


# --- views ------------------------------------------------------------------------------------
class _ScopedRead(viewsets.GenericViewSet):
    """Rows read through their list's base selector (`base(user=)`), scoped like the pages."""

    permission_classes = [IsAuthenticated]
    filter_backends = [DjangoFilterBackend]
    model: type = InventoryReport
    base: Callable[..., QuerySet] = staticmethod(inventory_report_list_base_for)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        return type(self).base(user=self.request.user)


class InventoryReportViewSet(_ScopedRead, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Report versions; `?versions=all` includes superseded ones."""

    serializer_class = InventoryReportSerializer
    filterset_class = ReportFilterSet

    base = staticmethod(inventory_report_list_base_for)

    @extend_schema(request=ReportInputSerializer, responses={201: InventoryReportSerializer})
    @idempotent_create
    def create(self, request, *args, **kwargs):
        if not inventory_may_report(request.user):
            raise PermissionDenied
        data = ReportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        user = request.user
        partner_id = values.get("partner") or (user.partner_id if user.is_partner_user else None)
        if partner_id is None:
            raise ValidationError({"partner": [_("Give the partner reported for.")]})
        partner = (
            Partner.objects.unrestricted("checked below: who may report for whom")
            .filter(pk=partner_id)
            .first()
        )
        if partner is None or not inventory_may_report_for(user, partner.pk):
            # Another company's id answers as an unknown one.
            raise ValidationError({"partner": [_("No partner you may report for has this id.")]})
        try:
            report = inventory_report_submit(
                partner=partner,
                kind=values["kind"],
                month=values["month"],
                lines=request.data.get("lines") or [],
                actor=user,
            )
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        return Response(InventoryReportSerializer(report).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses={
            200: PolymorphicProxySerializer(
                component_name="InventoryReportLine",
                serializers=[SellThroughLineSerializer, SnapshotSerializer],
                resource_type_field_name=None,
                many=True,
            )
        }
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def lines(self, request, pk=None):
        """The report's rows, paginated: sell-through lines, or inventory rows for an inventory
        report (the same fields as `snapshots`)."""
        report = self.get_object()
        if report.kind == ReportKind.SELL_THROUGH:
            rows = sell_through_line_list_base_for(user=request.user).order_by("sold_on", "pk")
            serializer = SellThroughLineSerializer
        else:
            rows = snapshot_list_base_for(user=request.user).order_by("as_of", "pk")
            serializer = SnapshotSerializer
        page = self.paginate_queryset(rows.filter(report_id=report.pk))
        return self.get_paginated_response(serializer(page, many=True).data)


class SellThroughLineViewSet(_ScopedRead, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Sell-through lines of current reports (`?versions=all` or `?report=` for older ones)."""

    model = SellThroughLine
    serializer_class = SellThroughLineSerializer
    filterset_class = SellThroughLineFilterSet

    base = staticmethod(sell_through_line_list_base_for)


class SnapshotViewSet(_ScopedRead, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """On-hand quantities of current inventory reports."""

    model = InventorySnapshot
    serializer_class = SnapshotSerializer
    filterset_class = SnapshotFilterSet

    base = staticmethod(snapshot_list_base_for)


router = SimpleRouter()
router.register("reports", InventoryReportViewSet, basename="inventory-report")
router.register(
    "sell-through-lines", SellThroughLineViewSet, basename="inventory-sell-through-line"
)
router.register("snapshots", SnapshotViewSet, basename="inventory-snapshot")

urlpatterns = router.urls
