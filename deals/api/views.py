from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema, extend_schema_view
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied as DRFPermissionDenied
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from accounts.api.viewsets import ScopedModelViewSet
from accounts.choices import CHANNEL_ROLES, Role
from accounts.scoping import get_scoped_or_404
from core.api.bulk import BulkDecisionSerializer, BulkResultSerializer, bulk_result_data
from core.api.idempotency import idempotent_create
from core.api.views import HasRole
from core.bulk import bulk_apply
from core.microcache import MicrocachedListMixin

from .. import services
from ..customer_data import SENSITIVE_CUSTOMER_FIELDS, customer_data_shown
from ..filtersets import (
    DealFilterSet,
    LeadFilterSet,
    LeadOfferFilterSet,
    PriceListEntryFilterSet,
)
from ..models import Deal, DealSettings, Lead, LeadOffer, PriceListEntry
from ..permissions import PRICE_LIST_ROLES
from ..selectors import deal_decidable_for, price_list_entries_for
from .serializers import (
    DealSerializer,
    DealSettingsSerializer,
    LeadOfferSerializer,
    LeadSerializer,
    PriceListEntrySerializer,
    PriceScheduleSerializer,
    ReasonSerializer,
)

DRAFT_FIELDS = [
    "customer_name",
    "customer_tax_id",
    "customer_region",
    *SENSITIVE_CUSTOMER_FIELDS,
    "industry",
    "project_name",
    "currency",
    "expected_close_date",
    "competitors",
    "notes",
    "fund_request",
]


def _audited_list(view, request, *, model_records) -> Response:
    """A paginated list whose page of customer records is logged as one partner read (DESIGN §9).

    `model_records` turns the page's rows into the deals or leads they show.
    """
    queryset = view.filter_queryset(view.get_queryset())
    rows = list(view.paginate_queryset(queryset))
    customer_data_shown(
        user=request.user,
        records=model_records(rows),
        view="list",
        door="api",
        filters={
            k: v for k, v in request.query_params.items() if k != view.paginator.page_query_param
        },
        page=view.paginator.page.number,
    )
    return view.get_paginated_response(view.get_serializer(rows, many=True).data)


class DealViewSet(MicrocachedListMixin, ScopedModelViewSet):
    """Deal registrations. Drafts are created and edited here; transitions have their own POSTs."""

    # The deal list's own FilterSet: the same filters and sort keys (`?sort=`) as the page.
    queryset = Deal.objects.select_related("partner").prefetch_related("lines__product")
    serializer_class = DealSerializer
    permission_classes = [IsAuthenticated]
    filter_backends = [DjangoFilterBackend]
    filterset_class = DealFilterSet
    deferred_rows = True  # as the page does (deals.lists): keys first, then the rows

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "list":
            # The list's serializer reads the page's lines itself (DealListSerializer), and the
            # representation names the partner by its id only.
            return queryset.select_related(None).prefetch_related(None)
        return queryset

    def list(self, request, *args, **kwargs):
        return _audited_list(self, request, model_records=lambda page: page)

    def retrieve(self, request, *args, **kwargs):
        (deal,) = customer_data_shown(
            user=request.user, records=[self.get_object()], view="detail", door="api"
        )
        return Response(self.get_serializer(deal).data)

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
            lines = list(deal.lines.filter(final=False).values("product", "quantity", "unit_price"))
            from ..models import Product

            products = Product.objects.in_bulk([row["product"] for row in lines])
            lines = [row | {"product": products[row["product"]]} for row in lines]
        deal = services.deal_draft_save(actor=request.user, data=data, lines=lines, deal=deal)
        return Response(
            self.get_serializer(Deal.objects.visible_to(request.user).get(pk=deal.pk)).data
        )

    def _transition(self, request, pk, call):
        deal = self._manageable(pk)
        try:
            deal = call(deal)
        except PermissionDenied:
            raise Http404 from None
        fresh = (
            Deal.objects.visible_to(request.user).prefetch_related("lines__product").get(pk=deal.pk)
        )
        return Response(self.get_serializer(fresh).data, status=status.HTTP_200_OK)

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

    @extend_schema(request=BulkDecisionSerializer, responses={200: BulkResultSerializer})
    @action(detail=False, methods=["post"], url_path="bulk-decision")
    @idempotent_create  # a retried bulk answers the first result instead of refusing each row
    def bulk_decision(self, request):
        """Approve or reject the registrations `ids` with one reason; each goes through its own
        rules and audit row. Ids the user may not decide are answered "not found", untouched."""
        user = request.user
        if not (user.is_admin or user.role in CHANNEL_ROLES):
            raise DRFPermissionDenied
        body = BulkDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        decision, reason = body.validated_data["decision"], body.validated_data["reason"]
        service = services.deal_approve if decision == "approve" else services.deal_reject
        result = bulk_apply(
            rows=deal_decidable_for(user=user),
            ids=body.validated_data["ids"],
            decision=decision,
            act=lambda deal: service(deal=deal, actor=user, reason=reason),
        )
        return Response(bulk_result_data(result))


# Staff read leads, partners their company's offers: the schema documents both shapes.
LEAD_OR_OFFER = PolymorphicProxySerializer(
    component_name="LeadOrOffer",
    serializers=[LeadSerializer, LeadOfferSerializer],
    resource_type_field_name=None,
)


