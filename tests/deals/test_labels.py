"""Labels a reader reads in either language (DESIGN §8): known industries and specializations
translated (others as typed), region names rather than codes, filter labels and badges as words."""

import pytest
from django.urls import reverse
from django.utils import translation

from core.industries import industry_code, industry_label
from deals import services
from deals.forms import LeadForm
from partners.rules import normalise_specialization
from tests.conftest import login
from tests.factories import PartnerFactory, UserFactory, staff
from tests.training.factories import CertificationFactory

pytestmark = pytest.mark.django_db

LEAD = {
    "customer_name": "上海远航物流有限公司",
    "customer_tax_id": "",
    "customer_region": "CN-SH",
    "industry": "manufacturing",
    "project_name": "Warehouse Wi-Fi",
    "estimated_value": "380000.00",
    "currency": "CNY",
    "description": "",
}


def chinese(role="channel_manager"):
    return UserFactory(role=role, language="zh-hans")


def test_a_known_industry_reads_in_the_readers_language_an_unknown_one_as_typed():
    with translation.override("zh-hans"):
        assert industry_label("manufacturing") == "制造业"
        assert industry_label("finance") == "金融"
        assert industry_label("smart farming") == "smart farming"
    assert industry_label("manufacturing") == "Manufacturing"


def test_a_known_industry_typed_by_its_label_is_stored_as_its_code():
    assert industry_code("制造业") == "manufacturing"
    assert industry_code("  Manufacturing ") == "manufacturing"
    assert industry_code("Smart  farming") == "Smart farming"
    assert normalise_specialization("制造业") == "manufacturing"
    assert normalise_specialization("Smart  Farming") == "smart farming"
    form = LeadForm(data=LEAD | {"industry": "制造业"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["industry"] == "manufacturing"


def test_lead_pages_show_the_industry_label_in_chinese(client):
    lead = services.lead_publish(actor=staff(), data=LEAD)
    login(client, chinese())
    listing = client.get(reverse("deals:lead_list")).content.decode()
    detail = client.get(reverse("deals:lead_detail", args=[lead.pk])).content.decode()
    form = client.get(reverse("deals:lead_create")).content.decode()
    translation.activate("en")
    assert "<td>制造业</td>" in listing and ">manufacturing<" not in listing
    assert "<dd>制造业</dd>" in detail
    assert '<option value="manufacturing" label="制造业">' in form


def test_partner_list_and_page_show_region_names_and_translated_specializations(client):
    partner = PartnerFactory(
        regions=["CN-SH", "CN-JS"], specializations=["retail", "smart farming"]
    )
    login(client, chinese())
    listing = client.get(reverse("partners:partner_list")).content.decode()
    detail = client.get(reverse("partners:partner_detail", args=[partner.pk])).content.decode()
    translation.activate("en")
    assert "上海, 江苏" in listing and "CN-SH" not in listing
    assert "上海, 江苏" in detail
    assert '<span class="badge info">零售</span>' in detail
    assert '<span class="badge info">smart farming</span>' in detail


def test_filter_labels_and_badges_are_words_not_codes(client, partner_user):
    CertificationFactory(user=partner_user)
    login(client, staff())
    deals_page = client.get(reverse("deals:list")).content.decode()
    assert ">Status:</label>" in deals_page and ">status:</label>" not in deals_page
    assert ">Search:</label>" in deals_page
    certificates = client.get(reverse("training:certification_list")).content.decode()
    assert '<span class="badge ok">Valid</span>' in certificates
