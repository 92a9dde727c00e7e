import pytest
from django.core import mail
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.models import Notification
from core.notifications import notify, unread_count

from ..factories import UserFactory

pytestmark = pytest.mark.django_db


def test_notify_creates_notification_and_emails_in_recipients_language(committed):
    english = UserFactory(language="en")
    chinese = UserFactory(language="zh-hans")
    with committed():
        notify(recipients=[english, chinese, english], kind="test", title=_("Dashboard"), url="/")
    assert Notification.objects.count() == 2
    assert Notification.objects.get(recipient=english).title == "Dashboard"
    assert Notification.objects.get(recipient=chinese).title == "仪表板"
    assert sorted(m.to[0] for m in mail.outbox) == sorted([english.email, chinese.email])
    assert all(n.emailed_at for n in Notification.objects.all())


def test_unread_counter_in_navigation_and_mark_read(client):
    user = UserFactory()
    notify(recipients=[user], kind="test", title="Hello", email=False)
    client.force_login(user)
    page = client.get(reverse("core:dashboard")).content.decode()
    assert 'id="unread-count">1<' in page
    n = Notification.objects.get()
    response = client.post(reverse("core:notification_read", args=[n.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert unread_count(user) == 0


def test_cannot_mark_someone_elses_notification(client):
    owner, intruder = UserFactory(), UserFactory()
    notify(recipients=[owner], kind="test", title="Private", email=False)
    client.force_login(intruder)
    n = Notification.objects.get()
    assert client.post(reverse("core:notification_read", args=[n.pk])).status_code == 404
    assert unread_count(owner) == 1


def test_notification_api_lists_only_own(api_client):
    owner, other = UserFactory(), UserFactory()
    notify(recipients=[owner], kind="a", title="Mine", email=False)
    notify(recipients=[other], kind="a", title="Theirs", email=False)
    api_client.force_authenticate(owner)
    titles = [n["title"] for n in api_client.get("/api/v1/notifications/").json()["results"]]
    assert titles == ["Mine"]
    theirs = Notification.objects.get(recipient=other)
    assert api_client.post(f"/api/v1/notifications/{theirs.pk}/read/").status_code == 404


@pytest.mark.parametrize("reason", ["Price 50% below list", "100% done", "see %(other)s", "50%"])
def test_user_text_with_a_percent_sign_is_kept_as_typed(reason):
    # given a decision whose body is the user's own words and whose title has a placeholder
    user = UserFactory(language="en")
    # when
    notify(
        recipients=[user],
        kind="test",
        title="Rejected: %(project)s",
        body=reason,
        url="/",
        params={"project": "Alpha"},
    )
    # then the title is filled and the body stays exactly as typed
    notification = Notification.objects.get(recipient=user)
    assert (notification.title, notification.body) == ("Rejected: Alpha", reason)
