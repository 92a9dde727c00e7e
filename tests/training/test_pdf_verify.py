import io

import pytest
from django.conf import settings
from django.urls import reverse
from pypdf import PdfReader

from accounts.choices import Role
from tests.factories import PartnerUserFactory, UserFactory
from training.pdf import certificate_pdf

from .factories import CertificationFactory

pytestmark = pytest.mark.django_db


def _text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_certificate_pdf_contains_the_chinese_name(partner, language):
    holder = PartnerUserFactory(partner=partner, full_name="王小明", role=Role.PARTNER_SALES)
    cert = CertificationFactory(user=holder)
    pdf = certificate_pdf(cert, language=language)
    assert pdf.startswith(b"%PDF")
    text = _text(pdf)
    assert "王小明" in text
    assert cert.code in text
    assert ("兹证明" in text) is (language == "zh-hans")
    # The verification address is whole (a path alone is useless on paper), and the issuer named
    flat = text.replace("\n", "")
    assert f"{settings.PRM_SITE_URL}/training/verify/{cert.code}/" in flat
    assert settings.PRM_COMPANY_NAME in text


def test_pdf_download_for_holder_admin_and_staff_only(
    client, partner, partner_user, other_partner_user, manager
):
    holder = PartnerUserFactory(partner=partner, role=Role.PARTNER_SALES)
    cert = CertificationFactory(user=holder)
    url = reverse("training:certification_pdf", args=[cert.pk])
    for user, status in [
        (holder, 200),
        (partner_user, 200),
        (manager, 200),
        (other_partner_user, 404),
        (PartnerUserFactory(partner=partner, role=Role.PARTNER_SALES), 404),
    ]:
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == status, user.role
        if status == 200:
            assert response.content.startswith(b"%PDF")


def test_pdf_download_requires_login(client):
    cert = CertificationFactory()
    response = client.get(reverse("training:certification_pdf", args=[cert.pk]))
    assert response.status_code == 302


def test_public_verification_shows_only_the_allowed_facts(client):
    holder = PartnerUserFactory(full_name="李雷", email="lilei@secret.example", phone="13800000000")
    cert = CertificationFactory(user=holder)
    response = client.get(reverse("training:verify", args=[cert.code]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "李雷" in html and holder.partner.legal_name in html
    assert "lilei@secret.example" not in html and "13800000000" not in html
    assert cert.course.title not in html
    assert {"holder", "company", "track", "level"} <= set(response.context.keys())
    assert "cert" not in response.context


def test_public_verification_of_an_unknown_code_is_a_clean_404(client):
    response = client.get(reverse("training:verify", args=["NOPE12345678"]))
    assert response.status_code == 404
    assert "Certificate not found" in response.content.decode()


def test_staff_download_is_allowed_for_any_staff_role(client):
    cert = CertificationFactory()
    client.force_login(UserFactory(role=Role.FINANCE))
    response = client.get(reverse("training:certification_pdf", args=[cert.pk]))
    assert response.status_code == 200
