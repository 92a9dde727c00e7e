"""Forms never reveal that an e-mail or a tax ID belongs to someone else (DESIGN §1, §2.1)."""

import pytest
from django.urls import reverse

from accounts.choices import Role
from accounts.models import User
from partners.choices import PartnerStatus
from partners.models import PartnerApplication

from ..factories import PartnerFactory, PartnerUserFactory, staff
from .factories import PartnerApplicationFactory, credit_code
from .test_views import _form

pytestmark = pytest.mark.django_db

UNAVAILABLE = "This address cannot be invited. Use another e-mail address."


def _invite(client, email: str):
    return client.post(
        reverse("partners:user_invite"),
        {"email": email, "full_name": "X", "role": Role.PARTNER_SALES},
    )


def _email_errors(response) -> list[str]:
    return [str(e) for e in response.context["form"].errors["email"]]


def test_invite_of_another_companys_user_says_nothing_about_that_company(
    client, partner_user, other_partner_user
):
    # given a partner admin and a user of another company
    client.force_login(partner_user)
    count = User.objects.count()
    # when the admin invites that user's address, and a vendor employee's address
    other_company = _email_errors(_invite(client, other_partner_user.email.upper()))
    vendor = _email_errors(_invite(client, staff(Role.FINANCE).email))
    # then both get the same neutral answer, which neither says the address exists nor names anyone
    assert other_company == vendor == [UNAVAILABLE]
    assert "exist" not in UNAVAILABLE
    assert other_partner_user.partner.legal_name not in UNAVAILABLE
    assert User.objects.count() == count + 1  # only the vendor employee made by the test


def test_invite_of_an_own_company_user_says_so(client, partner, partner_user):
    colleague = PartnerUserFactory(partner=partner, role=Role.PARTNER_SALES)
    client.force_login(partner_user)
    assert _email_errors(_invite(client, colleague.email)) == [
        "This person is already a user of your company."
    ]


def test_api_invite_of_another_companys_user_gets_the_neutral_answer(
    api_client, partner_user, other_partner_user
):
    api_client.force_authenticate(partner_user)
    response = api_client.post(
        "/api/v1/partners/my-users/",
        {"email": other_partner_user.email, "full_name": "X", "role": Role.PARTNER_SALES},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["email"] == [UNAVAILABLE]


@pytest.mark.parametrize(
    "referrer_status", [PartnerStatus.ACTIVE, PartnerStatus.FROZEN, None], ids=str
)
def test_referral_answer_is_the_same_whether_or_not_the_tax_id_is_a_partners(
    client, referrer_status
):
    # given a referral tax ID that is an active partner's, a frozen partner's, or nobody's
    tax_id = credit_code(9)
    if referrer_status is not None:
        PartnerFactory(tax_id=tax_id, status=referrer_status)
    # when an anonymous prospect applies with it
    response = client.post(reverse("partners:apply"), _form(referral_tax_id=tax_id))
    # then the application is accepted the same way; only an active partner is recorded
    assert response.status_code == 302
    assert response.url == reverse("partners:apply_done")
    application = PartnerApplication.objects.get()
    assert (application.referred_by is not None) == (referrer_status == PartnerStatus.ACTIVE)


def test_duplicate_tax_id_message_names_nobody(client):
    # given an open application by another company with this tax ID
    first = PartnerApplicationFactory(
        tax_id=credit_code(5),
        legal_name="Secret Rival Ltd",
        contact_name="Zhang Mimi",
        contact_email="boss@rival.example",
    )
    # when a second application with the same tax ID is sent
    response = client.post(reverse("partners:apply"), _form())
    # then it is refused clearly, without the first applicant's identity
    page = response.content.decode()
    assert "already being processed" in str(response.context["form"].errors["tax_id"])
    for secret in (first.legal_name, first.contact_email, first.contact_name):
        assert secret not in page
    assert PartnerApplication.objects.count() == 1
