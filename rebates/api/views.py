from django_filters.rest_framework import DjangoFilterBackend

from accounts.api.permissions import SeesCompanyFinance
from accounts.api.viewsets import ScopedReadOnlyViewSet
from accounts.choices import Role
from core.api.views import HasRole
from core.bilingual import localized_expression

from ..filtersets import ProgrammeFilterSet
from ..models import Accrual, Programme
from .serializers import AccrualSerializer, ProgrammeSerializer


class AccrualViewSet(ScopedReadOnlyViewSet):
    """Accruals the user may see (a partner: its own; staff: all), filterable by period."""

    queryset = Accrual.objects.select_related("partner", "programme").order_by(
        "-period", "partner_id", "programme_id"
    )
    serializer_class = AccrualSerializer
    permission_classes = [SeesCompanyFinance]

    def get_queryset(self):
        qs = super().get_queryset()
        period = self.request.query_params.get("period")
        return qs.filter(period=period) if period else qs


class ProgrammeViewSet(ScopedReadOnlyViewSet):
    """Rebate programmes, with the programme page's filters and sort keys (`?sort=`)."""

    queryset = Programme.objects.prefetch_related("brackets")
    serializer_class = ProgrammeSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ProgrammeFilterSet
    permission_classes = [
        HasRole.of(Role.FINANCE, Role.CFO, Role.CHANNEL_DIRECTOR, Role.CHANNEL_MANAGER)
    ]

    def get_queryset(self):
        return super().get_queryset().annotate(sort_name=localized_expression("name"))
