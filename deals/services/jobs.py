"""Scheduled sweeps of registrations: expiry, expiry warnings, SLA escalation."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.notifications import notify
from core.transitions import transition_record

from ..choices import DealStatus
from ..models import Deal
from ._common import _channel_directors, _deal_notice, _deal_recipients, _url


# Not atomic as a whole: a scheduled sweep; one transaction per deal.
def deal_expire_stale(*, now: datetime.datetime | None = None) -> int:
    """Expire approved registrations whose protection ended without a win (nightly)."""
    now = now or timezone.now()
    count = 0
    ids = list(
        Deal.objects.filter(status=DealStatus.APPROVED, protection_ends_at__lte=now).values_list(
            "pk", flat=True
        )
    )
    for pk in ids:
        with transaction.atomic():
            deal = (
                Deal.objects.select_for_update().filter(pk=pk, status=DealStatus.APPROVED).first()
            )
            if deal is None:
                continue
            deal.status = DealStatus.EXPIRED
            deal.save(update_fields=["status", "updated_at"])
            transition_record(
                deal,
                actor=None,
                action="deal.expired",
                notice=_deal_notice(
                    deal,
                    recipients=_deal_recipients(deal),
                    kind="deal.expired",
                    title=_("Protection ended: %(project)s"),
                ),
            )
            count += 1
    return count


EXPIRY_WARNING_DAYS = 14


# Not atomic as a whole: a scheduled sweep; one transaction per deal.
def deal_warn_expiring(*, now: datetime.datetime | None = None) -> int:
    """Tell partners once when a protection ends within 14 days (daily; idempotent)."""
    now = now or timezone.now()
    ids = list(
        Deal.objects.filter(
            status=DealStatus.APPROVED,
            expiry_warned_at__isnull=True,
            protection_ends_at__gt=now,
            protection_ends_at__lte=now + datetime.timedelta(days=EXPIRY_WARNING_DAYS),
        ).values_list("pk", flat=True)
    )
    count = 0
    for pk in ids:
        with transaction.atomic():
            deal = (
                Deal.objects.select_for_update(of=("self",))
                .select_related("partner")
                .filter(pk=pk, status=DealStatus.APPROVED, expiry_warned_at__isnull=True)
                .first()
            )
            if deal is None:
                continue
            deal.expiry_warned_at = now
            deal.save(update_fields=["expiry_warned_at", "updated_at"])
            notify(
                recipients=_deal_recipients(deal),
                kind="deal.expiring",
                title=_("Protection ends on %(until)s: %(project)s"),
                body=_("Close the deal or request an extension before then."),
                url=_url(deal),
                params={
                    "project": deal.project_name,
                    "until": deal.protection_ends_at.date().isoformat(),
                },
            )
            count += 1
    return count


# Not atomic as a whole: a scheduled sweep; one transaction per deal.
def deal_escalate_overdue(*, now: datetime.datetime | None = None) -> int:
    """Escalate registrations past their approval SLA to the channel directors (once each)."""
    now = now or timezone.now()
    count = 0
    overdue = Deal.objects.filter(
        status__in=[DealStatus.SUBMITTED, DealStatus.IN_CONFLICT],
        sla_due_at__lt=now,
        escalated_at__isnull=True,
    ).values_list("pk", flat=True)
    directors = _channel_directors()
    for pk in list(overdue):
        with transaction.atomic():
            deal = Deal.objects.select_for_update().filter(pk=pk, escalated_at__isnull=True).first()
            if deal is None:
                continue
            deal.escalated_at = now
            deal.save(update_fields=["escalated_at", "updated_at"])
            transition_record(
                deal,
                actor=None,
                action="deal.escalated",
                notice=_deal_notice(
                    deal,
                    recipients=directors,
                    kind="deal.escalated",
                    title=_("Registration past its approval SLA: %(project)s"),
                ),
            )
            count += 1
    return count
