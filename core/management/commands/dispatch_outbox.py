"""Send the work recorded in the outbox to the broker (core/outbox.py).

Beat's periodic dispatch needs the broker; this command needs only PostgreSQL, so operations can
run it once after an outage, or keep it running beside the web processes with `--loop`.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from core.outbox import outbox_dispatch, outbox_pending_count


class Command(BaseCommand):
    help = "Send pending outbox messages to the broker (once, or every --interval seconds)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--loop", action="store_true", help="Keep dispatching until stopped.")
        parser.add_argument("--interval", type=float, default=5.0, help="Seconds between rounds.")

    def handle(self, *args, loop: bool = False, interval: float = 5.0, **options) -> None:
        while True:
            sent = outbox_dispatch()
            waiting = outbox_pending_count()
            if sent or waiting or not loop:
                self.stdout.write(f"sent {sent}, waiting {waiting}")
            if not loop:
                return
            time.sleep(interval)
