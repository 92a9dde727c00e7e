"""The response cache of the hot lists (core/microcache.py, DESIGN §8.1, §10): a repeated request
is answered from it, never across users or companies; a user's own change shows at once; messages,
audit rows of customer-data reads, permissions and a Redis outage are all respected."""

from __future__ import annotations

import re
import socket

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.test import Client, RequestFactory
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.choices import Role
from core import microcache
from core.models import AuditEvent
from deals.models import Deal
from tests.deals.factories import DealFactory, ProductFactory
from tests.factories import PartnerFactory, PartnerUserFactory, staff

# Real commits: the versions are bumped when a write's transaction commits.
pytestmark = pytest.mark.django_db(transaction=True)

CACHED = "X-Response-Cache"


@pytest.fixture(autouse=True)
def _on(settings, monkeypatch):
    settings.PRM_MICROCACHE_SECONDS = 30
    monkeypatch.setattr(microcache, "_paused_until", 0.0)


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def signed_in(user) -> Client:
    """A browser signed in as `user`, holding its CSRF cookie (as after the sign-in page)."""
    client = Client()
    client.force_login(user)
    client.get("/deals/?warm=1")  # the first page sets the CSRF cookie
    return client


def payload(product, name: str) -> dict:
    return {
        "customer_name": "Acme Inc.",
        "customer_region": "CN-SH",
        "project_name": name,
        "currency": "CNY",
        "expected_close_date": "2027-01-31",
        "lines": [{"product": product.sku, "quantity": 2, "unit_price": "900.00"}],
    }


def test_a_repeated_list_is_answered_from_the_cache(partner_user):
    DealFactory(partner=partner_user.partner, project_name="Cached one")
    browser, api = signed_in(partner_user), token_client(partner_user)
    for client, path in ((browser, "/deals/"), (api, "/api/v1/deals/"), (browser, "/")):
        first, again = client.get(path), client.get(path)
        assert (first.status_code, again.status_code) == (200, 200), path
        assert (first[CACHED], again[CACHED]) == ("miss", "hit"), path
        assert first.content == again.content
    # Another query string is another answer.
    assert browser.get("/deals/?page_size=25")[CACHED] == "miss"


def test_own_new_deal_shows_at_once_in_page_and_api(partner_user):
    DealFactory(partner=partner_user.partner, project_name="Older one")
    browser, api = signed_in(partner_user), token_client(partner_user)
    assert "Older one" in browser.get("/deals/").text
    assert browser.get("/deals/")[CACHED] == "hit"
    assert api.get("/api/v1/deals/").json()["count"] == 1
    created = api.post("/api/v1/deals/", payload(ProductFactory(), "Brand new"), format="json")
    assert created.status_code == 201, created.content
    page = browser.get("/deals/")
    assert page[CACHED] == "miss" and "Brand new" in page.text
    listed = api.get("/api/v1/deals/")
    assert listed[CACHED] == "miss" and listed.json()["count"] == 2


def test_staff_see_a_partners_write_at_once(partner_user):
    admin = staff(role=Role.ADMIN)
    api = token_client(admin)
    assert api.get("/api/v1/deals/").json()["count"] == 0
    assert api.get("/api/v1/deals/")[CACHED] == "hit"
    DealFactory(partner=partner_user.partner)  # committed: bumps the vendor-wide version
    assert api.get("/api/v1/deals/").json()["count"] == 1


def test_another_user_or_company_never_gets_a_cached_answer(partner_user):
    mine = DealFactory(partner=partner_user.partner, project_name="Ours only")
    other_user = PartnerUserFactory(partner=PartnerFactory(), role=Role.PARTNER_ADMIN)
    DealFactory(partner=other_user.partner, project_name="Theirs only")
    colleague = PartnerUserFactory(partner=partner_user.partner, role=Role.PARTNER_SALES)
    # One browser, one user after another: each gets their own rows, never the cached page.
    browser = signed_in(partner_user)
    assert "Ours only" in browser.get("/deals/").text
    browser.force_login(other_user)
    page = browser.get("/deals/")
    assert page[CACHED] == "miss" and "Theirs only" in page.text and "Ours only" not in page.text
    # The API by token likewise, and a colleague of the same company is still another user.
    api = token_client(partner_user)
    assert [row["id"] for row in api.get("/api/v1/deals/").json()["results"]] == [mine.pk]
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=other_user).key}")
    answer = api.get("/api/v1/deals/")
    assert answer[CACHED] == "miss"
    assert [row["project_name"] for row in answer.json()["results"]] == ["Theirs only"]
    assert token_client(colleague).get("/api/v1/deals/")[CACHED] == "miss"


def test_a_signed_out_or_deactivated_user_is_not_served_from_the_cache(partner_user):
    browser = signed_in(partner_user)
    assert browser.get("/deals/").status_code == 200
    assert browser.get("/deals/")[CACHED] == "hit"
    partner_user.is_active = False
    partner_user.save(update_fields=["is_active"])
    assert browser.get("/deals/").status_code == 302
    partner_user.is_active = True
    partner_user.save(update_fields=["is_active"])
    browser.force_login(partner_user)
    browser.logout()
    assert browser.get("/deals/").status_code == 302


