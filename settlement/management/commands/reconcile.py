"""`manage.py reconcile [--chunks N] [--chunk I] [--run ID]`: run the matching job in this process.

Without --run a new run is created (won deals are taken in as orders first); with --run, only the
chunks of an existing run are matched, so several processes can share one run.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from settlement import services
from settlement.matching import partner_chunks
from settlement.models import ReconciliationRun


class Command(BaseCommand):
    help = "Match orders, deliveries and payments (idempotent; DESIGN §6.4)."

    def add_arguments(self, parser):
        parser.add_argument("--chunks", type=int, default=1, help="Partner id ranges to split into")
        parser.add_argument(
            "--chunk", type=int, default=None, help="Match only this chunk (0-based) of --chunks"
        )
        parser.add_argument("--run", type=int, default=None, help="An existing run to add to")

    def handle(self, *args, **options):
        started = time.monotonic()
        if options["run"] is None:
            run = ReconciliationRun.objects.create()
            ranges = services.reconciliation_run_fan_out(run_id=run.pk, chunks=options["chunks"])
        else:
            run = ReconciliationRun.objects.filter(pk=options["run"]).first()
            if run is None:
                raise CommandError(f"No run #{options['run']}.")
            ranges = partner_chunks(chunks=options["chunks"])
        if options["chunk"] is not None:
            ranges = ranges[options["chunk"] : options["chunk"] + 1]
        totals: dict[str, int] = {}
        for lo, hi in ranges:
            counts = services.reconciliation_chunk_run(run_id=run.pk, partner_range=(lo, hi))
            for key, value in counts.items():
                totals[key] = totals.get(key, 0) + value
        figures = ", ".join(f"{key} {value}" for key, value in sorted(totals.items()))
        self.stdout.write(
            f"run #{run.pk}: {len(ranges)} chunk(s), {figures} in {time.monotonic() - started:.2f}s"
        )
