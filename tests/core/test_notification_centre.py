"""The notification centre (DESIGN §8): header dropdown, mark read, per-kind e-mail preferences
and the daily digest, each notification in its reader's language."""

import json
import re
from pathlib import Path

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from accounts.choices import Role
from core.audit import AuditEvent
from core.models import Notification, NotificationDelivery, NotificationPreference
from core.notifications import (
    notification_digest_send,
    notification_kinds,
    notification_preferences_for,
    notification_preferences_update,
    notify,
    unread_count,
)
from core.tasks import notification_digest_task, notification_email_task
from deals import services as deal_services
from deals.choices import DealStatus
from deals.models import Deal
from partners.choices import ReviewStage
from settlement import services as settlement_services
from tests.deals.factories import DealFactory
from tests.factories import PartnerFactory, PartnerUserFactory, UserFactory, staff
from tests.settlement.factories import published_statement

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def _submitted_deal(partner, registrant) -> Deal:
    deal = DealFactory(partner=partner, registered_by=registrant, project_name="Harbour ERP")
    Deal.objects.filter(pk=deal.pk).update(status=DealStatus.SUBMITTED, submitted_at=timezone.now())
    deal.refresh_from_db()
    return deal


def _approve(deal, *, manager_language: str):
    manager = staff(Role.CHANNEL_DIRECTOR, language=manager_language)
    with translation.override(manager_language):  # the manager works in their own language
        deal_services.deal_approve(deal=deal, actor=manager, reason="ok")
    return Notification.objects.get(kind="deal.approved", recipient=deal.registered_by)


# -- the reader's language --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("manager_language", "reader_language", "title", "email_line"),
    [
        ("en", "zh-hans", "商机报备已批准：Harbour ERP", "在门户中打开："),
        ("zh-hans", "en", "Deal registration approved: Harbour ERP", "Open in the portal:"),
    ],
)
def test_a_decision_reads_in_the_readers_language_in_list_dropdown_and_email(
    client, committed, manager_language, reader_language, title, email_line
):
    # given a partner seller reading in one language and a manager deciding in the other
    partner = PartnerFactory()
    seller = PartnerUserFactory(partner=partner, role=Role.PARTNER_SALES, language=reader_language)
    deal = _submitted_deal(partner, seller)
    # when the manager approves the registration (the e-mail leaves after the commit)
    with committed():
        _approve(deal, manager_language=manager_language)
    # then the list, the dropdown and the e-mail speak the reader's language
    client.force_login(seller)
    assert title in client.get(reverse("core:notification_list")).content.decode()
    assert title in client.get(reverse("core:notification_menu")).content.decode()
    (message,) = [m for m in mail.outbox if m.to == [seller.email]]
    assert message.subject == title
    assert email_line in message.body


def test_a_reader_who_changes_language_reads_old_notifications_in_the_new_one(client):
    # given a Chinese seller's approval notice
    partner = PartnerFactory()
    seller = PartnerUserFactory(partner=partner, role=Role.PARTNER_SALES, language="zh-hans")
    deal = _submitted_deal(partner, seller)
    _approve(deal, manager_language="en")
    # when the seller switches to English
    seller.language = "en"
    seller.save(update_fields=["language"])
    client.force_login(seller)
    # then the same notification now reads in English (rendered when read, not when written)
    page = client.get(reverse("core:notification_list")).content.decode()
    assert "Deal registration approved: Harbour ERP" in page
    assert "商机报备已批准" not in page


def test_a_translatable_placeholder_is_rendered_in_the_readers_language():
    # given a placeholder that is a choice label (not the actor's text of it)
    reader = UserFactory(language="en")
    with translation.override("zh-hans"):
        (n,) = notify(
            recipients=[reader],
            kind="partner.agreement_reviewed",
            title=gettext_lazy("%(stage)s of agreement %(number)s: %(decision)s"),
            params={"stage": ReviewStage.LEGAL.label, "number": "A-1", "decision": "ok"},
            email=False,
        )
    # then it reads in each language it is shown in
    with translation.override("en"):
        assert n.display_title == "Legal review of agreement A-1: ok"
    with translation.override("zh-hans"):
        assert str(ReviewStage.LEGAL.label) in n.display_title
        assert n.display_title != "Legal review of agreement A-1: ok"


