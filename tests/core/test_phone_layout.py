"""Every page works at 390 px (DESIGN §8.2): a wide table scrolls inside its card, so every table
of a page template sits in a `.table-wrap` (PDF templates are paper, not screens)."""

import re
from pathlib import Path

from django.conf import settings

TOKENS = re.compile(r"<div\b[^>]*>|</div>|<table\b")


def tables_outside_a_wrap(text: str) -> list[int]:
    """Offsets of the <table> tags not inside an open <div class="table-wrap">."""
    open_divs: list[bool] = []
    outside = []
    for match in TOKENS.finditer(text):
        token = match.group(0)
        if token.startswith("<div"):
            open_divs.append("table-wrap" in token)
        elif token == "</div>":
            if open_divs:
                open_divs.pop()
        elif not any(open_divs):
            outside.append(match.start())
    return outside


def page_templates() -> list[Path]:
    base = Path(settings.BASE_DIR)
    found = [*base.glob("templates/**/*.html"), *base.glob("*/templates/**/*.html")]
    return [p for p in found if ".venv" not in p.parts and not p.name.endswith("_pdf.html")]


def test_the_check_sees_a_bare_table_and_a_wrapped_one():
    assert tables_outside_a_wrap('<div class="card"><table></table></div>') == [18]
    assert tables_outside_a_wrap('<div class="table-wrap"><table></table></div><table>') == [45]
    assert tables_outside_a_wrap('<div class="table-wrap"><div><table></table></div></div>') == []


def test_every_table_of_a_page_scrolls_inside_its_card():
    templates = page_templates()
    assert len(templates) > 50
    bare = {
        str(path.relative_to(settings.BASE_DIR)): len(found)
        for path in templates
        if (found := tables_outside_a_wrap(path.read_text(encoding="utf-8")))
    }
    assert bare == {}, 'wrap these tables in <div class="table-wrap">'
