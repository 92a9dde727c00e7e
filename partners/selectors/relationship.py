"""The partner page's summary of the relationship (agreements, credit, business reports) and the
`?partner=` narrowing the relationship lists share, scoped to what the user may see.
"""

from __future__ import annotations

from django.http import Http404

from accounts.choices import Role
from accounts.models import User
from accounts.scoping import is_own_company, sees_company_finance, sees_partner_details
from core.params import parse_id

from ..choices import AgreementStatus, CreditStatus
from ..models import Agreement, BusinessReport, CreditApplication, Partner
from .agreements import AGREEMENT_VIEW_ROLES
from .credit import credit_exposure_for
from .partner import partner_get_for


def partner_relationship_for(*, user: User, partner: Partner, can_manage: bool) -> dict:
    """What the partner page shows of the partner's agreements, credit and business reports, each
    only where the user may open the list it links to; a fixed number of queries.

    A partner user sees these for their own company only (not for their dealers); partner sales
    users get neither agreements nor credit; business reports are the channel team's (a channel
    manager's own partners) and the partner's.
    """
    own = is_own_company(user, partner.pk)
    staff = user.is_vendor_staff
    summary: dict = {}
    if staff or (own and user.role in AGREEMENT_VIEW_ROLES):
        agreements = Agreement.objects.unrestricted("role checked above").filter(partner=partner)
        summary["agreements"] = {
            "count": agreements.values("number").distinct().count(),
            "in_force": agreements.filter(status=AgreementStatus.ACTIVE)
            .order_by("end_date", "-version")
            .first(),
        }
    if staff or (own and sees_company_finance(user)):
        summary["exposure"] = credit_exposure_for(partner=partner)
        summary["credit_open"] = (
            CreditApplication.objects.unrestricted("role checked above")
            .filter(partner=partner, status=CreditStatus.SUBMITTED)
            .count()
        )
    channel = user.is_admin or (
        user.role in (Role.CHANNEL_MANAGER, Role.CHANNEL_DIRECTOR) and can_manage
    )
    if own or channel:
        summary["latest_report"] = (
            BusinessReport.objects.unrestricted("role checked above")
            .filter(partner=partner)
            .order_by("-month", "-pk")
            .first()
        )
    return summary


def partner_filter_for(*, user: User, raw: str | None) -> Partner | None:
    """The partner a list is narrowed to by `?partner=` (links from the partner page). A partner
    user may name only their own company; any other company, or a bad value, is a 404."""
    if not raw:
        return None
    pk = parse_id(raw)
    if pk is None or not sees_partner_details(user, pk):
        raise Http404
    return partner_get_for(user=user, pk=pk)
