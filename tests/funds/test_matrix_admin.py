"""The approval matrix is data an administrator edits in the admin (DESIGN §1, §7)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.choices import Role
from funds.models import ApprovalRule, FundRequest
from tests.conftest import login
from tests.factories import staff

from .factories import allocation, submit

pytestmark = pytest.mark.django_db


def test_administrator_changes_a_limit_and_new_requests_follow_it(client, partner, partner_user):
    # given the administrator raises the channel manager's limit to 20,000
    admin = staff(Role.ADMIN)
    login(client, admin)
    rule = ApprovalRule.objects.get(max_amount_cny=Decimal("10000.00"))
    response = client.post(
        f"/admin/funds/approvalrule/{rule.pk}/change/",
        {
            "max_amount_cny": "20000.00",
            "approver_roles": ["channel_manager", "channel_director", "cfo"],
            "approvals_required": "1",
        },
    )
    assert response.status_code == 302
    # when a partner asks for 15,000
    allocation(partner, "50000.00")
    request = submit(partner, partner_user, "15000.00")
    # then a channel manager may approve it
    assert request.approver_roles[0] == Role.CHANNEL_MANAGER


def test_matrix_form_refuses_inconsistent_rows(client):
    login(client, staff(Role.ADMIN))
    response = client.post(
        "/admin/funds/approvalrule/add/",
        {
            "max_amount_cny": "",
            "approver_roles": ["channel_director"],
            "required_roles": ["cfo"],
            "approvals_required": "1",
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "required_roles" in errors and "max_amount_cny" in errors
    assert ApprovalRule.objects.count() == 3


def test_open_ended_row_cannot_be_deleted(client):
    login(client, staff(Role.ADMIN))
    open_row = ApprovalRule.objects.get(max_amount_cny__isnull=True)
    response = client.post(f"/admin/funds/approvalrule/{open_row.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert ApprovalRule.objects.filter(pk=open_row.pk).exists()


def test_matrix_without_a_row_for_the_amount_is_a_field_error(partner, partner_user):
    ApprovalRule.objects.filter(max_amount_cny__isnull=True).delete()
    allocation(partner, "500000.00")
    with pytest.raises(ValidationError) as exc:
        submit(partner, partner_user, "200000.00")
    assert "requested_amount" in exc.value.message_dict
    assert not FundRequest.objects.exists()


def test_ledger_is_read_only_in_the_admin(client, partner):
    entry = allocation(partner, "100.00")
    login(client, staff(Role.ADMIN))
    assert client.get("/admin/funds/mdfledgerentry/").status_code == 200
    assert client.get("/admin/funds/mdfledgerentry/add/").status_code == 403
    response = client.post(f"/admin/funds/mdfledgerentry/{entry.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
