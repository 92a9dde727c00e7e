"""`manage.py calculate_rebates --period 2026Q3 [--chunks N]`: recompute a quarter's accruals."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from core.periods import Quarter
from rebates.services import accruals_calculate, partner_chunks, sales_lines_from_won_deals


class Command(BaseCommand):
    help = "Recompute the rebate accruals of one quarter (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="Quarter, e.g. 2026Q3")
        parser.add_argument("--chunks", type=int, default=1, help="Partner id ranges to split into")
        parser.add_argument(
            "--chunk", type=int, default=None, help="Run only this chunk (0-based) of --chunks"
        )

    def handle(self, *args, **options):
        try:
            period = Quarter.parse(options["period"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        started = time.monotonic()
        sales_lines_from_won_deals(period=period)
        ranges = partner_chunks(period=period, chunks=options["chunks"])
        if options["chunk"] is not None:
            ranges = ranges[options["chunk"] : options["chunk"] + 1]
        written = 0
        for lo, hi in ranges:
            written += accruals_calculate(period=period, partner_range=(lo, hi))
        self.stdout.write(
            f"{period}: {len(ranges)} chunk(s), {written} accrual(s) written or changed "
            f"in {time.monotonic() - started:.2f}s"
        )
