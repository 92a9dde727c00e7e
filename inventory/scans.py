"""Diversion and price checks of sell-through lines (DESIGN §11): raise flags for review."""

from __future__ import annotations

import datetime


def flags_raise(*, report_ids: list[int] | None = None, month: datetime.date | None = None) -> int:
    """Raise the flags the lines of `report_ids` (or of the calendar `month`) deserve; returns how
    many were raised. Idempotent: a line is flagged once per kind."""
    return 0
