import datetime

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from factory.django import DjangoModelFactory

from partners.choices import PartnerType, RevenueBand
from partners.models import Agreement, PartnerApplication
from partners.rules import credit_code_check_char

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def credit_code(n: int) -> str:
    """A valid unified social credit code, distinct per `n`."""
    first17 = f"91310000MA{n:07d}"
    return first17 + credit_code_check_char(first17)


def licence_pdf(name: str = "licence.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


class PartnerApplicationFactory(DjangoModelFactory):
    class Meta:
        model = PartnerApplication

    legal_name = factory.Sequence(lambda n: f"Prospect {n} Co., Ltd.")
    tax_id = factory.Sequence(lambda n: credit_code(n + 1000))
    country = "CN"
    regions = factory.LazyFunction(lambda: ["CN-SH"])
    partner_type = PartnerType.RESELLER
    business_scope = "Network equipment"
    contact_name = "Li Wei"
    contact_email = factory.Sequence(lambda n: f"contact{n}@prospect.example")
    contact_phone = "+86 21 5555 0000"
    revenue_band = RevenueBand.FROM_1M
    technical_staff = 5
    business_licence = factory.LazyFunction(licence_pdf)


# --- agreements, credit limits, business reports and visits ---------------------------------


def signed_pdf(name: str = "signed.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


class AgreementFactory(DjangoModelFactory):
    """A draft agreement; pass `status` with `signed_document` for later states."""

    class Meta:
        model = Agreement

    partner = factory.SubFactory("tests.factories.PartnerFactory")
    number = factory.Sequence(lambda n: f"AGR-T-{n:05d}")
    version = 1
    title = "Distribution agreement"
    start_date = factory.LazyFunction(lambda: datetime.date(2026, 1, 1))
    end_date = factory.LazyFunction(lambda: datetime.date(2026, 12, 31))


def agreement_in(status: str, **kwargs) -> Agreement:
    """An agreement already in `status` (documents attached where the state needs one)."""
    if status not in ("draft", "legal_review", "business_review"):
        kwargs.setdefault("signed_document", signed_pdf())
        kwargs.setdefault("signed_on", datetime.date(2025, 12, 20))
    if status == "terminated":
        kwargs.setdefault("termination_reason", "breach")
    return AgreementFactory(status=status, **kwargs)
