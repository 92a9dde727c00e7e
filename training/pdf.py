"""Certificate PDFs rendered with WeasyPrint in the requested language (DESIGN §3, §9)."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from .models import Certification


def certificate_pdf(cert: Certification, *, language: str = "en") -> bytes:
    from weasyprint import HTML

    with translation.override(language):
        html = render_to_string(
            "training/pdf/certificate.html",
            {
                "cert": cert,
                "language": language,
                # On paper a path is useless: the full address of the public verification page.
                "verify_path": settings.PRM_SITE_URL + reverse("training:verify", args=[cert.code]),
                "company_name": settings.PRM_COMPANY_NAME,
            },
        )
    return HTML(string=html).write_pdf()
