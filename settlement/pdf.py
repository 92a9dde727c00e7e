"""Statement PDF rendered by WeasyPrint with a CJK font, so Chinese names render (DESIGN §6.3).

The stylesheet `statement_pdf.css` is parsed once per process, the fonts set up once (core.pdf).
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from core.pdf import pdf_render

from .choices import StatementState
from .line_details import line_details
from .models import Statement
from .selectors import statement_counted_approvals

STYLESHEET = Path(__file__).resolve().parent / "templates" / "settlement" / "statement_pdf.css"


def statement_pdf_filename(statement: Statement) -> str:
    return f"{statement.number}.pdf"


def statement_pdf_html(
    *, statement: Statement, base_url: str = "", language: str = "", partner_details: bool = True
) -> str:
    """The statement's page before rendering (styled by `STYLESHEET`). Lines and approvals fetched
    ahead (`statement_pdf_batch`) are used as they are."""
    approvals = getattr(statement, "counted_approvals", None)
    if approvals is None:
        approvals = list(statement_counted_approvals(statement=statement))
    if "lines" in getattr(statement, "_prefetched_objects_cache", {}):
        lines = list(statement.lines.all())
    else:
        lines = list(statement.lines.select_related("entry"))
    context = {
        "statement": statement,
        "partner": statement.partner,
        "partner_details": partner_details,
        "lines": lines,
        # The revision chain (DESIGN §6.2): numbers only, printed on the statement itself; read
        # only for a revision or a superseded statement, so a batch of plain ones asks nothing.
        "previous_number": (
            Statement.objects.unrestricted("the number printed on its revision")
            .filter(pk=statement.revision_of_id)
            .values_list("number", flat=True)
            .first()
            if statement.revision_of_id
            else None
        ),
        "successor_number": (
            Statement.objects.unrestricted("the number printed on the statement it supersedes")
            .filter(revision_of=statement)
            .values_list("number", flat=True)
            .first()
            if statement.state == StatementState.SUPERSEDED
            else None
        ),
        "approvals": approvals,
        # Withheld tax reduces the payable: printed with its minus sign (never "-0.00").
        "tax_withheld": -statement.tax_amount,
        "company_name": settings.PRM_COMPANY_NAME,
        "verify_url": base_url.rstrip("/")
        + reverse("settlement:statement_verify", args=[statement.verification_code]),
    }
    with translation.override(language or translation.get_language()):
        details = getattr(statement, "line_details", None)
        if details is None:
            details = line_details(lines)
        # How each line was calculated, where its source says (a rebate: its accrual's trace).
        context["lines"] = [(line, details.get(line.pk, "")) for line in lines]
        return render_to_string("settlement/statement_pdf.html", context)


def statement_pdf_render(
    *, statement: Statement, base_url: str = "", language: str = "", partner_details: bool = True
) -> bytes:
    """The statement as PDF bytes: header, partner, period, lines, totals, tax, approvals, code.

    Without `partner_details` (a distributor's copy of its dealer's statement) the partner's tax
    ID is left out (DESIGN §1).
    """
    html = statement_pdf_html(
        statement=statement,
        base_url=base_url,
        language=language,
        partner_details=partner_details,
    )
    return pdf_render(html, stylesheet=STYLESHEET)
