"""`transition_record`: the audit row, the notices and the after-commit work of a state change."""

import pytest
from django.db import transaction

from accounts.choices import Role
from core.models import AuditEvent, Notification
from core.transitions import Notice, transition_record
from tests.factories import PartnerFactory, staff

pytestmark = pytest.mark.django_db


def test_records_the_audit_row_the_notices_and_queues_after_commit(
    django_capture_on_commit_callbacks,
):
    # Given a partner whose name an administrator changed, and a manager to tell
    partner = PartnerFactory(legal_name="Old name")
    actor, manager = staff(Role.ADMIN), staff(Role.CHANNEL_MANAGER)
    before = {"legal_name": "Old name"}
    partner.legal_name = "New name"
    partner.save()
    done = []
    # When the transition is recorded
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        event = transition_record(
            partner,
            actor=actor,
            action="partner.renamed",
            before=before,
            fields=["legal_name"],
            note="typo",
            notice=Notice(
                recipients=[manager, None, manager],
                kind="partner.renamed",
                title="%(name)s was renamed",
                params={"name": "New name"},
                email=False,
            ),
            on_commit=lambda: done.append(partner.pk),
        )
    # Then one audit row holds the difference, the manager is told once, and the work ran after
    # the commit
    assert event == AuditEvent.objects.get(action="partner.renamed")
    assert event.changes == {"legal_name": {"before": "Old name", "after": "New name"}}
    assert event.note == "typo" and event.partner_id == partner.pk
    assert list(Notification.objects.values_list("recipient", "title")) == [
        (manager.pk, "New name was renamed")
    ]
    assert len(callbacks) == 1 and done == [partner.pk]


def test_nothing_after_commit_runs_when_the_transaction_rolls_back(
    django_capture_on_commit_callbacks,
):
    # Given a transition recorded in a transaction that then fails
    partner = PartnerFactory()
    done = []
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        transition_record(
            partner,
            actor=None,
            action="partner.touched",
            changes={},
            on_commit=[lambda: done.append(1), lambda: done.append(2)],
        )
        raise RuntimeError
    # Then neither the audit row nor the after-commit work remains
    assert not AuditEvent.objects.filter(action="partner.touched").exists()
    assert callbacks == [] and done == []
