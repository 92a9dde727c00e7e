"""Reading record ids out of URLs, query strings and form fields typed by people or scripts."""

from __future__ import annotations

import re

# PostgreSQL bigint, the type of every primary key: a larger number names no record.
MAX_ID = 2**63 - 1
# ASCII digits only: `str.isdigit()` also accepts superscripts ("²"), which `int()` refuses, and
# other scripts' digits ("٣"), which `int()` reads as a number nobody typed on purpose.
ID_PATTERN = "[0-9]+"
_ID = re.compile(ID_PATTERN)


def parse_id(raw: object) -> int | None:
    """The record id written in `raw` (a positive integer in ASCII digits), else None."""
    if not isinstance(raw, str) or not _ID.fullmatch(raw):
        return None
    value = int(raw)
    return value if 0 < value <= MAX_ID else None
