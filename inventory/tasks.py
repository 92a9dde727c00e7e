"""Thin Celery wrappers around inventory's jobs; each is idempotent."""

from __future__ import annotations

from celery import shared_task

from . import scans


@shared_task(acks_late=True, time_limit=30 * 60, soft_time_limit=25 * 60)
def inventory_reports_scan_task(report_ids: list[int]) -> int:
    """Check the lines of newly received sell-through reports (run after each import)."""
    return scans.flags_raise(report_ids=report_ids)
