import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from core.audit import audit_record, diff, snapshot
from core.audit_display import audit_action_label
from core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_audit_records_who_what_before_after(manager, partner):
    before = snapshot(partner, ["status", "credit_limit"])
    partner.status = "frozen"
    event = audit_record(
        actor=manager,
        action="partner.frozen",
        obj=partner,
        changes=diff(before, snapshot(partner, ["status", "credit_limit"])),
    )
    event.refresh_from_db()
    assert event.actor == manager
    assert event.partner == partner
    assert event.changes == {"status": {"before": "active", "after": "frozen"}}


def test_audit_rows_cannot_be_updated_or_deleted_in_the_database(manager):
    event = audit_record(actor=manager, action="x.y")
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="tampered")
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "x.y"


def test_audit_page_is_for_administrators_only(client, admin_user, manager, partner_user):
    audit_record(actor=manager, action="deal.approved", note="checked")
    client.force_login(admin_user)
    response = client.get(reverse("core:audit_list"), {"action": "deal"})
    assert response.status_code == 200
    assert "deal.approved" in response.content.decode()
    for user in (manager, partner_user):
        client.force_login(user)
        assert client.get(reverse("core:audit_list")).status_code == 403


def test_audit_filter_rejects_bad_date_without_error(client, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("core:audit_list"), {"when_after": "not-a-date"})
    assert response.status_code == 200
    assert "Enter a valid date" in response.content.decode()


def test_audit_list_query_count_is_constant(
    client, admin_user, manager, django_assert_max_num_queries
):
    for i in range(30):
        audit_record(actor=manager, action=f"thing.{i}")
    client.force_login(admin_user)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("core:audit_list")).status_code == 200


def test_an_unnamed_action_reads_as_words_and_an_unlinked_object_as_its_name(
    client, admin_user, manager
):
    assert audit_action_label("deal.approved") == "Deal approved"
    assert audit_action_label("widget.colour_changed") == "Widget colour changed"
    audit_record(actor=manager, action="widget.colour_changed", obj=admin_user)
    audit_record(actor=None, action="widget.swept")
    client.force_login(admin_user)
    html = client.get(reverse("core:audit_list")).content.decode()
    assert "Widget colour changed" in html and "Widget swept" in html
    assert f"<td>{admin_user}</td>" in html  # users have no registered page: the name, no link
    assert "System" in html
