"""Statement PDF rendered by WeasyPrint with a CJK font, so Chinese names render (DESIGN §6.3).

The stylesheet `statement_pdf.css` is parsed once per process, the fonts set up once (core.pdf).
The lines' cells are formatted here, once: the page prints them and `core.pdf_tables` sizes the
lines table's columns from them, so WeasyPrint need not measure every cell (DESIGN §10).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.template.defaultfilters import floatformat
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from core.pdf import pdf_render
from core.pdf_tables import Column, Text, column_widths
from core.templatetags.money import money

from .choices import StatementState
from .line_details import line_details
from .models import Statement
from .selectors import statement_counted_approvals

STYLESHEET = Path(__file__).resolve().parent / "templates" / "settlement" / "statement_pdf.css"

# The lines table as `STYLESHEET` sets it: A4 less the page margins (15 mm each side) and the
# body's default margin (8 px each side), 9.5 pt text and 7.5 pt calculation lines, cells padded
# 4 pt left and right. A test compares the widths computed from these with WeasyPrint's own.
LINES_TABLE_WIDTH = (210 - 2 * 15) / 25.4 * 96 - 2 * 8  # px
LINES_CELL_PADDING = 2 * 4 * 96 / 72  # px
TEXT_SIZE, CALC_SIZE = 9.5, 7.5  # pt
DESCRIPTION = 2  # the column that takes what the others leave


@dataclass(frozen=True)
class PdfLine:
    """One statement line's cells as printed."""

    number: int
    kind: str
    description: str
    detail: str  # how it was calculated, printed small under the description ("" if unknown)
    original_amount: str
    fx_rate: str
    amount: str


def _pdf_lines(statement: Statement, lines: list, details: dict[int, str]) -> list[PdfLine]:
    return [
        PdfLine(
            number=number,
            kind=line.get_kind_display(),
            description=line.display_description,
            detail=details.get(line.pk, ""),
            original_amount=money(line.original_amount, line.original_currency),
            fx_rate=floatformat(line.fx_rate, 6),
            amount=money(line.amount, statement.currency),
        )
        for number, line in enumerate(lines, 1)
    ]


def _lines_headers() -> list[tuple[str, bool]]:
    """(label, numeric) of the lines table's columns, in the active language."""
    return [
        ("#", False),
        (gettext("Kind"), False),
        (gettext("Description"), False),
        (gettext("Original amount"), True),
        (gettext("FX rate"), True),
        (gettext("Amount"), True),
    ]


def _lines_columns(headers: list[tuple[str, bool]], rows: list[PdfLine]) -> list[str] | None:
    """CSS widths of the lines table's columns ("" for the description, which takes the rest), as
    automatic layout would make them; None to leave the layout automatic (no font metrics)."""
    cells: list[list[list[Text]]] = [[[Text(label, TEXT_SIZE, 700)]] for label, _ in headers]
    for row in rows:
        description = [Text(row.description, TEXT_SIZE)]
        if row.detail:
            description.append(Text(row.detail, CALC_SIZE))
        texts = (str(row.number), row.kind, None, row.original_amount, row.fx_rate, row.amount)
        for column, text in enumerate(texts):
            cells[column].append(description if text is None else [Text(text, TEXT_SIZE)])
    widths = column_widths(
        # The numeric columns do not wrap (`.num`); a line number has nowhere to break.
        [Column(cells[n], nowrap=n == 0 or numeric) for n, (_, numeric) in enumerate(headers)],
        table_width=LINES_TABLE_WIDTH,
        padding=LINES_CELL_PADDING,
    )
    if widths is None:
        return None
    return ["" if n == DESCRIPTION else f"{width:.3f}px" for n, width in enumerate(widths)]


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
        context["lines"] = _pdf_lines(statement, lines, details)
        context["headers"] = _lines_headers()
        context["columns"] = _lines_columns(context["headers"], context["lines"])
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
