"""MDF API: balance and ledger (scoped), fund requests with explicit decisions, claims."""

from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.permissions import SeesCompanyFinance
from accounts.api.viewsets import ScopedReadOnlyViewSet
from accounts.choices import FINANCE_ROLES
from accounts.scoping import acts_on_company_finance, get_scoped_or_404
from core.api.bulk import BulkDecisionSerializer, BulkResultSerializer, bulk_result_data
from core.api.idempotency import idempotent_create
from core.api.views import HasRole, IsVendorStaff
from core.bulk import bulk_apply
from partners.models import Partner

from .. import selectors, services
from ..filtersets import FundRequestFilterSet, MdfLedgerFilterSet
from ..models import Claim, FundRequest, MdfLedgerEntry
from .serializers import (
    ClaimInputSerializer,
    ClaimSerializer,
    DecisionInputSerializer,
    FundRequestInputSerializer,
    FundRequestSerializer,
    MdfBalanceSerializer,
    MdfLedgerEntrySerializer,
)


class MdfBalanceApi(APIView):
    """The partner's own balance; staff pass `?partner=<id>`."""

    permission_classes = [SeesCompanyFinance]

    @extend_schema(
        parameters=[OpenApiParameter("partner", int, required=False)],
        responses={200: MdfBalanceSerializer},
    )
    def get(self, request):
        user = request.user
        partner_id = (
            user.partner_id if user.is_partner_user else request.query_params.get("partner")
        )
        if not partner_id:
            raise Http404
        partner = get_scoped_or_404(Partner.objects.all(), user, pk=partner_id)
        summary = selectors.mdf_summary(partner=partner)
        data = {"partner": partner.pk, "currency": partner.contract_currency, **summary}
        return Response(MdfBalanceSerializer(data).data)


class MdfLedgerEntryViewSet(ScopedReadOnlyViewSet):
    # The ledger page's FilterSet: the same filters and sort keys (`funds.lists.MDF_LEDGER_LIST`).
    queryset = MdfLedgerEntry.objects.select_related("partner")
    serializer_class = MdfLedgerEntrySerializer
    permission_classes = [SeesCompanyFinance]
    filter_backends = [DjangoFilterBackend]
    filterset_class = MdfLedgerFilterSet


class FundRequestViewSet(ScopedReadOnlyViewSet):
    # The request list's own FilterSet: the same filters and sort keys as the page.
    queryset = FundRequest.objects.select_related("partner")
    serializer_class = FundRequestSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = FundRequestFilterSet
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(request=FundRequestInputSerializer, responses={201: FundRequestSerializer})
    @idempotent_create
    def create(self, request, *args, **kwargs):
        if not request.user.is_partner_user:
            raise PermissionDenied
        data = FundRequestInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fund_request = services.fund_request_submit(
            partner=request.user.partner, actor=request.user, **data.validated_data
        )
        return Response(FundRequestSerializer(fund_request).data, status=status.HTTP_201_CREATED)

    def _decide(self, request, service):
        fund_request = self.get_object()
        data = DecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = service(fund_request=fund_request, actor=request.user, **data.validated_data)
        return Response(FundRequestSerializer(result).data)

    @extend_schema(request=DecisionInputSerializer, responses={200: FundRequestSerializer})
    @action(detail=True, methods=["post"], permission_classes=[IsVendorStaff])
    def approve(self, request, pk=None):
        return self._decide(request, services.fund_request_approve)

    @extend_schema(request=DecisionInputSerializer, responses={200: FundRequestSerializer})
    @action(detail=True, methods=["post"], permission_classes=[IsVendorStaff])
    def reject(self, request, pk=None):
        return self._decide(request, services.fund_request_reject)

    @extend_schema(request=BulkDecisionSerializer, responses={200: BulkResultSerializer})
    @action(
        detail=False,
        methods=["post"],
        url_path="bulk-decision",
        permission_classes=[IsVendorStaff],
    )
    @idempotent_create  # a retried bulk answers the first result instead of refusing each row
    def bulk_decision(self, request):
        """Approve or reject the requests `ids` with one note; each passes its own approval matrix
        and writes its own audit row. Ids the user may not see are answered "not found"."""
        body = BulkDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        decision, note = body.validated_data["decision"], body.validated_data["reason"]
        service = (
            services.fund_request_approve if decision == "approve" else services.fund_request_reject
        )
        result = bulk_apply(
            rows=selectors.fund_request_decidable_for(user=request.user),
            ids=body.validated_data["ids"],
            decision=decision,
            act=lambda fund_request: service(
                fund_request=fund_request, actor=request.user, note=note
            ),
        )
        return Response(bulk_result_data(result))

    @extend_schema(request=ClaimInputSerializer, responses={201: ClaimSerializer})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    @idempotent_create
    def claim(self, request, pk=None):
        fund_request = self.get_object()
        if not acts_on_company_finance(request.user, fund_request.partner_id):
            raise Http404
        data = ClaimInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        claim = services.claim_submit(
            fund_request=fund_request, actor=request.user, **data.validated_data
        )
        return Response(ClaimSerializer(claim).data, status=status.HTTP_201_CREATED)


class ClaimViewSet(ScopedReadOnlyViewSet):
    queryset = Claim.objects.select_related("fund_request")
    serializer_class = ClaimSerializer
    permission_classes = [SeesCompanyFinance]
    filterset_fields = ["status"]

    def _decide(self, request, service):
        claim = self.get_object()
        data = DecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(
            ClaimSerializer(service(claim=claim, actor=request.user, **data.validated_data)).data
        )

    @extend_schema(request=DecisionInputSerializer, responses={200: ClaimSerializer})
    @action(detail=True, methods=["post"], permission_classes=[HasRole.of(*FINANCE_ROLES)])
    def validate(self, request, pk=None):
        return self._decide(request, services.claim_validate)

    @extend_schema(request=DecisionInputSerializer, responses={200: ClaimSerializer})
    @action(detail=True, methods=["post"], permission_classes=[HasRole.of(*FINANCE_ROLES)])
    def reject(self, request, pk=None):
        return self._decide(request, services.claim_reject)
