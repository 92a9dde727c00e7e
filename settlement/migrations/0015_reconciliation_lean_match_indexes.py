"""Cheaper match writes (DESIGN §6.4, §10): three indexes besides the key instead of four.

A payment's (delivery's) one match is guarded by a partial unique index that holds only the rows
of that kind, where the two unique columns used to index every row (a million NULLs each on a fresh
run). The run's index goes: a run counts what it matched on itself, each chunk adding its figures
in its own transaction; runs recorded before this change get their counts here.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Count


def count_matches_on_runs(apps, schema_editor):
    Run = apps.get_model("settlement", "ReconciliationRun")
    Match = apps.get_model("settlement", "ReconciliationMatch")
    counts: dict[int, dict[str, int]] = {}
    for run_id, method, n in (
        Match.objects.values_list("run_id", "method").annotate(n=Count("pk")).order_by()
    ):
        counts.setdefault(run_id, {})[method] = n
    for run_id, by_method in counts.items():
        Run.objects.filter(pk=run_id).update(
            matched_by_reference=by_method.get("reference", 0),
            matched_by_window=by_method.get("window", 0),
        )


class Migration(migrations.Migration):
    dependencies = [
        ("settlement", "0014_statement_revisions"),
    ]

    operations = [
        migrations.AddField(
            model_name="reconciliationrun",
            name="matched_by_reference",
            field=models.PositiveIntegerField(default=0, verbose_name="matched by reference"),
        ),
        migrations.AddField(
            model_name="reconciliationrun",
            name="matched_by_window",
            field=models.PositiveIntegerField(default=0, verbose_name="matched by window"),
        ),
        migrations.RunPython(count_matches_on_runs, migrations.RunPython.noop),
        # The partial unique indexes first, so a payment (delivery) is never without its guard.
        migrations.AddConstraint(
            model_name="reconciliationmatch",
            constraint=models.UniqueConstraint(
                condition=models.Q(("payment__isnull", False)),
                fields=("payment",),
                name="match_once_per_payment",
            ),
        ),
        migrations.AddConstraint(
            model_name="reconciliationmatch",
            constraint=models.UniqueConstraint(
                condition=models.Q(("delivery__isnull", False)),
                fields=("delivery",),
                name="match_once_per_delivery",
            ),
        ),
        migrations.AlterField(
            model_name="reconciliationmatch",
            name="delivery",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="settlement.delivery",
            ),
        ),
        migrations.AlterField(
            model_name="reconciliationmatch",
            name="payment",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="settlement.payment",
            ),
        ),
        migrations.AlterField(
            model_name="reconciliationmatch",
            name="run",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="matches",
                to="settlement.reconciliationrun",
            ),
        ),
    ]
