"""Thin Celery wrappers around inventory's jobs; each is idempotent."""

from __future__ import annotations

from celery import shared_task

from . import scans


@shared_task(acks_late=True, time_limit=30 * 60, soft_time_limit=25 * 60)
def inventory_reports_scan_task(report_ids: list[int]) -> int:
    """Check the lines of newly received sell-through reports (run after each import)."""
    return scans.flags_raise(report_ids=report_ids)


# --- inventory stock -------------------------------------------------------------------------
# "batch" in the names: the figures are heavy set-based work (prm/queues.py routes them there).
@shared_task(acks_late=True, time_limit=30 * 60, soft_time_limit=25 * 60)
def inventory_figures_refresh_batch_task(partner_ids: list[int]) -> int:
    """Rebuild the figures of partners whose report was just accepted (13 months), the group
    sums of the last two months, and raise this month's alerts. Idempotent."""
    from .figures import inventory_figures_refresh

    return inventory_figures_refresh(partner_ids)


@shared_task(acks_late=True, time_limit=60 * 60, soft_time_limit=55 * 60)
def inventory_figures_nightly_batch_task() -> int:
    """Every partner's figures of the last two months (a new month starts from the carried
    snapshot), every group sum of the trend's 13 months, then the month's alerts."""
    from .figures import inventory_figures_refresh

    return inventory_figures_refresh(None, months=2, rollup_months=13)


@shared_task(acks_late=True, time_limit=30 * 60, soft_time_limit=25 * 60)
def inventory_limits_apply_batch_task(family_id: int) -> None:
    """A family's limits changed: flag its figures again and rebuild the sums."""
    from .figures import inventory_limits_apply

    inventory_limits_apply(family_id)


# --- end inventory stock ---------------------------------------------------------------------
