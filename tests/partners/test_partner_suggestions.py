"""Suggestions for a partner typed by name or tax ID (the rebate target form's partner field)."""

from __future__ import annotations

from django.urls import reverse

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
