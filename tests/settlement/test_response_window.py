"""The partner's window to confirm or dispute is enforced when the partner acts (DESIGN §6.2):
7 business days after publication, the deadline the nightly deemed confirmation uses."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from settlement import services
from settlement.choices import StatementState
from settlement.models import Dispute

from .factories import published_statement

pytestmark = pytest.mark.django_db
BASE = "/api/v1/settlement/statements/"
MONDAY_NOON = datetime.datetime(2026, 10, 5, 12, 0, tzinfo=datetime.UTC)
DEADLINE = datetime.datetime(2026, 10, 14, 12, 0, tzinfo=datetime.UTC)
JUST_BEFORE = DEADLINE - datetime.timedelta(minutes=1)
AN_HOUR_AFTER = DEADLINE + datetime.timedelta(hours=1)
# The deadline in the portal's time zone (Asia/Shanghai), as the refusal names it.
CLOSED_ON = "closed on 2026-10-14 20:00 +0800"


@pytest.fixture
def statement(partner):
    with time_machine.travel(MONDAY_NOON, tick=False):
        return published_statement(partner)


def _dispute(statement, actor):
    return services.statement_dispute(
        statement=statement, actor=actor, line_ids=[statement.lines.get().pk], reason="Missing"
    )


def test_the_deadline_is_the_one_the_nightly_job_uses(statement):
    assert statement.response_due_at == DEADLINE


# --- service ------------------------------------------------------------------------------------
def test_confirmation_just_before_the_deadline_is_accepted(statement, partner_user):
    with time_machine.travel(JUST_BEFORE, tick=False):
        services.statement_confirm(statement=statement, actor=partner_user)
    statement.refresh_from_db()
    assert statement.state == StatementState.CONFIRMED


def test_confirmation_after_the_deadline_is_refused_with_the_date(statement, partner_user):
    with time_machine.travel(AN_HOUR_AFTER, tick=False), pytest.raises(ValidationError) as error:
        services.statement_confirm(statement=statement, actor=partner_user)
    assert CLOSED_ON in error.value.messages[0]
    statement.refresh_from_db()
    assert statement.state == StatementState.PUBLISHED
    assert statement.confirmed_at is None


def test_dispute_just_before_the_deadline_is_accepted(statement, partner_user):
    with time_machine.travel(JUST_BEFORE, tick=False):
        _dispute(statement, partner_user)
    statement.refresh_from_db()
    assert statement.state == StatementState.DISPUTED


def test_dispute_an_hour_after_the_deadline_is_refused_with_the_date(statement, partner_user):
    with time_machine.travel(AN_HOUR_AFTER, tick=False), pytest.raises(ValidationError) as error:
        _dispute(statement, partner_user)
    assert CLOSED_ON in error.value.messages[0]
    assert not Dispute.objects.exists()
    statement.refresh_from_db()
    assert statement.state == StatementState.PUBLISHED


def test_a_refused_late_statement_is_still_deemed_confirmed_by_the_nightly_job(
    statement, partner_user
):
    # given: a late dispute was refused
    with time_machine.travel(AN_HOUR_AFTER, tick=False), pytest.raises(ValidationError):
        _dispute(statement, partner_user)
    # when
    assert services.statement_deem_confirmed(now=AN_HOUR_AFTER) == 1
    # then
    statement.refresh_from_db()
    assert statement.deemed_confirmed


# --- pages: the buttons follow the same rule ----------------------------------------------------
def test_page_shows_confirm_and_dispute_until_the_deadline(client, statement, partner_user):
    client.force_login(partner_user)
    detail = reverse("settlement:statement_detail", args=[statement.pk])
    dispute_url = reverse("settlement:statement_dispute", args=[statement.pk])
    with time_machine.travel(JUST_BEFORE, tick=False):
        before = client.get(detail).content.decode()
    with time_machine.travel(AN_HOUR_AFTER, tick=False):
        after = client.get(detail).content.decode()
    assert "/confirm/" in before
    assert dispute_url in before
    assert "/confirm/" not in after
    assert dispute_url not in after


def test_page_confirm_after_the_deadline_is_refused_with_the_date(client, statement, partner_user):
    client.force_login(partner_user)
    with time_machine.travel(AN_HOUR_AFTER, tick=False):
        response = client.post(
            reverse("settlement:statement_transition", args=[statement.pk, "confirm"]), follow=True
        )
    assert CLOSED_ON in response.content.decode()
    statement.refresh_from_db()
    assert statement.state == StatementState.PUBLISHED


def test_page_dispute_after_the_deadline_is_refused_with_the_date(client, statement, partner_user):
    client.force_login(partner_user)
    url = reverse("settlement:statement_dispute", args=[statement.pk])
    with time_machine.travel(AN_HOUR_AFTER, tick=False):
        form = client.get(url, follow=True)
        posted = client.post(
            url, {"lines": [statement.lines.get().pk], "reason": "Late"}, follow=True
        )
    assert CLOSED_ON in form.content.decode()
    assert CLOSED_ON in posted.content.decode()
    assert not Dispute.objects.exists()
    statement.refresh_from_db()
    assert statement.state == StatementState.PUBLISHED


def test_page_dispute_just_before_the_deadline_is_accepted(client, statement, partner_user):
    client.force_login(partner_user)
    with time_machine.travel(JUST_BEFORE, tick=False):
        client.post(
            reverse("settlement:statement_dispute", args=[statement.pk]),
            {"lines": [statement.lines.get().pk], "reason": "Accrual missing"},
        )
    statement.refresh_from_db()
    assert statement.state == StatementState.DISPUTED


# --- API ----------------------------------------------------------------------------------------
def test_api_confirm_just_before_the_deadline_is_accepted(api_client, statement, partner_user):
    api_client.force_authenticate(partner_user)
    with time_machine.travel(JUST_BEFORE, tick=False):
        response = api_client.post(f"{BASE}{statement.pk}/confirm/")
    assert response.status_code == 200
    assert response.json()["state"] == StatementState.CONFIRMED


def test_api_confirm_after_the_deadline_is_refused_with_the_date(
    api_client, statement, partner_user
):
    api_client.force_authenticate(partner_user)
    with time_machine.travel(AN_HOUR_AFTER, tick=False):
        response = api_client.post(f"{BASE}{statement.pk}/confirm/")
    assert response.status_code == 400
    assert CLOSED_ON in response.json()["non_field_errors"][0]
    statement.refresh_from_db()
    assert statement.state == StatementState.PUBLISHED


def test_api_dispute_just_before_the_deadline_is_accepted(api_client, statement, partner_user):
    api_client.force_authenticate(partner_user)
    body = {"lines": [statement.lines.get().pk], "reason": "Wrong"}
    with time_machine.travel(JUST_BEFORE, tick=False):
        response = api_client.post(f"{BASE}{statement.pk}/dispute/", body, format="json")
    assert response.status_code == 200
    assert response.json()["state"] == StatementState.DISPUTED


def test_api_dispute_after_the_deadline_is_refused_with_the_date(
    api_client, statement, partner_user
):
    api_client.force_authenticate(partner_user)
    body = {"lines": [statement.lines.get().pk], "reason": "Wrong"}
    with time_machine.travel(AN_HOUR_AFTER, tick=False):
        response = api_client.post(f"{BASE}{statement.pk}/dispute/", body, format="json")
    assert response.status_code == 400
    assert CLOSED_ON in response.json()["non_field_errors"][0]
    assert not Dispute.objects.exists()
