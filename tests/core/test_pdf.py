"""core.pdf draws what plain WeasyPrint draws: the default stylesheet cut to the rules a document's
elements can match, and fewer collections during a render, change nothing on the page."""

import io
import shutil
import subprocess

from PIL import Image, ImageChops
from pypdf import PdfReader

from core.pdf import pdf_render

PDFTOPPM = shutil.which("pdftoppm")  # make system-packages

PAGE = """<!DOCTYPE html><html><head><title>All sorts</title></head><body>
<h1>Heading one</h1><h2>Heading two</h2><p>A paragraph with <strong>strong</strong>, <em>em</em>,
<a href="https://prm.example/">a link</a>, <code>code</code>, x<sub>1</sub> and y<sup>2</sup>.<br>
After a break.</p>
<ul><li>first</li><li>second<ol><li>nested</li></ol></li></ul>
<dl><dt>Term</dt><dd>Definition</dd></dl>
<blockquote>Quoted</blockquote><pre>  pre  formatted</pre><hr>
<table><tr><th>head</th><td>cell</td></tr></table>
<p hidden>hidden</p><q>quote</q> <small>small</small> <mark>mark</mark>
<h3>Heading three</h3><address>Address</address></body></html>"""


def _pages(pdf: bytes, folder, name: str) -> list[Image.Image]:
    (folder / f"{name}.pdf").write_bytes(pdf)
    subprocess.run(  # noqa: S603 (poppler's pdftoppm on our own PDF)
        [PDFTOPPM, "-r", "100", "-png", folder / f"{name}.pdf", folder / name], check=True
    )
    return [Image.open(path).convert("RGB") for path in sorted(folder.glob(f"{name}-*.png"))]


def _outline(pdf: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(pdf))

    def titles(items):
        for item in items:
            yield from titles(item) if isinstance(item, list) else [item.title]

    return list(titles(reader.outline))


def test_a_page_of_all_sorts_of_elements_is_drawn_as_plain_weasyprint_draws_it(tmp_path):
    from weasyprint import HTML

    stylesheet = tmp_path / "page.css"
    stylesheet.write_text("body { font-family: sans-serif; font-size: 10pt; }")

    ours = pdf_render(PAGE, stylesheet=stylesheet)
    plain = HTML(string=PAGE).write_pdf(stylesheets=[str(stylesheet)])

    assert _outline(ours) == _outline(plain) == ["Heading one", "Heading two", "Heading three"]
    mine, reference = _pages(ours, tmp_path, "ours"), _pages(plain, tmp_path, "plain")
    assert len(mine) == len(reference) == 1
    assert ImageChops.difference(mine[0], reference[0]).getbbox() is None
