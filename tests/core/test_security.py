import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_pages_send_a_strict_content_security_policy(client, manager):
    client.force_login(manager)
    response = client.get(reverse("core:dashboard"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_pages_have_no_inline_scripts_or_styles(client, manager):
    client.force_login(manager)
    html = client.get(reverse("core:dashboard")).content.decode()
    assert "<script>" not in html and "style=" not in html and "<style" not in html


def test_post_without_csrf_token_is_refused(manager):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    assert client.post(reverse("core:notification_read_all")).status_code == 403


def test_unknown_page_is_a_friendly_404(client, manager):
    client.force_login(manager)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Not found" in response.content.decode()


def test_staff_page_gives_partner_user_a_403(client, partner_user):
    client.force_login(partner_user)
    response = client.get(reverse("core:job_list"))
    assert response.status_code == 403
    assert "Access denied" in response.content.decode()


def test_health_check(client):
    assert client.get("/healthz").json() == {"status": "ok"}
