import pytest

from accounts.choices import Role
from settlement.choices import StatementState
from tests.factories import staff

from .factories import built_statement, published_statement

pytestmark = pytest.mark.django_db
BASE = "/api/v1/settlement/statements/"


def test_anonymous_gets_nothing(api_client, partner):
    built_statement(partner)
    assert api_client.get(BASE).status_code in (401, 403)


def test_partner_lists_only_its_own_published_statements(
    api_client, partner, other_partner, partner_user
):
    mine = published_statement(partner)
    theirs = published_statement(other_partner)
    api_client.force_authenticate(partner_user)
    response = api_client.get(BASE)
    numbers = [row["number"] for row in response.json()["results"]]
    assert numbers == [mine.number]
    assert api_client.get(f"{BASE}{theirs.pk}/").status_code == 404
    assert api_client.post(f"{BASE}{theirs.pk}/confirm/").status_code == 404


def test_finance_approves_through_explicit_post_endpoints(api_client, partner):
    statement = built_statement(partner)
    preparer = staff(Role.FINANCE)
    api_client.force_authenticate(preparer)
    assert api_client.post(f"{BASE}{statement.pk}/submit/").status_code == 200
    refused = api_client.post(f"{BASE}{statement.pk}/approve/")
    assert refused.status_code == 400
    api_client.force_authenticate(staff(Role.FINANCE))
    response = api_client.post(f"{BASE}{statement.pk}/approve/", {"note": "ok"}, format="json")
    assert response.status_code == 200
    assert response.json()["state"] == StatementState.APPROVED
    assert response.json()["lines"][0]["amount"] == "100.0000"


def test_partner_disputes_through_the_api_with_validation(api_client, partner, partner_user):
    statement = published_statement(partner)
    api_client.force_authenticate(partner_user)
    bad = api_client.post(f"{BASE}{statement.pk}/dispute/", {"lines": []}, format="json")
    assert bad.status_code == 400
    assert "lines" in bad.json()
    line = statement.lines.get()
    ok = api_client.post(
        f"{BASE}{statement.pk}/dispute/", {"lines": [line.pk], "reason": "Wrong"}, format="json"
    )
    assert ok.status_code == 200
    assert ok.json()["state"] == StatementState.DISPUTED
