"""The entry point of an import (DESIGN §9): store the upload and queue its run after commit.

It sits above the pipeline (`core.imports`) and its task (`core.tasks`), which imports the pipeline:
the upload side and the run side depend on each other only through this module.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy

from .imports import importer_for
from .jobs import job_create
from .models import ImportBatch
from .tasks import import_batch_run_task
from .uploads import validate_spreadsheet


@transaction.atomic
def import_batch_create(*, kind: str, upload, user) -> ImportBatch:
    """Store the uploaded file and queue its validation and import (after commit)."""
    importer = importer_for(kind)
    if importer is None or not importer.can_use(user):
        raise ValidationError({"kind": gettext_lazy("Unknown import.")})
    validate_spreadsheet(upload)
    job = job_create(kind=f"import.{kind}", label=f"{importer.label}: {upload.name}", user=user)
    batch = ImportBatch.objects.create(
        kind=kind, file=upload, original_name=upload.name[:255], uploaded_by=user, job=job
    )
    transaction.on_commit(lambda: import_batch_run_task.delay(batch.pk))
    return batch
