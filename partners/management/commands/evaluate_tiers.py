"""`manage.py evaluate_tiers --quarter 2026Q3`: run the quarterly tier evaluation now."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from core.periods import Quarter
from partners.services import tier_evaluation_run


class Command(BaseCommand):
    help = "Evaluate every partner's tier for one quarter and propose changes (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--quarter", required=True, help="Quarter, e.g. 2026Q3")

    def handle(self, *args, **options):
        try:
            quarter = Quarter.parse(options["quarter"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        summary = tier_evaluation_run(quarter=quarter)
        self.stdout.write(
            f"{quarter}: {summary['evaluated']} evaluated, {summary['skipped']} already done; "
            f"{summary['upgrade']} upgrade(s), {summary['downgrade']} downgrade(s), "
            f"{summary['grace']} in grace, {summary['blocked']} blocked"
        )
