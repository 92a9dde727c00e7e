"""Sign-in, lockout, sign-out, password reset, language, freeze on the next request."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.choices import Role
from partners.choices import PartnerStatus

from ..factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_login_with_email_and_password_reaches_dashboard(client, manager):
    response = client.post(
        reverse("accounts:login"), {"username": manager.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("core:dashboard")
    assert client.get(reverse("core:dashboard")).status_code == 200


def test_wrong_password_shows_message_and_stays_on_page(client, manager):
    response = client.post(
        reverse("accounts:login"), {"username": manager.email, "password": "wrong"}
    )
    assert response.status_code == 200
    assert "not correct" in response.content.decode()


def test_repeated_failures_lock_the_account_out(client, manager, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": manager.email, "password": "wrong"})
    # even the right password is refused while locked out
    response = client.post(
        reverse("accounts:login"), {"username": manager.email, "password": PASSWORD}
    )
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("core:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(
    ("language", "label"), [("en", "Apply to become a partner"), ("zh-hans", "申请成为合作伙伴")]
)
def test_login_page_links_the_public_partner_application(client, language, label):
    client.cookies["django_language"] = language
    body = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f'href="{reverse("partners:apply")}">{label}</a>' in body


def test_logout_requires_post_and_ends_session(client, manager):
    client.force_login(manager)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert client.get(reverse("core:dashboard")).status_code == 302


def test_password_reset_sends_email_with_working_link(client, manager):
    client.post(reverse("accounts:password_reset"), {"email": manager.email})
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^\s]+/reset/[^\s]+/", mail.outbox[0].body).group(0)
    path = link.split("testserver", 1)[-1]
    response = client.get(path, follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0]
    response = client.post(
        form_url,
        {"new_password1": "Another-Strong-Pass-42", "new_password2": "Another-Strong-Pass-42"},
    )
    assert response.status_code == 302
    manager.refresh_from_db()
    assert manager.check_password("Another-Strong-Pass-42")


def test_password_reset_for_unknown_email_reveals_nothing(client):
    response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 0


def test_language_switch_is_saved_on_profile(client, manager):
    client.force_login(manager)
    client.post(reverse("accounts:language"), {"language": "zh-hans", "next": "/"})
    manager.refresh_from_db()
    assert manager.language == "zh-hans"
    assert "仪表板" in client.get(reverse("core:dashboard")).content.decode()


def test_language_switch_refuses_offsite_redirect(client):
    response = client.post(
        reverse("accounts:language"), {"language": "en", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_frozen_company_user_is_signed_out_on_next_request(client, partner_user):
    client.force_login(partner_user)
    assert client.get(reverse("core:dashboard")).status_code == 200
    partner_user.partner.status = PartnerStatus.FROZEN
    partner_user.partner.save()
    response = client.get(reverse("core:dashboard"))
    assert response.status_code == 403
    assert "suspended" in response.content.decode()
    # and the session is gone for good
    assert client.get(reverse("core:dashboard")).status_code == 302


def test_profile_form_rejects_unknown_language(client, manager):
    client.force_login(manager)
    response = client.post(
        reverse("accounts:profile"), {"full_name": "X", "phone": "", "language": "xx"}
    )
    assert response.status_code == 200
    assert "error-language" in response.content.decode()
    manager.refresh_from_db()
    assert manager.full_name != "X"


def test_is_staff_follows_role(partner_user):
    assert UserFactory(role=Role.LEGAL).is_staff
    assert not partner_user.is_staff
