"""Reconciliation (DESIGN §6.4): runs fanned out in partner chunks, and their anomalies."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from core.jobs import job_create, job_progress, job_started, job_succeeded
from core.models import JobRun
from core.notifications import notify
from core.outbox import outbox_enqueue
from core.transitions import transition_record
from partners.models import Partner

from .. import jobs
from ..choices import AnomalyState, ResolutionAction
from ..matching import match_chunk, orders_sync_from_deals, partner_chunks
from ..models import AnomalyResolution, ReconciliationAnomaly, ReconciliationRun
from ._common import _finance_users, _require_finance

RECONCILIATION_CHUNKS = 8


@transaction.atomic
def reconciliation_run_start(
    *, actor: User | None, chunks: int = RECONCILIATION_CHUNKS
) -> ReconciliationRun:
    """Create a run with its progress job, and queue its fan-out in the outbox (same transaction):
    sent to the workers after commit, or when the broker is back."""
    if actor is not None:
        _require_finance(actor)
    job = job_create(kind=jobs.RECONCILIATION, label=str(_("Reconciliation")), user=actor, total=0)
    run = ReconciliationRun.objects.create(job=job, started_by=actor)
    transition_record(run, actor=actor, action="reconciliation.started")
    # Named, not imported: the tasks call these services.
    outbox_enqueue("settlement.tasks.reconciliation_run_task", args=[run.pk, chunks], job=job)
    return run


# Not atomic: a step of the chunked run; its progress rows must be visible while chunks run.
def reconciliation_run_fan_out(*, run_id: int, chunks: int) -> list[list[int]]:
    """Take won deals in as orders, split the partners into chunks and record the chunk count."""
    run = ReconciliationRun.objects.select_related("job").get(pk=run_id)
    orders_sync_from_deals()
    ranges = partner_chunks(chunks=chunks)
    ReconciliationRun.objects.filter(pk=run.pk).update(chunks=len(ranges))
    if run.job:
        job_started(run.job, total=len(ranges))
    if not ranges:
        reconciliation_run_finish(run_id=run.pk)
        if run.job:
            job_succeeded(run.job, message=_("Nothing to match."))
    return ranges


# Not atomic as a whole: the chunk commits on its own, then its progress is counted.
def reconciliation_chunk_run(
    *, run_id: int, partner_range: tuple[int, int], count: bool = True
) -> dict[str, int]:
    """Match one chunk (its own transaction, the partners locked) and count it as done.

    With `count=False` the caller counts chunks (the worker task does, once per chunk record:
    `core.jobs.job_chunk_run`, then `reconciliation_run_progress`).
    """
    lo, hi = partner_range
    with transaction.atomic():
        # Two runs never match the same partners at once (the window step reads, then inserts).
        list(
            Partner.objects.filter(pk__range=(lo, hi))
            .order_by("pk")
            .select_for_update(no_key=True)
            .values_list("pk", flat=True)
        )
        counts = match_chunk(run_id=run_id, partner_range=(lo, hi))
    if not count:
        return counts
    ReconciliationRun.objects.filter(pk=run_id).update(chunks_done=F("chunks_done") + 1)
    run = ReconciliationRun.objects.get(pk=run_id)
    if run.job_id:
        JobRun.objects.filter(pk=run.job_id).update(done=F("done") + 1)
        job = JobRun.objects.get(pk=run.job_id)
        job_progress(
            job,
            done=job.done,
            message=_("%(done)s of %(total)s partner chunks matched")
            % {"done": run.chunks_done, "total": run.chunks},
        )
    if run.chunks_done >= run.chunks:
        reconciliation_run_finish(run_id=run_id)
    return counts


# Not atomic: one UPDATE of a progress figure.
def reconciliation_run_progress(*, run_id: int) -> None:
    """Copy the job's count of done chunks onto the run (counted once per chunk by the job)."""
    run = ReconciliationRun.objects.select_related("job").get(pk=run_id)
    if run.job is None:
        return
    ReconciliationRun.objects.filter(pk=run_id).update(chunks_done=run.job.done)
    JobRun.objects.filter(pk=run.job_id).update(
        message=(
            _("%(done)s of %(total)s partner chunks matched")
            % {"done": run.job.done, "total": run.chunks}
        )[:500]
    )


def reconciliation_run_job_id(*, run_id: int) -> int | None:
    """The progress job of a run (None for a run without one)."""
    return ReconciliationRun.objects.filter(pk=run_id).values_list("job_id", flat=True).first()


@transaction.atomic
def reconciliation_run_finish(*, run_id: int) -> None:
    """Mark the run finished once (the last chunk calls it); tell finance about open anomalies."""
    updated = ReconciliationRun.objects.filter(pk=run_id, finished_at__isnull=True).update(
        finished_at=timezone.now()
    )
    if not updated:
        return
    run = ReconciliationRun.objects.select_related("job").get(pk=run_id)
    raised = ReconciliationAnomaly.objects.filter(run=run, state=AnomalyState.OPEN).count()
    if run.job:
        job_succeeded(
            run.job,
            result={"anomalies": raised},
            message=_("%(n)s new anomalies") % {"n": raised},
        )
    if raised:
        notify(
            recipients=_finance_users(),
            kind="reconciliation.anomalies",
            title=gettext_lazy("Reconciliation found %(n)s new anomalies"),
            url=reverse("settlement:reconciliation_run", args=[run.pk]),
            params={"n": raised},
        )


@transaction.atomic
def anomaly_resolve(*, anomaly, actor: User, action: str, note: str):
    """Finance records what was done about an open anomaly (append-only resolution)."""
    _require_finance(actor)
    anomaly = ReconciliationAnomaly.objects.select_for_update().get(pk=anomaly.pk)
    errors = {}
    if action not in ResolutionAction.values:
        errors["action"] = _("Choose what was done.")
    if not (note or "").strip():
        errors["note"] = _("Say what was done and why.")
    if errors:
        raise ValidationError(errors)
    if anomaly.state != AnomalyState.OPEN:
        raise ValidationError(_("This anomaly is already closed."))
    AnomalyResolution.objects.create(anomaly=anomaly, action=action, note=note.strip(), actor=actor)
    anomaly.state = AnomalyState.RESOLVED
    anomaly.closed_at = timezone.now()
    anomaly.save(update_fields=["state", "closed_at"])
    transition_record(
        anomaly,
        actor=actor,
        action="reconciliation.anomaly_resolved",
        changes={"state": {"before": AnomalyState.OPEN, "after": AnomalyState.RESOLVED}},
        note=f"{action}: {note.strip()}",
    )
    return anomaly
