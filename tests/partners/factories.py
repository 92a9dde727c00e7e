import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from factory.django import DjangoModelFactory

from partners.choices import PartnerType, RevenueBand
from partners.models import PartnerApplication
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