def test_an_older_notification_without_message_ids_shows_its_stored_text(client):
    # given a row written before message ids were kept
    reader = UserFactory(language="zh-hans")
    Notification.objects.create(
        recipient=reader, kind="deal.approved", title="旧的通知", body="正文"
    )
    client.force_login(reader)
    # then its stored text is shown
    page = client.get(reverse("core:notification_list")).content.decode()
    assert "旧的通知" in page and "正文" in page


def test_a_persons_own_words_are_never_translated():
    reader = UserFactory(language="zh-hans")
    (n,) = notify(recipients=[reader], kind="t", title="Approved", body="Dashboard", email=False)
    with translation.override("zh-hans"):
        assert (n.display_title, n.display_body) == ("Approved", "Dashboard")


# -- header count and dropdown ----------------------------------------------------------------


def test_the_unread_count_costs_one_query_per_page(client):
    # given a person with many notifications, some read
    user = UserFactory()
    for i in range(30):
        notify(recipients=[user], kind="t", title=f"n{i}", email=False)
    ten = list(Notification.objects.filter(recipient=user).values_list("pk", flat=True)[:10])
    Notification.objects.filter(pk__in=ten).update(read_at=timezone.now())
    client.force_login(user)
    # when a page renders
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("core:notification_preferences")).content.decode()
    # then the header badge shows the count, read with a single query on notifications
    on_notifications = [q["sql"] for q in queries if 'core_notification"' in q["sql"]]
    assert len(on_notifications) == 1
    assert "COUNT(" in on_notifications[0]
    assert re.search(r'id="unread-count">\s*20\s*<', page)


