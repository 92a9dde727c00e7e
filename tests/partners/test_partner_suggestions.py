"""Suggestions for a partner typed by name or tax ID into a partner field, among the partners the
field takes: those the user sees, manages, or may hand a leaving partner's deals to."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone

from partners import services
from partners.choices import PartnerStatus
from tests.factories import PartnerFactory

URL = reverse("partners:partner_suggestions")


def test_staff_get_partners_by_name_and_by_tax_id(client, finance_user):
    star = PartnerFactory(legal_name="上海星辰科技有限公司", tax_id="91310000STAR00001X")
    PartnerFactory(legal_name="Contoso Trading Ltd")
    client.force_login(finance_user)

    by_name = client.get(URL, {"q": "星辰科技"}).content.decode()
    assert f'value="{star.tax_id}"' in by_name and "上海星辰科技有限公司" in by_name
    assert "Contoso" not in by_name

    # htmx sends the field's own name; a tax ID is matched whole, spaces and case aside
    by_code = client.get(URL, {"partner": "91310000star00001x"}).content.decode()
    assert f'value="{star.tax_id}"' in by_code


def test_nothing_is_suggested_for_one_character(client, finance_user):
    PartnerFactory(legal_name="Contoso Trading Ltd")
    client.force_login(finance_user)
    assert "<option" not in client.get(URL, {"q": "C"}).content.decode()


def test_suggestions_are_refused_to_partner_users(client, partner_user, other_partner):
    client.force_login(partner_user)
    assert client.get(URL, {"q": other_partner.legal_name}).status_code in (403, 404)


def test_suggestions_take_constant_queries(client, finance_user, django_assert_max_num_queries):
    for n in range(15):
        PartnerFactory(legal_name=f"Contoso branch {n}")
    client.force_login(finance_user)
    with django_assert_max_num_queries(6):
        page = client.get(URL, {"q": "Contoso"}).content.decode()
    assert page.count("<option") == 10


def test_target_form_partner_field_asks_for_suggestions(client, finance_user):
    client.force_login(finance_user)
    page = client.get(reverse("rebates:target_list")).content.decode()
    assert f'hx-get="{URL}"' in page
    assert (
        'list="id_partner-suggestions"' in page and '<datalist id="id_partner-suggestions">' in page
    )


def test_a_managed_partner_field_suggests_only_the_partners_the_user_manages(client, manager):
    # given two partners of similar names, one managed by the manager
    mine = PartnerFactory(legal_name="Contoso East Ltd", channel_manager=manager)
    theirs = PartnerFactory(legal_name="Contoso West Ltd")
    client.force_login(manager)

    # when a field of the partners they manage asks, by name and by tax ID
    by_name = client.get(URL, {"q": "Contoso", "scope": "manage"}).content.decode()
    by_code = client.get(URL, {"q": theirs.tax_id, "scope": "manage"}).content.decode()

    # then only the managed partner is offered
    assert f'value="{mine.tax_id}"' in by_name and "Contoso West" not in by_name
    assert "<option" not in by_code
    # while a field of every partner they see offers both
    both = client.get(URL, {"q": "Contoso"}).content.decode()
    assert both.count("<option") == 2


def test_a_handover_field_suggests_active_partners_not_leaving(client, manager):
    # given an active partner, a frozen one and one in exit, all of similar names
    active = PartnerFactory(legal_name="Contoso Active Ltd")
    PartnerFactory(legal_name="Contoso Frozen Ltd", status=PartnerStatus.FROZEN)
    leaving = PartnerFactory(legal_name="Contoso Leaving Ltd", channel_manager=manager)
    services.partner_exit_start(
        partner=leaving,
        actor=manager,
        kind="termination",
        reason="Breach not remedied",
        exit_date=timezone.localdate() + datetime.timedelta(days=30),
    )
    client.force_login(manager)

    # when the handover field asks, in its own parameter
    page = client.get(URL, {"field": "to_partner", "to_partner": "Contoso", "scope": "receive"})

    # then the active partner alone is offered
    options = page.content.decode()
    assert options.count("<option") == 1 and f'value="{active.tax_id}"' in options


def test_an_unknown_scope_suggests_nothing(client, finance_user):
    PartnerFactory(legal_name="Contoso Trading Ltd")
    client.force_login(finance_user)
    response = client.get(URL, {"q": "Contoso", "scope": "everything"})
    assert response.status_code == 200 and "<option" not in response.content.decode()


def test_finance_manages_no_partner_and_is_suggested_none_to_manage(client, finance_user):
    PartnerFactory(legal_name="Contoso Trading Ltd")
    client.force_login(finance_user)
    response = client.get(URL, {"q": "Contoso", "scope": "manage"})
    assert "<option" not in response.content.decode()