@extend_schema_view(
    list=extend_schema(responses=LEAD_OR_OFFER), retrieve=extend_schema(responses=LEAD_OR_OFFER)
)
class LeadViewSet(
    MicrocachedListMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Leads. Staff list and publish them; partners list the offers made to their company (the lead
    and their own offer, never who else was offered it) and accept or decline them."""

    queryset = Lead.objects.none()
    permission_classes = [IsAuthenticated]
    filter_backends = [DjangoFilterBackend]

    def _partner(self) -> bool:
        return getattr(self.request.user, "is_partner_user", False)

    @property
    def filterset_class(self):
        """The lead page's own filters and sort keys: the offer list's for a partner (all offers
        unless `?show=open`), the lead list's for staff."""
        if getattr(self, "swagger_fake_view", False) or not self._partner():
            return LeadFilterSet
        return LeadOfferFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Lead.objects.none()
        user = self.request.user
        if self._partner():
            return LeadOffer.objects.visible_to(user).select_related("lead").order_by("-pk")
        return Lead.objects.visible_to(user).order_by("-pk")

    def get_serializer_class(self):
        return LeadOfferSerializer if self._partner() else LeadSerializer

    def get_object(self):
        if self._partner():
            # A distributor also reads its dealers' offers, so one lead can have two offers in
            # view: the one a partner user opens is its own company's.
            return get_scoped_or_404(
                self.get_queryset(), self.request.user, "manage", lead_id=self.kwargs["pk"]
            )
        return get_scoped_or_404(
            self.get_queryset(), self.request.user, "view", pk=self.kwargs["pk"]
        )

    def _leads_of(self, rows) -> list[Lead]:
        return [row.lead for row in rows] if self._partner() else list(rows)

    def list(self, request, *args, **kwargs):
        return _audited_list(self, request, model_records=self._leads_of)

    def retrieve(self, request, *args, **kwargs):
        row = self.get_object()
        customer_data_shown(
            user=request.user, records=self._leads_of([row]), view="detail", door="api"
        )
        return Response(self.get_serializer(row).data)

    @extend_schema(request=LeadSerializer, responses={201: LeadSerializer})
    @idempotent_create
    def create(self, request):
        user = request.user
        if self._partner() or not (user.is_channel_staff or user.is_admin):
            raise Http404
        serializer = LeadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        lead = services.lead_publish(actor=user, data=serializer.validated_data)
        return Response(
            LeadSerializer(lead, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    def _answer(self, request, pk, call):
        if not self._partner():
            raise Http404
        get_scoped_or_404(LeadOffer.objects.all(), request.user, "manage", lead_id=pk)
        try:
            return call()
        except PermissionDenied:
            raise Http404 from None

    @extend_schema(request=None, responses={201: DealSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """First to accept wins: returns the new draft registration."""

        def accept():
            deal = services.lead_accept(lead_id=int(pk), actor=request.user)
            fresh = (
                Deal.objects.visible_to(request.user)
                .prefetch_related("lines__product")
                .get(pk=deal.pk)
            )
            return Response(
                DealSerializer(fresh, context=self.get_serializer_context()).data,
                status=status.HTTP_201_CREATED,
            )

        return self._answer(request, pk, accept)

    @extend_schema(request=None, responses={200: LeadOfferSerializer})
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        def decline():
            offer = services.lead_decline(lead_id=int(pk), actor=request.user)
            offer = (
                LeadOffer.objects.visible_to(request.user).select_related("lead").get(pk=offer.pk)
            )
            return Response(LeadOfferSerializer(offer, context=self.get_serializer_context()).data)

        return self._answer(request, pk, decline)


class DealSettingsApi(generics.RetrieveUpdateAPIView):
    """The deal settings (administrators); PATCH changes them at once, with an audit row."""

    serializer_class = DealSettingsSerializer
    permission_classes = [HasRole.of(Role.ADMIN)]
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        return DealSettings.current()

    def perform_update(self, serializer):
        services.deal_settings_update(
            actor=self.request.user, values=dict(serializer.validated_data)
        )
        serializer.instance = DealSettings.current()


class PriceListEntryViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Dated prices of the products' price lists (DESIGN §4.4): administrators, channel directors
    and finance read them and schedule new ones; partner users are refused."""

    serializer_class = PriceListEntrySerializer
    permission_classes = [HasRole.of(*PRICE_LIST_ROLES)]
    filter_backends = [DjangoFilterBackend]
    filterset_class = PriceListEntryFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PriceListEntry.objects.none()
        return price_list_entries_for(user=self.request.user)

    @extend_schema(request=PriceScheduleSerializer, responses={201: PriceListEntrySerializer})
    @idempotent_create
    def create(self, request):
        """Schedule a new price of one level (and tier) of a product from `valid_from`; it closes
        the price running on that day. Field errors answer 400 and store nothing."""
        body = PriceScheduleSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            entry = services.price_list_entry_schedule(
                actor=request.user, product=body.validated_data["product"], change=body.change()
            )
        except ValidationError as exc:
            raise DRFValidationError(exc.message_dict) from exc
        return Response(PriceListEntrySerializer(entry).data, status=status.HTTP_201_CREATED)