def test_the_unread_count_reads_the_partial_index():
    # given a person with a long history, almost all of it read
    user = UserFactory()
    now = timezone.now()
    Notification.objects.bulk_create(
        Notification(recipient=user, kind="t", title="x", read_at=now if i > 3 else None)
        for i in range(3000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE core_notification")
        cursor.execute(
            "EXPLAIN SELECT COUNT(*) FROM core_notification "
            "WHERE recipient_id = %s AND read_at IS NULL",
            [user.pk],
        )
        plan = " ".join(row[0] for row in cursor.fetchall())
    assert "notification_unread" in plan


def test_pages_keep_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    user = PartnerUserFactory(role=Role.PARTNER_SALES)
    for i in range(20):
        notify(recipients=[user], kind="deal.approved", title=f"n{i}", email=False)
    client.force_login(user)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("core:notification_menu")).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(reverse("core:notification_list")).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(reverse("core:notification_preferences")).status_code == 200


def test_the_header_is_a_link_to_the_list_that_loads_the_dropdown_with_htmx(client):
    user = UserFactory()
    client.force_login(user)
    page = client.get(reverse("core:dashboard")).content.decode()
    link = re.search(r'<a href="([^"]+)" id="notifications-link"[^>]*>', page, re.S)
    assert link and link.group(1) == reverse("core:notification_list")
    assert f'hx-get="{reverse("core:notification_menu")}"' in link.group(0)
    assert 'aria-controls="notif-panel"' in link.group(0)


def test_the_dropdown_shows_the_latest_eight_of_ones_own(client):
    # given twelve notifications of mine and one of someone else
    me, other = UserFactory(), UserFactory()
    for i in range(12):
        notify(recipients=[me], kind="t", title=f"mine {i:02d}", email=False)
    notify(recipients=[other], kind="t", title="theirs", email=False)
    client.force_login(me)
    # when the dropdown loads
    response = client.get(reverse("core:notification_menu"), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    # then it lists my latest eight, says the unread count and links the list and preferences
    assert [f"mine {i:02d}" in body for i in range(12)] == [False] * 4 + [True] * 8
    assert "theirs" not in body
    assert json.loads(response["HX-Trigger"]) == {"notificationsChanged": {"unread": 12}}
    assert reverse("core:notification_list") in body
    assert reverse("core:notification_preferences") in body


def test_mark_all_read_from_the_dropdown_answers_the_dropdown_and_the_new_count(client):
    me, other = UserFactory(), UserFactory()
    notify(recipients=[me, other], kind="t", title="hello", email=False)
    client.force_login(me)
    response = client.post(reverse("core:notification_read_all"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert json.loads(response["HX-Trigger"]) == {"notificationsChanged": {"unread": 0}}
    assert "hello" in response.content.decode()
    assert (unread_count(me), unread_count(other)) == (0, 1)


def test_clicking_an_item_marks_it_read_and_follows_its_link(client):
    me = UserFactory()
    (n,) = notify(recipients=[me], kind="t", title="x", url="/deals/1/", email=False)
    client.force_login(me)
    response = client.post(reverse("core:notification_read", args=[n.pk]))
    assert response.status_code == 302 and response["Location"] == "/deals/1/"
    assert unread_count(me) == 0


def test_a_link_to_another_site_is_not_followed(client):
    me = UserFactory()
    (n,) = notify(recipients=[me], kind="t", title="x", url="https://evil.example/", email=False)
    client.force_login(me)
    response = client.post(reverse("core:notification_read", args=[n.pk]))
    assert response["Location"] == reverse("core:notification_list")


def test_marking_one_read_from_the_list_tells_the_new_count(client):
    me = UserFactory()
    first, _second = (notify(recipients=[me], kind="t", title=t, email=False)[0] for t in "ab")
    client.force_login(me)
    response = client.post(
        reverse("core:notification_read", args=[first.pk]), HTTP_HX_REQUEST="true"
    )
    assert json.loads(response["HX-Trigger"]) == {"notificationsChanged": {"unread": 1}}


def test_api_marks_all_read(api_client):
    me, other = UserFactory(), UserFactory()
    notify(recipients=[me, other], kind="t", title="x", email=False)
    notify(recipients=[me], kind="t", title="y", email=False)
    api_client.force_authenticate(me)
    response = api_client.post("/api/v1/notifications/read-all/")
    assert response.status_code == 200
    assert response.json() == {"marked": 2, "unread": 0}
    assert unread_count(other) == 1


def test_api_lists_titles_in_the_callers_language(api_client):
    reader = UserFactory(language="en")
    notify(recipients=[reader], kind="t", title=gettext_lazy("Dashboard"), email=False)
    reader.language = "zh-hans"
    reader.save(update_fields=["language"])
    api_client.force_authenticate(reader)
    titles = [n["title"] for n in api_client.get("/api/v1/notifications/").json()["results"]]
    assert titles == ["仪表板"]


# -- preferences ------------------------------------------------------------------------------


def test_every_kind_defaults_to_an_email_each():
    seller = PartnerUserFactory(role=Role.PARTNER_SALES)
    prefs = notification_preferences_for(seller)
    assert prefs["deal.approved"] == NotificationDelivery.EMAIL
    assert set(prefs.values()) == {NotificationDelivery.EMAIL}
    # a seller is not offered the kinds of staff or of company finance
    assert "deal.submitted" not in prefs and "statement.published" not in prefs


def test_the_preferences_page_saves_choices_and_writes_an_audit_row(client):
    # given a partner admin on the preferences page, grouped by domain
    admin = PartnerUserFactory(role=Role.PARTNER_ADMIN)
    client.force_login(admin)
    page = client.get(reverse("core:notification_preferences")).content.decode()
    assert "Deal registrations" in page and "Statements and reconciliation" in page
    data = dict(notification_preferences_for(admin))
    data["deal.approved"] = NotificationDelivery.DIGEST
    data["statement.published"] = NotificationDelivery.OFF
    # when they save
    response = client.post(reverse("core:notification_preferences"), data)
    # then the choices are kept and one audit row says what changed
    assert response.status_code == 302
    prefs = notification_preferences_for(admin)
    assert prefs["deal.approved"] == "digest" and prefs["statement.published"] == "off"
    event = AuditEvent.objects.get(action="notification_preferences.changed")
    assert event.changes == {
        "deal.approved": {"before": "email", "after": "digest"},
        "statement.published": {"before": "email", "after": "off"},
    }
    assert event.actor_id == admin.pk


def test_the_preferences_page_answers_bad_input_per_field(client):
    user = PartnerUserFactory(role=Role.PARTNER_SALES)
    client.force_login(user)
    data = dict(notification_preferences_for(user))
    data["deal.approved"] = "fax"
    response = client.post(reverse("core:notification_preferences"), data)
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"deal.approved"}
    assert not NotificationPreference.objects.exists()


def test_saving_unchanged_preferences_writes_no_audit_row():
    user = UserFactory()
    notification_preferences_update(user=user, changes=notification_preferences_for(user))
    assert not AuditEvent.objects.filter(action="notification_preferences.changed").exists()


def test_preferences_api_reads_and_changes(api_client):
    user = PartnerUserFactory(role=Role.PARTNER_FINANCE, language="zh-hans")
    api_client.force_authenticate(user)
    rows = api_client.get("/api/v1/me/notification-preferences/").json()["preferences"]
    published = next(r for r in rows if r["kind"] == "statement.published")
    assert published["delivery"] == "email" and published["group"] == "statements"
    response = api_client.patch(
        "/api/v1/me/notification-preferences/",
        {"preferences": {"statement.published": "digest"}},
        format="json",
    )
    assert response.status_code == 200
    assert notification_preferences_for(user)["statement.published"] == "digest"
    assert AuditEvent.objects.filter(action="notification_preferences.changed").count() == 1


@pytest.mark.parametrize(
    "body",
    [
        {"preferences": {"deal.submitted": "digest"}},  # a kind this person never receives
        {"preferences": {"statement.published": "sms"}},
        {"preferences": "digest"},
        {},
    ],
)
def test_preferences_api_refuses_bad_input_and_changes_nothing(api_client, body):
    user = PartnerUserFactory(role=Role.PARTNER_FINANCE)
    api_client.force_authenticate(user)
    response = api_client.patch("/api/v1/me/notification-preferences/", body, format="json")
    assert response.status_code == 400
    assert "preferences" in response.json()
    assert not NotificationPreference.objects.exists()


# -- e-mail: single, digest or none ------------------------------------------------------------


def _choose(user, kind, delivery):
    notification_preferences_update(user=user, changes={kind: delivery})


def test_no_email_when_the_kind_is_off_and_none_when_it_waits_for_the_digest(committed):
    off, digest, default = (PartnerUserFactory(role=Role.PARTNER_SALES) for _ in range(3))
    _choose(off, "deal.approved", "off")
    _choose(digest, "deal.approved", "digest")
    with committed():
        notify(recipients=[off, digest, default], kind="deal.approved", title="x")
    assert [m.to for m in mail.outbox] == [[default.email]]
    assert Notification.objects.filter(emailed_at__isnull=True).count() == 2


def test_the_daily_digest_sends_one_email_per_person_once(committed):
    # given a person who wants deal decisions in a digest and MDF decisions one by one
    person = PartnerUserFactory(role=Role.PARTNER_ADMIN, language="zh-hans")
    _choose(person, "deal.approved", "digest")
    title = gettext_lazy("Deal registration approved: %(project)s")
    with committed(), translation.override("en"):
        for name in ("Alpha", "Beta"):
            notify(recipients=[person], kind="deal.approved", title=title, params={"project": name})
        notify(recipients=[person], kind="mdf.decision", title="MDF")
        notify(recipients=[person], kind="deal.approved", title="quiet", email=False)
    mail.outbox.clear()
    # when the digest runs, twice
    assert notification_digest_task.apply().get() == 1
    assert notification_digest_send() == 0
    # then one e-mail in the reader's language lists the two approvals, and only them
    (message,) = mail.outbox
    assert message.to == [person.email]
    assert message.subject == "每日摘要：2 条通知"
    assert "商机报备已批准：Alpha" in message.body and "商机报备已批准：Beta" in message.body
    assert "quiet" not in message.body and "MDF" not in message.body
    assert reverse("core:notification_preferences") in message.body
    assert not Notification.objects.filter(
        recipient=person, kind="deal.approved", by_email=True, emailed_at__isnull=True
    ).exists()


def test_a_notification_emailed_by_the_digest_is_never_emailed_again(committed):
    person = UserFactory()
    _choose(person, "mdf.decision", "digest")
    with committed():
        (n,) = notify(recipients=[person], kind="mdf.decision", title="x")
    assert notification_digest_send() == 1
    # even if the person then asks for single e-mails and the single task runs again
    _choose(person, "mdf.decision", "email")
    assert notification_email_task.apply(args=[n.pk]).get() is False
    assert len(mail.outbox) == 1


def test_the_digest_schedule_is_registered(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["core.send-notification-digests"]
    assert entry["task"] == "core.tasks.notification_digest_task"


# -- kinds ------------------------------------------------------------------------------------


def test_every_kind_the_code_sends_is_declared_with_a_label_and_group():
    """A new kind is declared in `<app>/notification_kinds.py` (docs/notifications.md)."""
    used = set()
    for path in ROOT.glob("*/**/*.py"):
        if path.parts[len(ROOT.parts)] in {".venv", "tests", "bench"}:
            continue
        text = path.read_text(encoding="utf-8")
        if "Notice(" in text or "notify(" in text or "_deal_notice(" in text:
            used |= set(re.findall(r'kind="([a-z_]+\.[a-z_.]+)"', text))
    assert used, "no notification kind found"
    assert used - set(notification_kinds()) == set()


# -- recipients -------------------------------------------------------------------------------


def test_a_paid_statement_goes_to_partner_finance_and_admins_only():
    partner = PartnerFactory()
    admin = PartnerUserFactory(partner=partner, role=Role.PARTNER_ADMIN)
    finance = PartnerUserFactory(partner=partner, role=Role.PARTNER_FINANCE)
    PartnerUserFactory(partner=partner, role=Role.PARTNER_SALES)
    statement = published_statement(partner, "500.00")
    settlement_services.statement_confirm(statement=statement, actor=finance)
    settlement_services.statement_mark_paid(statement=statement, actor=staff(Role.FINANCE))
    paid = Notification.objects.filter(kind="statement.paid")
    assert set(paid.values_list("recipient_id", flat=True)) == {admin.pk, finance.pk}
    assert paid.first().display_title == f"Statement {statement.number} is paid"


def test_the_notification_list_filters_alike_on_the_page_and_the_api(client):
    from rest_framework.test import APIClient

    from tests.factories import staff

    reader = staff(Role.CHANNEL_MANAGER)
    other = staff(Role.CHANNEL_MANAGER)
    Notification.objects.create(recipient=reader, kind="deal.submitted", title="Deal Alpha in")
    Notification.objects.create(
        recipient=reader, kind="deal.submitted", title="Deal Beta in", read_at=timezone.now()
    )
    Notification.objects.create(recipient=other, kind="deal.submitted", title="Deal Gamma in")
    client.force_login(reader)
    page = client.get(reverse("core:notification_list"), {"unread": "true"})
    text = page.content.decode()
    assert "Deal Alpha in" in text and "Deal Beta in" not in text and "Deal Gamma" not in text
    api = APIClient()
    api.force_authenticate(reader)
    listed = api.get("/api/v1/notifications/", {"unread": "true", "q": "deal"}).json()["results"]
    assert [n["title"] for n in listed] == ["Deal Alpha in"]
