"""The shared world of the permission sweep: two unrelated partner companies, a distributor, and
one object of every kind a route can name, each owned by the home partner (`Home Dealer`).

Built once per sweep module inside a transaction that is rolled back at the end, so every test
reads the same objects and any write a test makes is undone by its own savepoint.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from core.models import FxRate, ImportBatch, JobRun, JobStatus, Notification, SavedView
from core.periods import Quarter
from deals.choices import LeadStatus
from deals.models import Lead, LeadOffer
from deals.services import deal_approve, deal_extension_request, deal_submit, lead_publish
from funds.choices import RequestStatus
from funds.defaults import ensure_default_matrix
from funds.models import ApprovalRule, Claim, ClaimAttachment, FundRequest, FundRequestAttachment
from partners.choices import PartnerType
from partners.models import (
    BusinessReport,
    ComplianceViolation,
    CreditApplication,
    CreditLimitProposal,
    CreditRating,
    ExitItem,
    NpsResponse,
    NpsWarning,
    Partner,
    PartnerExit,
    PartnerVisit,
    Scorecard,
    ScorecardWeightSet,
    TierEvaluation,
)
from rebates.models import Accrual
from settlement.models import (
    Dispute,
    DisputeEvidence,
    Order,
    ReconciliationAnomaly,
    ReconciliationRun,
)
from tests.deals.factories import DealFactory
from tests.factories import PartnerFactory, PartnerUserFactory, UserFactory, tier
from tests.funds.factories import allocation, submit
from tests.partners.factories import AgreementFactory, PartnerApplicationFactory
from tests.rebates.factories import programme
from tests.settlement.factories import published_statement
from tests.training.factories import CertificationFactory, ModuleFactory, exam_with_bank
from training.models import Attempt

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"

# Staff roles and partner roles the sweep acts as; "anonymous" is no login at all.
STAFF_ACTORS = {
    "admin": Role.ADMIN,
    "manager": Role.CHANNEL_MANAGER,
    "director": Role.CHANNEL_DIRECTOR,
    "legal": Role.LEGAL,
    "finance": Role.FINANCE,
    "cfo": Role.CFO,
}
HOME_ACTORS = {
    "partner_admin": Role.PARTNER_ADMIN,
    "partner_sales": Role.PARTNER_SALES,
    "partner_finance": Role.PARTNER_FINANCE,
}
# `other` is the admin of an unrelated company; `distributor` the admin of the home partner's parent.
ACTORS = ("anonymous", *STAFF_ACTORS, *HOME_ACTORS, "other", "distributor")


@dataclass
class World:
    """Objects by name; `users` by actor name. Every object belongs to `home` unless named otherwise."""

    home: Partner
    other_company: Partner
    distributor: Partner
    users: dict[str, User] = field(default_factory=dict)
    objects: dict[str, object] = field(default_factory=dict)

    def __getattr__(self, name: str):
        try:
            return self.__dict__["objects"][name]
        except KeyError as exc:
            raise AttributeError(name) from exc


def build_world() -> World:
    # Transactional tests elsewhere flush the migrated approval matrix and tiers; put them back.
    ensure_default_matrix(ApprovalRule)
    tier("registered")
    distributor = PartnerFactory(
        legal_name="Sweep Distributor Ltd", partner_type=PartnerType.DISTRIBUTOR
    )
    manager = UserFactory(role=Role.CHANNEL_MANAGER, email="manager@sweep.test")
    home = PartnerFactory(
        legal_name="Sweep Home Dealer Ltd",
        parent=distributor,
        channel_manager=manager,
        tier=tier("gold"),
    )
    other_company = PartnerFactory(legal_name="Sweep Other Company Ltd")
    world = World(home=home, other_company=other_company, distributor=distributor)
    users = world.users
    for name, role in STAFF_ACTORS.items():
        users[name] = (
            manager if name == "manager" else UserFactory(role=role, email=f"{name}@sweep.test")
        )
    for name, role in HOME_ACTORS.items():
        users[name] = PartnerUserFactory(partner=home, role=role, email=f"{name}@home.sweep.test")
    users["other"] = PartnerUserFactory(
        partner=other_company, role=Role.PARTNER_ADMIN, email="admin@other.sweep.test"
    )
    users["distributor"] = PartnerUserFactory(
        partner=distributor, role=Role.PARTNER_ADMIN, email="admin@distributor.sweep.test"
    )
    _populate(world)
    return world


def _populate(world: World) -> None:
    home, users, objects = world.home, world.users, world.objects
    today = timezone.localdate()
    quarter = str(Quarter.containing(today))

    objects["home_user"] = users["partner_sales"]
    objects["notification"] = Notification.objects.create(
        recipient=users["partner_admin"], kind="sweep", title="Sweep notice", url="/"
    )
    objects["saved_view"] = SavedView.objects.create(
        user=users["partner_admin"], list_key="deals", name="Sweep view", query="status=draft"
    )
    job = JobRun.objects.create(
        kind="sweep",
        label="Sweep job",
        status=JobStatus.SUCCEEDED,
        started_by=users["partner_admin"],
    )
    job.result_file.save("sweep.csv", ContentFile(b"a,b\n"), save=True)
    objects["job"] = job
    objects["import_batch"] = ImportBatch.objects.create(
        kind="sales_lines",
        file=ContentFile(b"x\n", name="sales.csv"),
        original_name="sales.csv",
        uploaded_by=users["finance"],
    )
    objects["application"] = PartnerApplicationFactory()
    objects["tier_proposal"] = TierEvaluation.objects.create(
        partner=home,
        quarter=quarter,
        current_tier=home.tier,
        qualified_tier=tier("diamond"),
        outcome="upgrade",
        status="pending",
        proposed_tier=tier("diamond"),
    )
    objects["scorecard"] = Scorecard.objects.create(
        partner=home,
        kind="yearly",
        year=today.year - 1,
        score_revenue=80,
        score_marketing=70,
        score_satisfaction=90,
        score_compliance=100,
        score_team=60,
        total=Decimal("80.00"),
        classification="A",
    )
    objects["weight_set"] = ScorecardWeightSet.objects.create(
        name="Distributors", partner_types=[PartnerType.DISTRIBUTOR]
    )
    objects["nps_response"] = NpsResponse.objects.create(partner=home, quarter=quarter, score=9)
    objects["agreement"] = AgreementFactory(
        partner=home, signed_document=ContentFile(PDF, name="a.pdf")
    )
    objects["credit"] = CreditApplication.objects.create(
        partner=home,
        kind="normal",
        amount=Decimal("50000.00"),
        currency="CNY",
        justification="Growth",
        requested_by=users["partner_finance"],
    )
    objects["credit_rating"] = CreditRating.objects.create(
        partner=home,
        kind="quarterly",
        quarter=str(Quarter.containing(today).previous()),
        as_of=today,
        grade="B",
        previous_grade="AAA",
        points=55,
        currency="CNY",
        credit_limit=home.credit_limit,
        overdue_exposure=Decimal("0.00"),
        average_days_late=Decimal("20.0"),
        share_late=Decimal("0.5000"),
        disputes_lost=0,
    )
    objects["credit_proposal"] = CreditLimitProposal.objects.create(
        partner=home,
        rating=objects["credit_rating"],
        reason="grade_drop",
        current_limit=home.credit_limit,
        proposed_limit=(home.credit_limit / 2).quantize(Decimal("0.01")),
        currency="CNY",
    )
    objects["nps_warning"] = NpsWarning.objects.create(
        partner=home, quarter=quarter, level="red", nps=-10, previous_nps=30
    )
    objects["report"] = BusinessReport.objects.create(
        partner=home,
        month=today.replace(day=1),
        pipeline="Three projects",
        submitted_by=users["partner_admin"],
        submitted_at=timezone.now(),
    )
    objects["visit"] = PartnerVisit.objects.create(
        partner=home, manager=users["manager"], kind="site", planned_on=today
    )
    module = ModuleFactory(attachment=ContentFile(PDF, name="module.pdf"))
    # A completed exit, kept for the history: the home partner still registers deals.
    objects["partner_exit"] = PartnerExit.objects.create(
        partner=home,
        kind="non_renewal",
        reason="Sweep exit reason",
        exit_date=today,
        status="completed",
        started_by=users["manager"],
        completed_by=users["manager"],
        completed_at=timezone.now(),
    )
    objects["exit_item"] = ExitItem.objects.create(
        exit=objects["partner_exit"],
        step="materials",
        position=60,
        owner=users["manager"],
        due_on=today,
        done_at=timezone.now(),
        done_by=users["manager"],
    )
    objects["module"] = module
    objects["course"] = module.course
    exam = exam_with_bank(course=module.course)
    objects["attempt"] = Attempt.objects.create(
        exam=exam,
        user=users["partner_admin"],
        partner=home,
        question_ids=list(exam.questions.values_list("pk", flat=True)),
        deadline=timezone.now() + datetime.timedelta(minutes=30),
    )
    objects["certification"] = CertificationFactory(
        user=users["partner_sales"], course=module.course
    )
    objects["deal"] = DealFactory(partner=home, registered_by=users["partner_sales"])
    # An approved registration with a pending extension: the state closing and deciding need.
    approved = DealFactory(
        partner=home,
        registered_by=users["partner_sales"],
        customer_name="Sweep Approved Customer Ltd",
    )
    deal_submit(deal=approved, actor=users["partner_sales"])
    deal_approve(deal=approved, actor=users["manager"])
    deal_extension_request(
        deal=approved, actor=users["partner_sales"], justification="Tender delayed"
    )
    objects["approved_deal"] = approved
    lead = lead_publish(
        actor=users["manager"],
        data={
            "customer_name": "Sweep Lead Customer",
            "customer_region": "CN-SH",
            "project_name": "Sweep lead",
            "estimated_value": Decimal("10000.00"),
            "currency": "CNY",
        },
    )
    # Offered to the dealer and to its distributor alike, as an open lead is.
    for partner in (home, world.distributor):
        LeadOffer.objects.get_or_create(
            lead=lead, partner=partner, defaults={"offered_at": timezone.now()}
        )
    objects["lead"] = lead
    # Offered to the dealer alone: nothing its distributor may read (DESIGN §1).
    dealer_lead = Lead.objects.create(
        customer_name="Sweep Dealer-only Customer",
        customer_region="CN-SH",
        project_name="Sweep dealer-only lead",
        estimated_value=Decimal("5000.00"),
        currency="CNY",
        status=LeadStatus.EXCLUSIVE,
        exclusive_until=timezone.now() + datetime.timedelta(hours=48),
        published_by=users["manager"],
        published_at=timezone.now(),
    )
    LeadOffer.objects.create(
        lead=dealer_lead, partner=home, exclusive=True, offered_at=timezone.now()
    )
    objects["dealer_lead"] = dealer_lead
    prog = programme()
    objects["programme"] = prog
    objects["accrual"] = Accrual.objects.create(
        partner=home,
        programme=prog,
        period=quarter,
        amount=Decimal("987.65"),
        currency="CNY",
        revenue=Decimal("1000.00"),
        target=Decimal("1000.00"),
        attainment=Decimal("1.0000"),
        effective_rate=Decimal("0.1230"),
        inputs_hash="sweep",
        calculated_at=timezone.now(),
    )
    statement = published_statement(home, "1222.00")
    objects["statement"] = statement
    objects["dispute"] = Dispute.objects.create(
        statement=statement, reason="Wrong amount", raised_by=users["partner_finance"]
    )
    objects["dispute_evidence"] = DisputeEvidence.objects.create(
        dispute=objects["dispute"], file=ContentFile(PDF, name="evidence.pdf")
    )
    objects["violation"] = ComplianceViolation.objects.create(
        partner=home,
        kind="other",
        description="Late report",
        status="closed",
        evidence=ContentFile(PDF, name="violation.pdf"),
    )
    run = ReconciliationRun.objects.create()
    objects["reconciliation_run"] = run
    objects["anomaly"] = ReconciliationAnomaly.objects.create(
        kind="payment_without_order", partner=home, run=run, currency="CNY"
    )
    objects["ledger_entry"] = allocation(home, "100000.00")
    objects["order"] = Order.objects.create(
        partner=home,
        reference="SO-SWEEP-1",
        order_date=today,
        amount=Decimal("1000.00"),
        currency="CNY",
    )
    objects["fx_rate"] = FxRate.objects.create(
        base_currency="USD", quote_currency="CNY", rate_date=today, rate=Decimal("7.10")
    )
    fund_request = submit(home, users["partner_finance"], "1000.00")
    objects["fund_request"] = fund_request
    objects["fund_request_attachment"] = FundRequestAttachment.objects.create(
        fund_request=fund_request,
        file=ContentFile(PDF, name="plan.pdf"),
        uploaded_by=users["partner_finance"],
    )
    claimed = submit(home, users["partner_finance"], "500.00")
    # Approved as the approval matrix would, so the claim has an amount to be measured against.
    FundRequest.objects.filter(pk=claimed.pk).update(
        status=RequestStatus.CLAIMED, approved_amount=Decimal("500.00")
    )
    claim = Claim.objects.create(
        fund_request=claimed,
        actual_spend=Decimal("400.00"),
        submitted_by=users["partner_finance"],
        submitted_at=timezone.now(),
    )
    objects["claim"] = claim
    objects["claim_attachment"] = ClaimAttachment.objects.create(
        claim=claim, file=ContentFile(PDF, name="invoice.pdf"), uploaded_by=users["partner_finance"]
    )
    _populate_inventory_flags(world)


# --- inventory flags (DESIGN §11) ---
def _populate_inventory_flags(world: World) -> None:
    """A serial clash of the home partner with the other company (who must stay anonymous to
    the home partner), and a freeze proposal after a confirmed cross-region flag."""
    from inventory.choices import FlagKind, FlagStatus, PenaltyStep
    from inventory.models import InventoryFlag, InventoryPenalty
    from tests.inventory.factories import SellThroughLineFactory

    home, objects = world.home, world.objects
    line = SellThroughLineFactory(
        report__partner=home, report__reported_by=world.users["partner_admin"]
    )
    other_line = SellThroughLineFactory(
        report__partner=world.other_company,
        report__reported_by=world.users["other"],
        customer_name="Sweep Other Customer Ltd",
    )
    objects["inventory_flag"] = InventoryFlag.objects.create(
        partner=home,
        line=line,
        kind=FlagKind.SERIAL_CLASH,
        other_partner=world.other_company,
        other_line=other_line,
        evidence={"serial": "SN-SWEEP", "other_sold_on": "2026-11-15", "other_quantity": 2},
    )
    confirmed = InventoryFlag.objects.create(
        partner=home, line=line, kind=FlagKind.CROSS_REGION, status=FlagStatus.CONFIRMED
    )
    objects["inventory_penalty"] = InventoryPenalty.objects.create(
        partner=home, flag=confirmed, step=PenaltyStep.FREEZE_PROPOSAL
    )
    _populate_inventory_stock(world, product=line.product)


def _populate_inventory_stock(world: World, *, product) -> None:
    """The home partner's stock of that product, its figures and an ageing alert."""
    import datetime

    from inventory.choices import AlertKind, ReportKind
    from inventory.figures import inventory_figures_refresh
    from inventory.models import InventoryAlert
    from tests.inventory.factories import InventorySnapshotFactory

    home = world.home
    InventorySnapshotFactory(
        report__partner=home,
        report__kind=ReportKind.INVENTORY,
        report__reported_by=world.users["partner_admin"],
        product=product,
        as_of=datetime.date(2026, 11, 30),
        on_hand=40,
    )
    inventory_figures_refresh([home.pk], alerts=False)
    InventoryAlert.objects.create(
        partner=home,
        product=product,
        kind=AlertKind.AGEING,
        month=datetime.date(2026, 11, 1),
        days_of_inventory=400,
        on_hand=40,
    )


# --- end of inventory flags ---
