"""What happens to an import when its job stops (time limit, worker gone for good).

Imported by the import task (`core.tasks`) and registered at start-up (`core.apps`); it imports
neither the task nor the upload side, so no cycle forms.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from .jobs import job_failed, job_on_abandon
from .models import ImportBatch, ImportStatus, JobRun


def import_stopped_message() -> str:
    """Why an import that hit its time limit saved nothing, and what to do."""
    return gettext(
        "The import stopped before the end (time limit %(s)s s); nothing was imported. "
        "Split the file or ask an administrator to raise PRM_IMPORT_TIME_LIMIT."
    ) % {"s": settings.PRM_IMPORT_TIME_LIMIT}


@transaction.atomic
def import_batch_stopped(*, batch_id: int) -> ImportBatch:
    """An import stopped before the end (time limit, worker gone for good): nothing was saved, so
    the batch is rejected with that reason, never left "validating"; its job fails with it."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
    if batch.status in (ImportStatus.IMPORTED, ImportStatus.REJECTED):
        return batch
    message = import_stopped_message()
    batch.errors = [{"row": None, "column": "", "message": message}]
    batch.error_count = max(batch.error_count, 1)
    batch.status = ImportStatus.REJECTED
    batch.finished_at = timezone.now()
    batch.save(update_fields=["errors", "error_count", "status", "finished_at"])
    if batch.job_id and not JobRun.objects.filter(pk=batch.job_id, status="failed").exists():
        job_failed(JobRun(pk=batch.job_id), message=message)
    # The batch is final: running its job again would change nothing.
    JobRun.objects.filter(pk=batch.job_id).update(resumable=False)
    return batch


def _import_job_abandoned(job: JobRun) -> None:
    batch_id = ImportBatch.objects.filter(job=job).values_list("pk", flat=True).first()
    if batch_id is not None:
        import_batch_stopped(batch_id=batch_id)


def register_job_hooks() -> None:
    """A failed import job (the reaper gave up on it) rejects its batch with the reason."""
    job_on_abandon("import.", _import_job_abandoned)
