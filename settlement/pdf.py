"""Statement PDF rendered by WeasyPrint with a CJK font, so Chinese names render (DESIGN §6.3)."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from .models import Statement
from .selectors import statement_counted_approvals


def statement_pdf_filename(statement: Statement) -> str:
    return f"{statement.number}.pdf"


def statement_pdf_render(
    *, statement: Statement, base_url: str = "", language: str = "", partner_details: bool = True
) -> bytes:
    """The statement as PDF bytes: header, partner, period, lines, totals, tax, approvals, code.

    Without `partner_details` (a distributor's copy of its dealer's statement) the partner's tax
    ID is left out (DESIGN §1).
    """
    from weasyprint import HTML

    context = {
        "statement": statement,
        "partner": statement.partner,
        "partner_details": partner_details,
        "lines": list(statement.lines.all()),
        # The revision chain (DESIGN §6.2): numbers only, printed on the statement itself.
        "previous_number": (
            Statement.objects.unrestricted("the number printed on its revision")
            .values_list("number", flat=True)
            .filter(pk=statement.revision_of_id)
            .first()
            if statement.revision_of_id
            else None
        ),
        "successor_number": (
            Statement.objects.unrestricted("the number printed on the statement it supersedes")
            .filter(revision_of=statement)
            .values_list("number", flat=True)
            .first()
        ),
        "approvals": list(statement_counted_approvals(statement=statement)),
        "company_name": settings.PRM_COMPANY_NAME,
        "verify_url": base_url.rstrip("/")
        + reverse("settlement:statement_verify", args=[statement.verification_code]),
    }
    with translation.override(language or translation.get_language()):
        html = render_to_string("settlement/statement_pdf.html", context)
    return HTML(string=html).write_pdf()
