from accounts.api.permissions import SeesCompanyFinance
from accounts.api.viewsets import ScopedReadOnlyViewSet
from accounts.choices import Role
from core.api.views import HasRole

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
    queryset = Programme.objects.prefetch_related("brackets").order_by("name")
    serializer_class = ProgrammeSerializer
    permission_classes = [
        HasRole.of(Role.FINANCE, Role.CFO, Role.CHANNEL_DIRECTOR, Role.CHANNEL_MANAGER)
    ]
