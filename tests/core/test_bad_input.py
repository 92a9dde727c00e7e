"""Bad input in a URL, a query string or a form is answered with a clear 400/404, never a 500,
and leaves the database as it was (DESIGN §9)."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from accounts.choices import Role
from accounts.models import User
from core.models import AuditEvent
from core.params import parse_id
from tests.factories import PartnerUserFactory, staff
from training.choices import AttemptStatus
from training.models import Attempt
from training.services import attempt_start

from ..training.factories import exam_with_bank

pytestmark = pytest.mark.django_db

NUL_MESSAGE = "Null characters are not allowed."


def _token_client(api_client, user):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return api_client


@pytest.mark.parametrize("action", ["role", "deactivate"])
@pytest.mark.parametrize("bad_id", ["abc", "1.5", "²", "%C2%B2", "-1", "1e3"])
def test_non_integer_user_id_in_my_users_actions_is_404(api_client, partner_user, action, bad_id):
    # given a partner admin and a colleague
    colleague = PartnerUserFactory(partner=partner_user.partner, role=Role.PARTNER_SALES)
    client = _token_client(api_client, partner_user)
    # when a non-integer id is posted
    response = client.post(
        f"/api/v1/partners/my-users/{bad_id}/{action}/", {"role": Role.PARTNER_FINANCE}
    )
    # then the route does not exist for it, and nobody changed
    assert response.status_code == 404
    colleague.refresh_from_db()
    assert colleague.role == Role.PARTNER_SALES and colleague.is_active
    assert not AuditEvent.objects.exists()


def test_out_of_range_id_is_404(api_client, partner_user):
    client = _token_client(api_client, partner_user)
    response = client.post(f"/api/v1/partners/my-users/{10**30}/deactivate/")
    assert response.status_code == 404


@pytest.mark.parametrize(
    "url",
    ["/settlement/verify/%00/", "/training/verify/%00/", "/deals/%00/", "/api/v1/deals/%00/"],
)
def test_nul_byte_in_path_is_404(client, url):
    response = client.get(url)
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("role", "url", "param"),
    [
        (Role.FINANCE, "/rebates/targets/?period=%00", "period"),
        (Role.FINANCE, "/funds/ledger/?kind=%00", "kind"),
        (Role.FINANCE, "/fx-rates/?currency=%00", "currency"),
        (Role.FINANCE, "/settlement/verify/?code=ab%00c", "code"),
        (Role.CHANNEL_MANAGER, "/training/certifications/?partner=%00", "partner"),
    ],
)
def test_nul_byte_in_page_query_is_400_with_message(client, role, url, param):
    # given a staff user allowed on the page
    client.force_login(staff(role=role))
    # when the query string carries a NUL character
    response = client.get(url)
    # then the page says what is wrong
    assert response.status_code == 400
    assert NUL_MESSAGE in response.content.decode()
    assert param in response.content.decode()


@pytest.mark.parametrize(
    ("who", "url", "param"),
    [
        ("partner", "/api/v1/leads/?status=%00", "status"),
        ("finance", "/api/v1/mdf/ledger/?kind=%00", "kind"),
        ("finance", "/api/v1/fx-rates/?base_currency=%00", "base_currency"),
        ("finance", "/api/v1/rebates/accruals/?period=%00", "period"),
        ("partner", "/api/v1/deals/?search=a%00b", "search"),
    ],
)
def test_nul_byte_in_api_query_is_400_with_field_message(api_client, partner_user, who, url, param):
    user = partner_user if who == "partner" else staff(role=Role.FINANCE)
    response = _token_client(api_client, user).get(url)
    assert response.status_code == 400
    assert response.json() == {param: [NUL_MESSAGE]}


def test_nul_byte_in_form_post_is_400_and_changes_nothing(client, partner_user):
    # given a signed-in partner admin
    client.force_login(partner_user)
    before = User.objects.get(pk=partner_user.pk).full_name
    # when a form field carries a NUL character
    response = client.post(reverse("accounts:profile"), {"full_name": "Eve\x00", "language": "en"})
    # then the request is refused with the field named, and the profile is unchanged
    assert response.status_code == 400
    assert "full_name" in response.content.decode()
    assert User.objects.get(pk=partner_user.pk).full_name == before


def test_superscript_partner_filter_on_certifications_is_no_id(client, manager):
    # "²" is no partner id: the list searches it as part of a name and finds nothing
    client.force_login(manager)
    response = client.get("/training/certifications/?partner=²")
    assert response.status_code == 200
    assert list(response.context["page"]) == []


def test_exam_answer_that_is_not_an_id_is_refused_and_nothing_is_submitted(client, partner_user):
    # given an attempt in progress
    exam = exam_with_bank()
    attempt = attempt_start(user=partner_user, exam=exam)
    client.force_login(partner_user)
    first = attempt.question_ids[0]
    # when an answer is a superscript digit
    response = client.post(
        reverse("training:attempt_take", args=[attempt.pk]), {f"q{first}": "²"}, follow=True
    )
    # then the exam page says so and the attempt stays open
    assert response.status_code == 200
    assert "not one of the options" in response.content.decode()
    attempt = Attempt.objects.get(pk=attempt.pk)
    assert attempt.status == AttemptStatus.IN_PROGRESS and attempt.submitted_at is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("42", 42),
        (" 42 ", None),
        ("0", None),
        ("-3", None),
        ("²", None),
        ("٣", None),
        ("1.0", None),
        ("", None),
        (None, None),
        (str(2**63 - 1), 2**63 - 1),
        (str(2**63), None),
        ("4\x002", None),
    ],
)
def test_parse_id_accepts_only_positive_ascii_integers_in_range(raw, expected):
    assert parse_id(raw) == expected


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", "/api/v1/deals/1/submit.json"),
        ("post", "/api/v1/partners/my-users.json"),
        ("get", "/api/v1/deals.json"),
    ],
)
def test_api_has_no_format_suffix_routes(api_client, partner_user, method, url):
    # a `.json` suffix used to route to actions that do not take it (a 500)
    response = getattr(_token_client(api_client, partner_user), method)(url)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_api_url_that_matches_no_route_answers_json(api_client, partner_user):
    response = _token_client(api_client, partner_user).get("/api/v1/deals/abc/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_me_patch_answers_every_field(api_client, manager):
    # a partial update used to drop `partner_name` (a default is skipped in partial answers)
    response = _token_client(api_client, manager).patch("/api/v1/me/", {"phone": "123"})
    assert response.status_code == 200
    assert response.json()["partner_name"] is None


@pytest.mark.parametrize(("url", "status"), [("/", 302), ("/api/v1/me/", 401)])
def test_session_cookie_with_a_nul_character_is_ignored(client, url, status):
    # given a session cookie the portal never set ("\000" is unquoted to a NUL character)
    client.cookies["sessionid"] = "abc\x00defghij"
    # when a page or the API is called with it, then the caller is simply not signed in
    assert client.get(url).status_code == status
