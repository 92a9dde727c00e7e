"""Module text as safe rich text: a small, fixed markup rendered from escaped text.

Authors write plain text with a few marks; nothing they type is ever passed through as HTML.

    # Heading / ## Subheading      - item / * item      1. numbered item
    **bold**  *italic*  `code`      [label](https://example.com)
    a blank line separates paragraphs; a single line break is kept.
"""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*(?![*\w])")
_CODE = re.compile(r"`([^`]+)`")
# Runs on escaped text, so the URL cannot contain quotes or angle brackets.
_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^\s)]+)\)")
_BULLET = re.compile(r"^[-*]\s+(.*)$")
_NUMBERED = re.compile(r"^\d+[.)]\s+(.*)$")


def _inline(text: str) -> str:
    text = escape(text)
    text = _CODE.sub(r"<code>\1</code>", text)
    text = _LINK.sub(r'<a href="\2" rel="noopener noreferrer" target="_blank">\1</a>', text)
    text = _BOLD.sub(r"<strong>\1</strong>", text)
    return _ITALIC.sub(r"<em>\1</em>", text)


def _block(lines: list[str]) -> str:
    first = lines[0]
    if len(lines) == 1 and first.startswith("## "):
        return f"<h3>{_inline(first[3:])}</h3>"
    if len(lines) == 1 and first.startswith("# "):
        return f"<h2>{_inline(first[2:])}</h2>"
    for pattern, tag in ((_BULLET, "ul"), (_NUMBERED, "ol")):
        matches = [pattern.match(line) for line in lines]
        if all(matches):
            items = "".join(f"<li>{_inline(m.group(1))}</li>" for m in matches)
            return f"<{tag}>{items}</{tag}>"
    return "<p>" + "<br>".join(_inline(line) for line in lines) + "</p>"


def render_rich_text(text: str) -> SafeString:
    """Render module text (see the module docstring) to HTML that is safe to show."""
    blocks: list[list[str]] = [[]]
    for raw in (text or "").replace("\r\n", "\n").split("\n"):
        line = raw.rstrip()
        if not line.strip():
            if blocks[-1]:
                blocks.append([])
            continue
        # A heading always stands alone, even without blank lines around it.
        if line.startswith("#"):
            if blocks[-1]:
                blocks.append([])
            blocks[-1].append(line)
            blocks.append([])
            continue
        blocks[-1].append(line)
    return mark_safe("\n".join(_block(b) for b in blocks if b))  # noqa: S308 - built from escaped text
