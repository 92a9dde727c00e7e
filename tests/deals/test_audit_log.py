"""The audit log reads as sentences (DESIGN §9): who with role and company, a human action, the
object as a link to its page, and "field: before → after" with the field's name and choice labels."""

import pytest
from django.urls import reverse
from django.utils import translation

from core.audit import audit_record
from core.roles import Role
from deals import services
from tests.deals.factories import DealFactory
from tests.factories import PartnerFactory, PartnerUserFactory, UserFactory

pytestmark = pytest.mark.django_db


def _approval(deal, actor):
    return audit_record(
        actor=actor,
        action="deal.approved",
        obj=deal,
        changes={"status": {"before": "submitted", "after": "approved"}},
    )


def test_a_deal_approval_row_reads_as_a_sentence_with_a_link(client, admin_user, partner):
    deal = DealFactory(partner=partner)
    approver = UserFactory(role=Role.CHANNEL_MANAGER, full_name="Wang Lei")
    _approval(deal, approver)
    client.force_login(admin_user)
    html = client.get(reverse("core:audit_list")).content.decode()
    assert "Deal approved" in html
    assert f'href="{reverse("deals:detail", args=[deal.pk])}"' in html
    assert "<strong>Status</strong>: Submitted → Approved" in html
    assert "Wang Lei" in html and "Channel manager" in html


def test_a_partner_actor_shows_with_the_company(client, admin_user, partner):
    deal = DealFactory(partner=partner)
    seller = PartnerUserFactory(partner=partner, role=Role.PARTNER_ADMIN, full_name="Li Na")
    audit_record(actor=seller, action="deal.submitted", obj=deal)
    client.force_login(admin_user)
    html = client.get(reverse("core:audit_list")).content.decode()
    assert "Deal submitted" in html
    assert f"Partner admin · {partner.legal_name}" in html


def test_the_row_reads_in_chinese_for_a_chinese_reader(client, partner):
    deal = DealFactory(partner=partner)
    _approval(deal, UserFactory(role=Role.CHANNEL_MANAGER))
    client.force_login(UserFactory(role=Role.ADMIN, language="zh-hans"))
    html = client.get(reverse("core:audit_list")).content.decode()
    translation.activate("en")
    assert "商机已批准" in html
    assert "<strong>状态</strong>: 已提交 → 已批准" in html


def test_audit_list_with_linked_rows_keeps_its_query_count(
    client, admin_user, partner, django_assert_max_num_queries
):
    deal = DealFactory(partner=partner)
    for _ in range(25):
        _approval(deal, PartnerUserFactory(partner=partner))
    client.force_login(admin_user)
    with django_assert_max_num_queries(12):
        html = client.get(reverse("core:audit_list")).content.decode()
    assert html.count("Deal approved") == 25


def test_an_approval_made_by_the_service_reads_with_labels_and_dates(client, admin_user):
    manager = UserFactory(role=Role.CHANNEL_MANAGER, full_name="Zhou Min")
    deal = DealFactory(partner=PartnerFactory(channel_manager=manager))
    services.deal_submit(deal=deal, actor=deal.registered_by)
    services.deal_approve(deal=deal, actor=manager)
    client.force_login(admin_user)
    html = client.get(reverse("core:audit_list"), {"action": "deal.approved"}).content.decode()
    assert "Deal approved" in html and "Zhou Min" in html
    assert f'href="{reverse("deals:detail", args=[deal.pk])}"' in html
    assert "<strong>Status</strong>: Submitted → Approved" in html
    assert "T" not in html.split("<strong>Decided at</strong>: ")[1][:20]  # not an ISO stamp
