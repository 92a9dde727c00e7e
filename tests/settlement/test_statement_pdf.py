"""The statement PDF reads as its data says, Chinese included, and the fast rendering (cut Chinese
faces, stylesheet parsed once, the lines table's columns sized ahead, a chunk's rows in a few
queries) changes nothing on the page."""

import io
import re
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from PIL import Image, ImageChops
from pypdf import PdfReader

from accounts.choices import Role
from core.jobs import job_create
from core.money import format_money
from core.pdf import pdf_render
from core.pdf_fonts import FAMILY
from settlement import exports, services
from settlement import pdf as settlement_pdf
from settlement.choices import EntryKind
from settlement.models import PartnerTaxProfile
from settlement.pdf import STYLESHEET, statement_pdf_html, statement_pdf_render
from tests.factories import PartnerFactory, staff

from .factories import PERIOD, queue_entry

pytestmark = pytest.mark.django_db

CUT_FAMILY = FAMILY.replace(" ", "-")  # as the PDF names the font
POPPLER = {tool: shutil.which(tool) for tool in ("pdftotext", "pdftoppm")}  # make system-packages

DESCRIPTIONS = [
    "返利 标准计划 合同 SO-0001",
    "Marketing fund reimbursement Q3",
    "折扣 第三季度 退货冲销",
    "Rebate gold programme",
]


def _countersigned(partner, descriptions=DESCRIPTIONS):
    for n, description in enumerate(descriptions):
        queue_entry(partner, Decimal("1000.25") + n, description=description)
    statement = services.statement_build(partner=partner, period=PERIOD)
    services.statement_submit(statement=statement, actor=staff(Role.FINANCE))
    statement.refresh_from_db()
    approvers = [
        staff(Role.FINANCE, full_name=f"财务审批人{n}") for n in range(statement.required_approvals)
    ]
    for approver in approvers:
        services.statement_approve(statement=statement, actor=approver)
    statement.refresh_from_db()
    return statement, approvers


