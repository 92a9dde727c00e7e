"""Demo MDF data: opening balances, requests at each approval level, a validated claim."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from deals.choices import DealStatus
from deals.models import Deal, DealLine, Product
from deals.rules import normalize_customer_name
from partners.models import Partner
from settlement.models import SettlementEntry
from settlement.services import statement_build

from . import services
from .models import ActivityDeal, FundRequest, MdfLedgerEntry

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
            fund_request=done, actor=admin, leads_count=48, deal_revenue=Decimal("120000.00")
        )
    _deals_from_activity(done, admin)
    _statement_with_reimbursement(partner)
    if stdout is not None:
        stdout.write(
            "MDF: balances, requests at each approval level, a validated claim on a statement.\n"
        )


def _deals_from_activity(fund_request: FundRequest, admin: User) -> None:
    """Two registrations that came from the live stream: one won (counts for ROI), one open."""
    product = Product.objects.filter(sku="SW-4800").first() or Product.objects.first()
    if product is None:
        return
    now = timezone.now()
    for name, status in (
        ("杭州云帆智能制造有限公司", DealStatus.WON),
        ("宁波港湾物流有限公司", DealStatus.APPROVED),
    ):
        project = f"{name[:8]} · 直播线索"
        if Deal.objects.filter(partner=fund_request.partner, project_name=project).exists():
            continue
        deal = Deal.objects.create(
            partner=fund_request.partner,
            registered_by=admin,
            customer_name=name,
            customer_region=(fund_request.partner.regions or ["CN-ZJ"])[0],
            industry="manufacturing",
            project_name=project,
            currency=fund_request.currency,
            expected_close_date=timezone.localdate() + datetime.timedelta(days=30),
            status=status,
            submitted_at=now - datetime.timedelta(days=15),
            decided_at=now - datetime.timedelta(days=14),
            protection_ends_at=now + datetime.timedelta(days=75),
            customer_fingerprint=normalize_customer_name(name),
            order_number="SO-MDF-001" if status == DealStatus.WON else "",
            closed_on=timezone.localdate() - datetime.timedelta(days=3)
            if status == DealStatus.WON
            else None,
        )
        ActivityDeal.objects.create(deal=deal, fund_request=fund_request)
        DealLine.objects.create(
            deal=deal, product=product, quantity=20, unit_price=product.list_price
        )
        if status == DealStatus.WON:
            DealLine.objects.create(
                deal=deal, product=product, quantity=20, unit_price=product.list_price, final=True
            )


def _statement_with_reimbursement(partner: Partner) -> None:
    """Build the draft statement that carries the validated claim's reimbursement line."""
    entry = SettlementEntry.objects.filter(
        partner=partner, source_type="funds.claim", statement__isnull=True
    ).first()
    if entry is not None:
        statement_build(partner=partner, period=entry.period)
