"""What must be queued before a period's statements are built, registered by the apps above.

Settlement sits below rebates (rebates queues its accruals through `settlement_entry_queue`), so it
never imports rebates: `RebatesConfig.ready()` registers its ended-quarter close here, and
`statement_build_period` runs every registered preparer first.
"""

from __future__ import annotations

from collections.abc import Callable

from core.periods import Quarter

_preparers: list[Callable[[Quarter], None]] = []


def period_preparer_register(preparer: Callable[[Quarter], None]) -> None:
    """Run `preparer(quarter)` at the start of every statement run of a quarter (once each)."""
    if preparer not in _preparers:
        _preparers.append(preparer)


def period_preparers() -> tuple[Callable[[Quarter], None], ...]:
    """The registered preparers, in registration order."""
    return tuple(_preparers)