def _words(pdf: bytes) -> str:
    """The PDF's text as pdftotext reads it, whitespace collapsed (wrapped cells join up)."""
    text = subprocess.run(  # noqa: S603 (poppler's pdftotext on our own PDF)
        [POPPLER["pdftotext"], "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    return " ".join(text.split())


def _in_order(text: str, expected: list[str]) -> None:
    position = 0
    for part in expected:
        found = text.find(part, position)
        assert found >= 0, f"{part!r} missing after position {position}: {text[position:][:300]!r}"
        position = found + len(part)


def _families_drawing(pdf: bytes, wanted: str) -> set[str]:
    """The embedded fonts (their names without the subset tag) that draw text containing `wanted`."""
    fonts = set()

    def visit(text, _cm, _tm, font, _size):
        if font and wanted in text:
            fonts.add(str(font["/BaseFont"]).split("+", 1)[1])

    for page in PdfReader(io.BytesIO(pdf)).pages:
        page.extract_text(visitor_text=visit)
    return fonts


def test_pdf_text_lists_the_statement_in_order_as_its_data_says():
    partner = PartnerFactory(legal_name="华东智联科技有限公司")
    statement, approvers = _countersigned(partner)
    lines = list(statement.lines.order_by("pk"))

    text = _words(statement_pdf_render(statement=statement, base_url="https://prm.example/"))

    expected = [
        settings.PRM_COMPANY_NAME,
        f"Statement {statement.number}",
        "Partner",
        partner.legal_name,
        "Period",
        statement.period,
        partner.tax_id,
        statement.currency,
    ]
    for n, line in enumerate(lines, 1):
        expected += [
            str(n),
            line.description,
            format_money(line.original_amount, line.original_currency),
            f"{line.fx_rate:.6f}",
            format_money(line.amount, statement.currency),
        ]
    expected += [
        f"Lines {format_money(statement.subtotal, statement.currency)}",
        f"Payable {format_money(statement.payable, statement.currency)}",
        "Approvals",
        *(approver.full_name for approver in approvers),
        f"Verification code: {statement.verification_code}",
        "https://prm.example"
        + reverse("settlement:statement_verify", args=[statement.verification_code]),
    ]
    _in_order(text, expected)


def test_chinese_names_and_headings_are_drawn_with_a_chinese_face():
    partner = PartnerFactory(legal_name="上海华东数字科技有限公司")
    statement, _approvers = _countersigned(partner)

    pdf = statement_pdf_render(statement=statement, language="zh-hans")

    text = _words(pdf)
    _in_order(text, ["对账单", partner.legal_name, "返利 标准计划 合同 SO-0001", "财务审批人0"])
    assert _families_drawing(pdf, "华东数字") == {CUT_FAMILY}


def test_a_character_outside_the_cut_face_falls_back_to_the_full_font():
    # 喆 and 堃 are not in GB2312, the cut face's repertoire.
    partner = PartnerFactory(legal_name="喆堃科技有限公司")
    statement, _approvers = _countersigned(partner, ["返利"])

    pdf = statement_pdf_render(statement=statement)

    assert partner.legal_name in _words(pdf)
    assert _families_drawing(pdf, "喆堃") == {"Noto-Sans-CJK-SC"}
    assert _families_drawing(pdf, "科技有限公司") == {CUT_FAMILY}


def _pages(pdf: bytes, folder, name: str) -> list[Image.Image]:
    (folder / f"{name}.pdf").write_bytes(pdf)
    subprocess.run(  # noqa: S603 (poppler's pdftoppm on our own PDF)
        [POPPLER["pdftoppm"], "-r", "100", "-png", folder / f"{name}.pdf", folder / name],
        check=True,
    )
    return [Image.open(path).convert("RGB") for path in sorted(folder.glob(f"{name}-*.png"))]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_fast_rendering_draws_the_same_pages_as_plain_weasyprint(tmp_path, language):
    from weasyprint import CSS, HTML

    partner = PartnerFactory(legal_name="喆堃华东智联科技有限公司 Müller & Søn")
    statement, _approvers = _countersigned(partner, DESCRIPTIONS * 8)
    html = statement_pdf_html(statement=statement, language=language)
    # Plain WeasyPrint: a fresh font configuration, the full Noto Sans CJK SC only.
    full_font = STYLESHEET.read_text().replace(f'"{FAMILY}", ', "")
    assert full_font != STYLESHEET.read_text()

    fast = _pages(pdf_render(html, stylesheet=STYLESHEET), tmp_path, "fast")
    plain = _pages(
        HTML(string=html).write_pdf(stylesheets=[CSS(string=full_font)]), tmp_path, "plain"
    )

    assert len(fast) == len(plain) >= 2
    for page, (ours, reference) in enumerate(zip(fast, plain, strict=True), 1):
        assert ImageChops.difference(ours, reference).getbbox() is None, f"page {page} differs"


def test_a_chunk_of_the_batch_export_reads_its_statements_in_a_fixed_number_of_queries(
    monkeypatch, django_assert_num_queries
):
    statements = [_countersigned(PartnerFactory())[0] for _ in range(4)]
    job = job_create(kind="settlement.statement_export", label=PERIOD)
    monkeypatch.setattr(exports, "PROGRESS_SECONDS", 3600)

    # statements with partners, their lines, their approvals; one progress write at the end
    with django_assert_num_queries(4):
        exports.statement_export_chunk(job_id=job.pk, statement_ids=[s.pk for s in statements])

    job.refresh_from_db()
    assert job.done == 4
    assert job.message == max(s.number for s in statements)


def test_pdf_amounts_have_separators_and_no_tax_line_without_tax():
    partner = PartnerFactory()
    queue_entry(partner, "1234.56", description="Rebate Q3")
    queue_entry(partner, "-1234.56", kind=EntryKind.CLAWBACK, description="Returns Q3")
    queue_entry(partner, "1000000", description="Rebate Q3 second contract")
    statement = services.statement_build(partner=partner, period=PERIOD)
    assert statement.tax_rate == 0

    text = _words(statement_pdf_render(statement=statement))

    assert "CNY 1,234.56" in text
    assert "CNY -1,234.56" in text
    assert "CNY 1,000,000.00" in text
    assert "-0.00" not in text
    assert "Tax" not in text.replace("Tax ID", "")
    assert "0.0000" not in text


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_pdf_shows_the_tax_rate_as_a_percentage_and_the_tax_withheld(language):
    partner = PartnerFactory()
    PartnerTaxProfile.objects.create(partner=partner, tax_rate=Decimal("0.06"))
    queue_entry(partner, "1234567.89", description="Rebate Q3")
    statement = services.statement_build(partner=partner, period=PERIOD)
    assert statement.tax_amount == Decimal("74074.07")

    text = _words(statement_pdf_render(statement=statement, language=language))

    assert "6.00 %" in text
    assert "CNY -74,074.07" in text
    assert "0.0600" not in text
    assert f"CNY {statement.payable:,.2f}" in text
    assert "-0.00" not in text


LONG = [
    "返利 标准计划 合同 SO-0001 · Rebate standard programme for the eastern region",
    "Marketing fund reimbursement Q3, trade show Shanghai and Beijing",
    "折扣 第三季度 退货冲销 上海华东数字科技有限公司",
]
SHORT = ["Q3", "返利"]


def _statement_with(partner, descriptions, amounts):
    for description, amount in zip(descriptions, amounts, strict=True):
        queue_entry(partner, amount, description=description)
    return services.statement_build(partner=partner, period=PERIOD)


def _automatic(monkeypatch):
    """Render the lines table as before: no widths given, WeasyPrint measures every cell."""
    monkeypatch.setattr(settlement_pdf, "_lines_columns", lambda headers, rows: None)


def _laid_out_widths(html: str) -> list[float]:
    """The lines table's column widths as WeasyPrint lays the page out (full font, no cache)."""
    from weasyprint import CSS, HTML
    from weasyprint.formatting_structure import boxes

    full_font = STYLESHEET.read_text().replace(f'"{FAMILY}", ', "")
    document = HTML(string=html).render(stylesheets=[CSS(string=full_font)])
    page = document.pages[0]._page_box
    tables = [box for box in page.descendants() if isinstance(box, boxes.TableBox)]
    return next(t.column_widths for t in tables if len(t.column_widths) == 6)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize(
    ("descriptions", "amounts", "detail"),
    [
        (LONG, ["1000.25", "-25000", "1234567890.5"], "3.00 % of CNY 1,000,000.00 (gold tier)"),
        (SHORT, ["10", "20"], ""),
    ],
    ids=["long", "short"],
)
def test_the_lines_columns_are_sized_as_automatic_layout_sizes_them(
    monkeypatch, language, descriptions, amounts, detail
):
    statement = _statement_with(PartnerFactory(), descriptions, amounts)
    if detail:
        statement.line_details = {line.pk: detail for line in statement.lines.all()}

    sized = statement_pdf_html(statement=statement, language=language)
    given = [float(w) for w in re.findall(r'<col style="width: ([0-9.]+)px">', sized)]
    _automatic(monkeypatch)
    unsized = statement_pdf_html(statement=statement, language=language)
    automatic = _laid_out_widths(unsized)

    assert 'class="sized"' in sized
    assert 'class="sized"' not in unsized
    assert len(given) == 5  # all but the description, which takes the rest
    expected = [width for n, width in enumerate(automatic) if n != settlement_pdf.DESCRIPTION]
    assert given == pytest.approx(expected, abs=1.5)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_sized_lines_table_reads_word_for_word_as_the_automatic_one(monkeypatch, language):
    partner = PartnerFactory(legal_name="上海华东数字科技有限公司")
    statement = _statement_with(
        partner, LONG * 6 + SHORT, ["1000.25", "-25000", "1234567890.5"] * 6 + ["1", "2"]
    )

    sized = _words(statement_pdf_render(statement=statement, language=language))
    _automatic(monkeypatch)
    automatic = _words(statement_pdf_render(statement=statement, language=language))

    assert sized == automatic
    assert "CNY 1,234,567,890.50" in sized
