"""The data migration files approvals given before review rounds existed in the round they were
given in, rebuilt from the audit trail, so approvals from before a return stop counting."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.choices import Role
from tests.factories import PartnerFactory, staff

BEFORE = [("settlement", "0007_review_rounds")]
AFTER = [("settlement", "0009_approvals_belong_to_a_round")]
T0 = datetime.datetime(2026, 10, 1, 9, 0, tzinfo=datetime.UTC)


def _at(minutes: int) -> datetime.datetime:
    return T0 + datetime.timedelta(minutes=minutes)


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture(autouse=True)
def _back_to_latest():
    """The tests that follow run on the latest schema (later migrations add columns)."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_existing_approvals_are_filed_in_their_rounds():
    # given: the schema before rounds, a statement approved twice, returned, resubmitted by the
    # first approver and approved once more (the old code counted three), and one without a trail
    preparer, first, second, third = (staff(Role.FINANCE) for _ in range(4))
    partner = PartnerFactory()
    apps = _migrate(BEFORE)
    Statement = apps.get_model("settlement", "Statement")
    Approval = apps.get_model("settlement", "StatementApproval")
    AuditEvent = apps.get_model("core", "AuditEvent")
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type, _ = ContentType.objects.get_or_create(app_label="settlement", model="statement")

    def statement(number: str, state: str, preparer_id):
        return Statement.objects.create(
            partner_id=partner.pk,
            period="2026Q3",
            revision=int(number[-1]),
            number=number,
            currency="CNY",
            state=state,
            payable="1500000",
            required_approvals=3,
            preparer_id=preparer_id,
            verification_code=number,
        )

    def event(obj, action: str, actor, minutes: int, note: str = ""):
        row = AuditEvent.objects.create(
            action=action,
            actor_id=actor.pk,
            content_type=content_type,
            object_id=str(obj.pk),
            note=note,
        )
        AuditEvent.objects.filter(pk=row.pk).update(created_at=_at(minutes))

    def approval(obj, approver, minutes: int):
        row = Approval.objects.create(statement=obj, approver_id=approver.pk)
        Approval.objects.filter(pk=row.pk).update(created_at=_at(minutes))

    with connection.cursor() as cursor:
        # Back-dating rows is not something the append-only guards allow; the test needs it.
        cursor.execute("SET session_replication_role = replica")
    try:
        reviewed = statement("ST-MIG-1", "in_review", first.pk)
        event(reviewed, "statement.submitted", preparer, 0)
        approval(reviewed, first, 1)
        approval(reviewed, second, 2)
        event(reviewed, "statement.returned", third, 3, note="Wrong FX")
        event(reviewed, "statement.submitted", first, 4)
        approval(reviewed, third, 5)
        untracked = statement("ST-MIG-2", "approved", preparer.pk)
        approval(untracked, first, 1)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")

    # when
    apps = _migrate(AFTER)

    # then
    ReviewRound = apps.get_model("settlement", "ReviewRound")
    Approval = apps.get_model("settlement", "StatementApproval")
    returned, current = ReviewRound.objects.filter(statement_id=reviewed.pk).order_by("number")
    assert (returned.outcome, returned.submitted_by_id, returned.ended_by_id) == (
        "returned",
        preparer.pk,
        third.pk,
    )
    assert returned.end_note == "Wrong FX"
    assert (current.outcome, current.submitted_by_id) == ("open", first.pk)
    assert sorted(
        Approval.objects.filter(review_round=returned).values_list("approver_id", flat=True)
    ) == sorted([first.pk, second.pk])
    assert list(
        Approval.objects.filter(review_round=current).values_list("approver_id", flat=True)
    ) == [third.pk]
    only = ReviewRound.objects.get(statement_id=untracked.pk)
    assert (only.outcome, only.submitted_by_id, only.approvals.count()) == (
        "approved",
        preparer.pk,
        1,
    )
