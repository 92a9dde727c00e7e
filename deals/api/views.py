from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from accounts.scoping import get_scoped_or_404
from core.api.viewsets import ScopedModelViewSet

from .. import services
from ..models import Deal, DealLine
from .serializers import DealSerializer, ReasonSerializer

DRAFT_FIELDS = [
    "customer_name",
    "customer_tax_id",
    "customer_region",
    "industry",
    "project_name",
    "currency",
    "expected_close_date",
    "competitors",
    "notes",
    "fund_request",
]


class DealViewSet(ScopedModelViewSet):
    """Deal registrations. Drafts are created and edited here; transitions have their own POSTs."""

    queryset = (
        Deal.objects.select_related("partner").prefetch_related("lines__product").order_by("-pk")
    )
    serializer_class = DealSerializer
    permission_classes = [IsAuthenticated]
    filterset_fields = ["status", "customer_region"]

    def _manageable(self, pk) -> Deal:
        return get_scoped_or_404(Deal.objects.all(), self.request.user, "manage", pk=pk)

    def perform_create(self, serializer):
        data = {
            k: serializer.validated_data[k] for k in DRAFT_FIELDS if k in serializer.validated_data
        }
        try:
            serializer.instance = services.deal_draft_save(
                actor=self.request.user, data=data, lines=serializer.validated_data["lines"]
            )
        except PermissionDenied:
            raise Http404 from None

    def update(self, request, *args, **kwargs):
        deal = self._manageable(kwargs["pk"])
        serializer = self.get_serializer(
            deal, data=request.data, partial=kwargs.get("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        data = {
            k: serializer.validated_data[k] for k in DRAFT_FIELDS if k in serializer.validated_data
        }
        lines = serializer.validated_data.get("lines")
        if lines is None:
            lines = list(
                DealLine.objects.filter(deal=deal, final=False).values(
                    "product", "quantity", "unit_price"
                )
            )
            from ..models import Product

            products = Product.objects.in_bulk([row["product"] for row in lines])
            lines = [row | {"product": products[row["product"]]} for row in lines]
        deal = services.deal_draft_save(actor=request.user, data=data, lines=lines, deal=deal)
        return Response(self.get_serializer(Deal.objects.get(pk=deal.pk)).data)

    def _transition(self, request, pk, call):
        deal = self._manageable(pk)
        try:
            deal = call(deal)
        except PermissionDenied:
            raise Http404 from None
        return Response(
            self.get_serializer(Deal.objects.get(pk=deal.pk)).data, status=status.HTTP_200_OK
        )

    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        if not request.user.is_partner_user:
            raise Http404
        return self._transition(
            request, pk, lambda d: services.deal_submit(deal=d, actor=request.user)
        )

    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._transition(
            request,
            pk,
            lambda d: services.deal_approve(
                deal=d, actor=request.user, reason=body.validated_data["reason"]
            ),
        )

    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._transition(
            request,
            pk,
            lambda d: services.deal_reject(
                deal=d, actor=request.user, reason=body.validated_data["reason"]
            ),
        )
