"""Column widths of a PDF table computed here, so WeasyPrint can lay the table out with
`table-layout: fixed` (DESIGN §6.3, §10).

With automatic table layout WeasyPrint measures every cell's text with Pango twice (its narrowest
and its widest form) before laying it out: on a statement of 50 lines that is a fifth of the
render. The widths it would choose follow from those two measures alone (CSS Tables 3, "width
distribution"), and for our cells they are sums of advance widths: `column_widths()` computes them
from the cut faces' metrics (`core.pdf_fonts.text_width`) in well under a millisecond and gives the
same columns to within a pixel, so the page looks as before.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from .pdf_fonts import text_width


@dataclass(frozen=True)
class Text:
    """One block of text in a cell: a line that wraps where the column is too narrow."""

    text: str
    size: float  # pt
    weight: int = 400


@dataclass(frozen=True)
class Column:
    """The cells of one column, the header's included; each cell a few blocks stacked."""

    cells: Sequence[Sequence[Text]]
    nowrap: bool = False


def _words(text: str) -> list[str]:
    """The pieces a line may break between: words, and each wide (CJK) character on its own."""
    pieces = []
    for word in text.split():
        current = ""
        for character in word:
            if unicodedata.east_asian_width(character) in "WF":
                if current:
                    pieces.append(current)
                pieces.append(character)
                current = ""
            else:
                current += character
        if current:
            pieces.append(current)
    return pieces


def _measure(block: Text, text: str) -> float:
    width = text_width(text, size=block.size, weight=block.weight)
    if width is None:
        raise LookupError("no font metrics")
    return width


def _content_widths(column: Column) -> tuple[float, float]:
    """The column's min- and max-content widths (of its text, without padding)."""
    narrowest = widest = 0.0
    for cell in column.cells:
        for block in cell:
            line = _measure(block, block.text)
            widest = max(widest, line)
            if column.nowrap:
                narrowest = max(narrowest, line)
            else:
                words = (_measure(block, word) for word in _words(block.text))
                narrowest = max(narrowest, *words, 0.0)
    return narrowest, max(narrowest, widest)


def column_widths(
    columns: Sequence[Column], *, table_width: float, padding: float
) -> list[float] | None:
    """The widths in px (padding included) that automatic layout gives the columns of a table of
    `table_width` px whose cells have `padding` px left and right together; None where the
    fonts cannot be measured (the table then keeps automatic layout)."""
    try:
        measured = [_content_widths(column) for column in columns]
    except LookupError:
        return None
    narrowest = [low + padding for low, _high in measured]
    widest = [high + padding for _low, high in measured]
    if sum(widest) <= table_width:
        # Room for every column's widest line: the excess goes in proportion to those widths.
        return [width * table_width / sum(widest) for width in widest]
    if sum(narrowest) >= table_width:
        return narrowest  # the table overflows, as with automatic layout
    # Between the two: each column gets its narrowest width and a share of the rest in
    # proportion to how much wider it could be.
    share = (table_width - sum(narrowest)) / (sum(widest) - sum(narrowest))
    return [low + (high - low) * share for low, high in zip(narrowest, widest, strict=True)]
