"""Demo MDF data: opening balances, requests at each approval level, a validated claim."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from partners.models import Partner

from . import services
from .models import FundRequest, MdfLedgerEntry

OPENING = {
    "huadong": Decimal("400000.00"),
    "zhilian": Decimal("60000.00"),
    "northwind": Decimal("8000.00"),
    "yunqi": Decimal("5000.00"),
}
DEMO_PDF = b"%PDF-1.4\n% demo proof of performance\n"


def _user(email: str) -> User | None:
    return User.objects.filter(email=email).first()


def _request(partner, actor, title, amount, *, days_from_now=30, activity="technical_salon"):
    existing = FundRequest.objects.filter(partner=partner, title=title).first()
    if existing is not None:
        return existing, False
    start = timezone.localdate() + datetime.timedelta(days=days_from_now)
    request = services.fund_request_submit(
        partner=partner,
        actor=actor,
        title=title,
        activity_type=activity,
        start_date=start,
        end_date=start + datetime.timedelta(days=1),
        total_budget=amount * 2,
        requested_amount=amount,
        expected_leads=25,
    )
    return request, True


@transaction.atomic
def seed(*, stdout=None) -> None:
    director = _user("director@prm.demo")
    cfo = _user("cfo@prm.demo")
    finance = _user("finance@prm.demo")
    for domain, amount in OPENING.items():
        admin = _user(f"admin@{domain}.demo")
        if admin is None or admin.partner is None:
            continue
        partner = admin.partner
        if not MdfLedgerEntry.objects.filter(partner=partner).exists():
            services.mdf_allocate(
                partner=partner,
                amount=amount,
                reason="Opening MDF allocation for the demo",
                actor=director,
            )
    admin = _user("admin@huadong.demo")
    if admin is None or director is None:
        return
    partner: Partner = admin.partner
    manager = partner.channel_manager or director
    small, created = _request(partner, admin, "Technical salon Hangzhou", Decimal("8000.00"))
    if created:
        services.fund_request_approve(fund_request=small, actor=manager, note="Good fit")
    _request(
        partner, admin, "Industry summit Shanghai", Decimal("60000.00"), activity="industry_summit"
    )
    large, created = _request(
        partner, admin, "Trade show Shenzhen", Decimal("150000.00"), activity="trade_show"
    )
    if created and cfo is not None:
        services.fund_request_approve(fund_request=large, actor=cfo, note="Strategic show")
    done, created = _request(
        partner,
        admin,
        "Online live stream launch",
        Decimal("20000.00"),
        days_from_now=-20,
        activity="live_stream",
    )
    if created and finance is not None:
        services.fund_request_approve(fund_request=done, actor=director)
        proof = ContentFile(DEMO_PDF, name="invoice.pdf")
        claim = services.claim_submit(
            fund_request=done,
            actor=admin,
            actual_spend=Decimal("36000.00"),
            leads_generated=48,
            attachments=[proof],
        )
        services.claim_validate(claim=claim, actor=finance)
        services.activity_result_record(
            fund_request=done, actor=admin, leads_count=48, deal_revenue=Decimal("420000.00")
        )
    if stdout is not None:
        stdout.write("MDF: balances, requests at each approval level, a validated claim.\n")
