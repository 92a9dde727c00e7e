"""A partner leaves the programme (DESIGN §2.9): the exit checklist reaches deals, leads, MDF,
certifications and statements through the steps those apps register, and blocks new deals."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.choices import Role
from core.models import AuditEvent, Notification
from core.periods import Quarter
from deals import services as deal_services
from deals.choices import DealStatus, LeadOfferStatus
from deals.models import DealHandover, LeadOffer
from deals.selectors import lead_open_partner_ids
from funds.choices import LedgerKind, RequestStatus
from funds.defaults import ensure_default_matrix
from funds.models import ApprovalRule, MdfLedgerEntry
from funds.services import fund_request_approve
from partners import services
from partners.choices import ExitStatus, PartnerStatus
from partners.exits import exit_steps
from partners.models import ExitItem, PartnerExit
from partners.tasks import partner_exits_deactivate_due_task
from settlement.models import Statement
from training.selectors import certified_staff_of
from training.services import certifications_detach

from ..deals.factories import DealFactory
from ..deals.test_leads import LEAD
from ..factories import PartnerFactory, PartnerUserFactory, UserFactory
from ..funds.factories import allocation, submit
from ..settlement.factories import queue_entry
from ..training.factories import CertificationFactory

TODAY = timezone.localdate


@pytest.fixture
def manager(db):
    return UserFactory(role=Role.CHANNEL_MANAGER)


@pytest.fixture
def leaving(manager):
    return PartnerFactory(channel_manager=manager, legal_name="Leaving Ltd")


@pytest.fixture
def leaver_admin(leaving):
    return PartnerUserFactory(partner=leaving, role=Role.PARTNER_ADMIN)


@pytest.fixture
def leaver_sales(leaving):
    return PartnerUserFactory(partner=leaving, role=Role.PARTNER_SALES)


def start(partner, manager, *, days=30, **extra):
    values = {
        "kind": "termination",
        "reason": "Serious breach not remedied",
        "exit_date": TODAY() + datetime.timedelta(days=days),
    } | extra
    return services.partner_exit_start(partner=partner, actor=manager, **values)


def item(partner_exit, step):
    return ExitItem.objects.get(exit=partner_exit, step=step)


def publish(actor):
    return deal_services.lead_publish(actor=actor, data=LEAD)


def open_deal(partner, registrant, manager):
    deal = DealFactory(partner=partner, registered_by=registrant)
    deal_services.deal_submit(deal=deal, actor=registrant)
    deal.refresh_from_db()
    if deal.status == DealStatus.SUBMITTED and not deal.needs_director:
        deal_services.deal_approve(deal=deal, actor=manager)
    deal.refresh_from_db()
    return deal


# --- starting ---------------------------------------------------------------------------------
def test_start_builds_a_checklist_of_every_registered_step_with_owners_and_due_dates(
    leaving, manager, leaver_admin
):
    finance = UserFactory(role=Role.FINANCE)
    # when the manager starts the exit
    partner_exit = start(leaving, manager)

    # then every step has its item, owner and due date, and the people concerned are told
    items = {i.step: i for i in partner_exit.items.all()}
    assert list(items) == [step.key for step in exit_steps()]
    assert set(items) == {
        "deals",
        "leads",
        "mdf",
        "certifications",
        "final_statement",
        "materials",
        "users",
    }
    assert items["deals"].owner == manager
    assert items["final_statement"].owner == finance
    assert items["deals"].due_on == partner_exit.exit_date - datetime.timedelta(days=14)
    assert items["users"].due_on == partner_exit.exit_date
    assert AuditEvent.objects.filter(action="partner_exit.started").count() == 1
    told = set(
        Notification.objects.filter(kind="partner.exit_started").values_list("recipient", flat=True)
    )
    assert {manager.pk, leaver_admin.pk, finance.pk} <= told


@pytest.mark.parametrize(
    ("field", "values"),
    [
        ("kind", {"kind": "bored"}),
        ("reason", {"reason": "  "}),
        ("exit_date", {"exit_date": datetime.date(2020, 1, 1)}),
    ],
)
def test_start_refuses_bad_input_field_by_field(leaving, manager, field, values):
    with pytest.raises(ValidationError) as caught:
        start(leaving, manager, **values)
    assert field in caught.value.message_dict
    assert not PartnerExit.objects.exists()


def test_a_partner_has_one_exit_in_progress_at_a_time(leaving, manager):
    start(leaving, manager)
    with pytest.raises(ValidationError):
        start(leaving, manager)
    assert PartnerExit.objects.count() == 1


def test_a_manager_of_other_partners_cannot_start_the_exit(leaving):
    with pytest.raises(PermissionDenied):
        start(leaving, UserFactory(role=Role.CHANNEL_MANAGER))


# --- no new deals -----------------------------------------------------------------------------
def test_a_partner_in_exit_cannot_register_or_submit_deals(leaving, manager, leaver_sales):
    # given a draft written before the exit started
    draft = DealFactory(partner=leaving, registered_by=leaver_sales)
    start(leaving, manager)

    # then neither a new draft nor the submission of the old one passes the service
    with pytest.raises(ValidationError, match="leaving the partner programme"):
        deal_services.deal_draft_save(
            actor=leaver_sales,
            data={
                "customer_name": "New Customer Ltd",
                "customer_region": "CN-SH",
                "project_name": "P",
                "currency": "CNY",
                "expected_close_date": TODAY() + datetime.timedelta(days=30),
            },
            lines=[],
        )
    with pytest.raises(ValidationError, match="leaving the partner programme"):
        deal_services.deal_submit(deal=draft, actor=leaver_sales)
    draft.refresh_from_db()
    assert draft.status == DealStatus.DRAFT


def test_a_completed_exit_of_another_partner_does_not_block_registration(manager, leaver_sales):
    # given another partner whose exit is complete
    other = PartnerFactory(channel_manager=manager)
    PartnerExit.objects.create(
        partner=other,
        kind="non_renewal",
        reason="x",
        exit_date=TODAY(),
        status=ExitStatus.COMPLETED,
        started_by=manager,
    )
    deal = DealFactory(partner=leaver_sales.partner, registered_by=leaver_sales)
    deal_services.deal_submit(deal=deal, actor=leaver_sales)
    assert deal.__class__.objects.get(pk=deal.pk).status != DealStatus.DRAFT


# --- handover ---------------------------------------------------------------------------------
def test_handover_to_another_partner_moves_the_deal_with_its_history(
    leaving, manager, leaver_sales
):
    deal = open_deal(leaving, leaver_sales, manager)
    receiver = PartnerFactory()
    receiver_admin = PartnerUserFactory(partner=receiver, role=Role.PARTNER_ADMIN)
    partner_exit = start(leaving, manager)

    # when the manager hands it over
    handover = deal_services.deal_hand_over(deal=deal, actor=manager, to_partner=receiver)

    # then the receiver owns it, protection intact; the leaver no longer sees it; audited
    deal.refresh_from_db()
    assert deal.partner == receiver and deal.status == DealStatus.APPROVED
    assert handover.partner_exit == partner_exit and handover.from_partner == leaving
    assert not deal.__class__.objects.visible_to(leaver_sales).filter(pk=deal.pk).exists()
    assert deal.__class__.objects.visible_to(receiver_admin).filter(pk=deal.pk).exists()
    event = AuditEvent.objects.get(action="deal.handed_over")
    assert event.changes["partner_id"] == {"before": leaving.pk, "after": receiver.pk}
    assert Notification.objects.filter(recipient=receiver_admin, kind="deal.handed_over").exists()
    # the receiver reads the earlier history of the registration
    assert AuditEvent.objects.filter(object_id=str(deal.pk), action="deal.submitted").exists()


def test_handover_back_to_the_vendor_ends_the_protection(leaving, manager, leaver_sales):
    deal = open_deal(leaving, leaver_sales, manager)
    start(leaving, manager)

    deal_services.deal_hand_over(deal=deal, actor=manager, to_partner=None)

    deal.refresh_from_db()
    assert deal.status == DealStatus.EXPIRED and deal.protection_ends_at <= timezone.now()
    assert DealHandover.objects.get(deal=deal).to_partner is None


def test_handover_refuses_a_partner_not_in_exit_a_closed_deal_and_a_leaving_receiver(
    leaving, manager, leaver_sales
):
    deal = open_deal(leaving, leaver_sales, manager)
    receiver = PartnerFactory(channel_manager=manager)
    # not in exit
    with pytest.raises(ValidationError):
        deal_services.deal_hand_over(deal=deal, actor=manager, to_partner=receiver)
    start(leaving, manager)
    start(receiver, manager)
    # the receiver leaves too
    with pytest.raises(ValidationError) as caught:
        deal_services.deal_hand_over(deal=deal, actor=manager, to_partner=receiver)
    assert "to_partner" in caught.value.message_dict
    # to itself
    with pytest.raises(ValidationError):
        deal_services.deal_hand_over(deal=deal, actor=manager, to_partner=leaving)
    # a lost deal stays with the leaver's history
    lost = DealFactory(partner=leaving, registered_by=leaver_sales, status=DealStatus.LOST)
    with pytest.raises(ValidationError):
        deal_services.deal_hand_over(deal=lost, actor=manager, to_partner=None)
    assert not DealHandover.objects.exists()


def test_deals_step_cannot_be_ticked_while_deals_are_open(leaving, manager, leaver_sales):
    deal = open_deal(leaving, leaver_sales, manager)
    partner_exit = start(leaving, manager)
    with pytest.raises(ValidationError, match="1 still to do"):
        services.exit_item_done(item=item(partner_exit, "deals"), actor=manager)
    deal_services.deal_hand_over(deal=deal, actor=manager, to_partner=None)
    done = services.exit_item_done(item=item(partner_exit, "deals"), actor=manager)
    assert done.is_done and done.done_by == manager


# --- the automatic steps ----------------------------------------------------------------------
def test_leads_step_withdraws_the_open_offers(leaving, manager):
    lead = publish(manager)
    LeadOffer.objects.get_or_create(
        lead=lead, partner=leaving, defaults={"offered_at": timezone.now()}
    )
    partner_exit = start(leaving, manager)

    done = services.exit_item_run(item=item(partner_exit, "leads"), actor=manager)

    offer = LeadOffer.objects.get(lead=lead, partner=leaving)
    assert offer.status == LeadOfferStatus.WITHDRAWN
    assert done.is_done and "1" in done.note
    assert AuditEvent.objects.filter(action="lead_offer.withdrawn").count() == 1


def test_a_partner_in_exit_cannot_accept_a_lead(leaving, manager, leaver_sales):
    lead = publish(manager)
    LeadOffer.objects.get_or_create(
        lead=lead, partner=leaving, defaults={"offered_at": timezone.now()}
    )
    start(leaving, manager)
    with pytest.raises(ValidationError, match="leaving the partner programme"):
        deal_services.lead_accept(lead_id=lead.pk, actor=leaver_sales)


def test_mdf_step_releases_reservations_and_rejects_pending_requests(leaving, manager):
    ensure_default_matrix(ApprovalRule)  # transactional tests elsewhere flush the migrated rows
    finance = PartnerUserFactory(partner=leaving, role=Role.PARTNER_FINANCE)
    allocation(leaving, "20000.00")
    approved = submit(leaving, finance, "1000.00")
    fund_request_approve(fund_request=approved, actor=manager)
    pending = submit(leaving, finance, "500.00")
    partner_exit = start(leaving, manager)

    done = services.exit_item_run(item=item(partner_exit, "mdf"), actor=manager)

    approved.refresh_from_db()
    pending.refresh_from_db()
    assert approved.status == RequestStatus.RELEASED
    assert pending.status == RequestStatus.REJECTED
    release = MdfLedgerEntry.objects.get(fund_request=approved, kind=LedgerKind.RELEASE)
    assert release.amount == Decimal("1000.00")
    assert done.is_done


def test_certifications_step_detaches_them_from_the_partner_figures(leaving, manager):
    person = PartnerUserFactory(partner=leaving, role=Role.PARTNER_SALES)
    CertificationFactory(user=person)
    assert certified_staff_of(partner=leaving, as_of=TODAY())["total"] == 1
    partner_exit = start(leaving, manager)

    services.exit_item_run(item=item(partner_exit, "certifications"), actor=manager)

    assert certified_staff_of(partner=leaving, as_of=TODAY())["total"] == 0
    assert AuditEvent.objects.filter(action="certification.detached").count() == 1


def test_detaching_needs_a_manager_of_the_partner(leaving):
    with pytest.raises(PermissionDenied):
        certifications_detach(partner=leaving, actor=UserFactory(role=Role.CHANNEL_MANAGER))


def test_final_statement_step_builds_it_and_stays_open_until_settled(leaving, manager):
    finance = UserFactory(role=Role.FINANCE)
    queue_entry(leaving, "250.00", period=str(Quarter.containing(TODAY())))
    partner_exit = start(leaving, manager)

    # when finance builds the final statement
    run = services.exit_item_run(item=item(partner_exit, "final_statement"), actor=finance)

    # then it exists, and the step waits for its settlement
    statement = Statement.objects.get(partner=leaving)
    assert statement.number in run.note and not run.is_done
    with pytest.raises(ValidationError, match="1 still to do"):
        services.exit_item_done(item=run, actor=finance)


# --- exit date and completion ------------------------------------------------------------------
def test_users_are_deactivated_on_the_exit_date_once(leaving, manager, leaver_admin, leaver_sales):
    partner_exit = start(leaving, manager, days=3)

    # before the date nothing happens
    assert services.partner_exits_deactivate_due() == 0
    leaver_admin.refresh_from_db()
    assert leaver_admin.is_active

    # on the date every user is switched off and the step ticked; a second run changes nothing
    on = partner_exit.exit_date
    assert services.partner_exits_deactivate_due(today=on) == 2
    assert services.partner_exits_deactivate_due(today=on) == 0
    leaver_admin.refresh_from_db()
    leaver_sales.refresh_from_db()
    assert not leaver_admin.is_active and not leaver_sales.is_active
    assert item(partner_exit, "users").is_done
    assert AuditEvent.objects.filter(action="partner_exit.users_deactivated").count() == 1


def test_users_step_cannot_be_ticked_by_hand(leaving, manager):
    partner_exit = start(leaving, manager)
    with pytest.raises(ValidationError):
        services.exit_item_done(item=item(partner_exit, "users"), actor=manager)


def test_complete_needs_every_step_done_then_terminates_the_partner(leaving, manager):
    partner_exit = start(leaving, manager, days=0)
    with pytest.raises(ValidationError, match="Finish the checklist"):
        services.partner_exit_complete(partner_exit=partner_exit, actor=manager)

    # when every step is done
    for key in ("deals", "materials"):
        services.exit_item_done(item=item(partner_exit, key), actor=manager, note="ok")
    for key in ("leads", "mdf", "certifications"):
        services.exit_item_run(item=item(partner_exit, key), actor=manager)
    services.exit_item_done(item=item(partner_exit, "final_statement"), actor=manager)
    services.partner_exits_deactivate_due()
    services.partner_exit_complete(partner_exit=partner_exit, actor=manager)

    # then the exit is kept as completed and the partner is terminated
    partner_exit.refresh_from_db()
    leaving.refresh_from_db()
    assert partner_exit.status == ExitStatus.COMPLETED and partner_exit.completed_by == manager
    assert leaving.status == PartnerStatus.TERMINATED
    assert AuditEvent.objects.filter(action="partner.terminated").count() == 1
    with pytest.raises(ValidationError):
        services.partner_exit_complete(partner_exit=partner_exit, actor=manager)


def test_the_daily_task_deactivates_on_the_exit_date_and_is_idempotent(
    leaving, manager, leaver_admin, time_machine
):
    # given an exit dated tomorrow
    partner_exit = start(leaving, manager, days=1)
    # when the task runs today, then tomorrow twice
    assert partner_exits_deactivate_due_task.delay().get() == 0
    time_machine.move_to(datetime.datetime.combine(partner_exit.exit_date, datetime.time(12)))
    assert partner_exits_deactivate_due_task.delay().get() == 1
    assert partner_exits_deactivate_due_task.delay().get() == 0
    # then the admin is off once
    leaver_admin.refresh_from_db()
    assert not leaver_admin.is_active
    assert AuditEvent.objects.filter(action="partner_user.deactivated").count() == 1


def test_the_exit_task_is_in_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["partners.exit-deactivate-users"]
    assert entry["task"] == "partners.tasks.partner_exits_deactivate_due_task"


def test_a_partner_in_exit_is_offered_no_new_lead(leaving, manager):
    # given a partner in exit covering the lead's region, and another one
    staying = PartnerFactory(regions=leaving.regions)
    start(leaving, manager)
    # when a lead is published there
    lead = publish(manager)
    # then only the staying partner is offered it, now or once it opens
    offered = set(LeadOffer.objects.filter(lead=lead).values_list("partner_id", flat=True))
    assert leaving.pk not in offered
    assert leaving.pk not in lead_open_partner_ids(region=lead.customer_region)
    assert staying.pk in lead_open_partner_ids(region=lead.customer_region)
