"""Results of an approved MDF activity (DESIGN §7): the leads and deal revenue it brought."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.scoping import is_own_company
from core.audit import audit_record
from core.money import round_money

from ..choices import RequestStatus
from ..models import ActivityDeal, ActivityResult, FundRequest


@transaction.atomic
def activity_result_record(
    *, fund_request: FundRequest, actor, leads_count: int, deal_revenue: Decimal
) -> ActivityResult:
    """Record leads and deal revenue attributed to an approved activity (staff or its partner)."""
    fund_request = FundRequest.objects.select_for_update().get(pk=fund_request.pk)
    if actor.is_partner_user:
        if not is_own_company(actor, fund_request.partner_id):
            raise PermissionDenied
    elif not actor.is_vendor_staff:
        raise PermissionDenied
    if fund_request.status not in (
        RequestStatus.APPROVED,
        RequestStatus.CLAIMED,
        RequestStatus.RELEASED,
    ):
        raise ValidationError(_("Results can be recorded for approved activities only."))
    errors = {}
    if leads_count is None or leads_count < 0:
        errors["leads_count"] = _("Enter zero or more leads.")
    if deal_revenue is None or deal_revenue < 0:
        errors["deal_revenue"] = _("Enter zero or more revenue.")
    if errors:
        raise ValidationError(errors)
    result = ActivityResult.objects.select_for_update().filter(fund_request=fund_request).first()
    before = (
        {"leads_count": result.leads_count, "deal_revenue": str(result.deal_revenue)}
        if result
        else {}
    )
    if result is None:
        result = ActivityResult(fund_request=fund_request)
    result.leads_count = leads_count
    result.deal_revenue = round_money(deal_revenue, fund_request.currency)
    result.updated_by = actor
    result.save()
    after = {"leads_count": result.leads_count, "deal_revenue": str(result.deal_revenue)}
    audit_record(
        actor=actor,
        action="activity_result.recorded",
        obj=result,
        changes={k: {"before": before.get(k), "after": v} for k, v in after.items()},
    )
    return result


@transaction.atomic
def deal_activity_set(*, deal, fund_request: FundRequest | None) -> None:
    """Record the MDF activity a deal came from (None: none). Deals calls it through
    `deals.attribution` after checking the activity is one its company may reference."""
    if fund_request is None:
        ActivityDeal.objects.filter(deal_id=deal.pk).delete()
        return
    ActivityDeal.objects.update_or_create(deal_id=deal.pk, defaults={"fund_request": fund_request})