def test_waiting_messages_are_shown_not_swallowed(partner_user):
    browser = signed_in(partner_user)
    assert browser.get("/deals/")[CACHED] == "miss"
    request = RequestFactory().get("/")
    waiting = CookieStorage(request)._encode([Message(constants.SUCCESS, "Saved, as you asked.")])
    browser.cookies["messages"] = waiting
    shown = browser.get("/deals/")
    assert "Saved, as you asked." in shown.text and not shown.has_header(CACHED)
    # Shown once; the next request is the cached page again (which never held the message).
    later = browser.get("/deals/")
    assert later[CACHED] == "hit" and "Saved, as you asked." not in later.text


def test_the_cached_pages_form_token_is_valid_for_its_browser(partner_user):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(partner_user)
    # The first page sets the CSRF cookie: not cached, its token belongs to the new cookie.
    assert browser.get("/deals/")[CACHED] == "pass"
    assert browser.get("/deals/")[CACHED] == "miss"
    page = browser.get("/deals/")
    assert page[CACHED] == "hit"
    token = re.search(r'name="csrf-token" content="([^"]+)"', page.text) or re.search(
        r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text
    )
    assert token
    saved = browser.post(
        reverse("core:saved_view_create", args=["deals"]),
        {"name": "Mine", "query": "status=draft", "csrfmiddlewaretoken": token.group(1)},
    )
    assert saved.status_code == 302


def test_a_partner_read_from_the_cache_is_still_audited(partner_user):
    DealFactory(partner=partner_user.partner)
    api, browser = token_client(partner_user), signed_in(partner_user)
    for client, path, door in ((api, "/api/v1/deals/", "api"), (browser, "/deals/", "page")):
        before = AuditEvent.objects.filter(action="deal.listed").count()
        assert client.get(path)[CACHED] == "miss"
        assert client.get(path)[CACHED] == "hit"
        events = AuditEvent.objects.filter(action="deal.listed", changes__door=door).order_by("pk")
        assert AuditEvent.objects.filter(action="deal.listed").count() == before + 2
        events = events[events.count() - 2 :]
        assert {e.actor_id for e in events} == {partner_user.pk}
        # The hit's row is the miss's row again, but for its time.
        fields = ("actor_repr", "action", "content_type_id", "object_id", "object_repr")
        fields += ("partner_id", "changes", "note")
        assert [getattr(events[0], f) for f in fields] == [getattr(events[1], f) for f in fields]


def test_queries_of_a_hit_and_of_a_miss_do_not_grow_with_rows(
    partner_user, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    DealFactory(partner=partner_user.partner)
    api = token_client(partner_user)
    with CaptureQueriesContext(connection) as miss:
        assert api.get("/api/v1/deals/")[CACHED] == "miss"
    with CaptureQueriesContext(connection) as hit:
        assert api.get("/api/v1/deals/")[CACHED] == "hit"
    # A hit: the token, the company's status, the audit row; no query of the list itself.
    assert len(hit) < len(miss) and len(hit) <= 4
    assert not [q for q in hit if '"deals_deal"' in q["sql"]]
    DealFactory.create_batch(4, partner=partner_user.partner)
    with django_assert_max_num_queries(len(miss)):
        assert api.get("/api/v1/deals/")[CACHED] == "miss"
    with django_assert_max_num_queries(len(hit)):
        assert api.get("/api/v1/deals/")[CACHED] == "hit"


def test_a_failed_request_or_a_post_is_never_cached(partner_user):
    browser = signed_in(partner_user)
    assert browser.get("/deals/?page=999999").status_code in (200, 404)
    assert browser.get("/deals/queue/").status_code in (302, 403, 404)
    assert not browser.get("/deals/queue/").has_header(CACHED)


def test_with_the_cache_down_lists_are_still_served(partner_user, settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens there
    DealFactory(partner=partner_user.partner, project_name="Still here")
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    browser, api = signed_in(partner_user), token_client(partner_user)
    for _ in range(2):
        page = browser.get("/deals/")
        assert page.status_code == 200 and "Still here" in page.text
        assert not page.has_header(CACHED)
        assert api.get("/api/v1/deals/").json()["count"] == 1
    # Writes still work (their version bump is skipped) and show at once.
    created = api.post("/api/v1/deals/", payload(ProductFactory(), "Written now"), format="json")
    assert created.status_code == 201
    assert Deal.objects.filter(project_name="Written now").exists()
    assert "Written now" in browser.get("/deals/").text
    # Every read was audited, none from a cache (the first, warming page too).
    assert AuditEvent.objects.filter(action="deal.listed").count() == 6


def test_a_change_to_a_companys_row_by_someone_else_shows_to_it_at_once(partner_user):
    deal = DealFactory(partner=partner_user.partner, project_name="Before the change")
    api = token_client(partner_user)
    assert api.get("/api/v1/deals/")[CACHED] == "miss"
    assert api.get("/api/v1/deals/")[CACHED] == "hit"
    # A save elsewhere (staff, a task): committed, it bumps the version of the row's company.
    deal.project_name = "After the change"
    deal.save(update_fields=["project_name"])
    answer = api.get("/api/v1/deals/")
    assert answer[CACHED] == "miss"
    assert answer.json()["results"][0]["project_name"] == "After the change"


def test_an_answer_with_absolute_links_is_kept_per_host_and_scheme(partner_user, settings):
    settings.ALLOWED_HOSTS = ["testserver", "portal.example"]
    DealFactory.create_batch(2, partner=partner_user.partner)
    api = token_client(partner_user)
    assert api.get("/api/v1/deals/?page_size=1")[CACHED] == "miss"
    other = api.get("/api/v1/deals/?page_size=1", HTTP_HOST="portal.example", secure=True)
    assert other[CACHED] == "miss"
    assert other.json()["next"].startswith("https://portal.example/")
