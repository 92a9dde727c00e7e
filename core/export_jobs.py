"""List exports too large to write while the user waits run as a job (DESIGN §8.1): a `JobRun` of
kind "export", written in chunks with its progress, stored privately (the default storage, under
an unguessable name) and downloaded from the job page or the API by its owner and administrators
only (`job_get_for`; the kind is declared with no other role). The rows are read from the read
replica when there is one (core/dbrouter.py); the job's own bookkeeping stays on the primary.
"""

from __future__ import annotations

import io
import logging
import secrets
import tempfile
from collections.abc import Mapping
from typing import Any

from celery import shared_task
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.http import HttpResponse, QueryDict
from django.utils import translation
from django.utils.translation import gettext as _

from .dbrouter import replica_reads
from .exports import (
    EXPORT_FORMATS,
    EXPORT_SYNC_MAX_ROWS,
    ListExport,
    csv_write,
    export_chunks,
    export_get,
    export_response,
    xlsx_write,
)
from .jobs import job_create, job_failed, job_kind, job_progress, job_started, job_succeeded
from .models import JobRun, JobStatus

logger = logging.getLogger(__name__)

EXPORT_JOB = job_kind("export", roles=())
# Query-string keys that steer the page or this endpoint, never the filters of the list.
NOT_FILTERS = ("format", "export", "page", "page_size")


def export_params(query: QueryDict | Mapping[str, Any]) -> QueryDict:
    """The list's filters from a query string, without the keys that only steer the response."""
    params = QueryDict(mutable=True)
    items = query.lists() if isinstance(query, QueryDict) else query.items()
    for key, values in items:
        if key not in NOT_FILTERS:
            params.setlist(key, list(values) if isinstance(values, list | tuple) else [values])
    return params


def export_format_clean(value: str | None) -> str:
    """`csv` (the default) or `xlsx`; anything else is refused with a field message."""
    value = (value or "csv").lower()
    if value not in EXPORT_FORMATS:
        raise ValidationError(
            {"format": [_("Choose csv or xlsx.")]},
            code="invalid",
        )
    return value


def export_start(
    *,
    user,
    export: ListExport,
    query: QueryDict | Mapping[str, Any],
    export_format: str,
    door: str,
) -> HttpResponse | JobRun:
    """Answer one export request: the file itself when the filtered list is small, otherwise a
    queued job (returned) that writes it. Bad filters raise `ValidationError` (field messages)."""
    params = export_params(query)
    rows = export.rows_for(user, params)
    if rows.records[: EXPORT_SYNC_MAX_ROWS + 1].count() <= EXPORT_SYNC_MAX_ROWS:
        return export_response(export, rows, export_format=export_format, door=door)
    spec = {"export": export.key, "format": export_format, "params": dict(params.lists())}
    # The same export asked again (a second click) while it is being written is the same job.
    waiting = JobRun.objects.filter(
        kind=EXPORT_JOB,
        started_by=user,
        status__in=(JobStatus.QUEUED, JobStatus.RUNNING),
        result=spec,
    ).first()
    if waiting is not None:
        return waiting
    job = job_create(
        kind=EXPORT_JOB,
        label=_("Export: %(title)s (%(format)s)")
        % {"title": export.title, "format": export_format.upper()},
        user=user,
    )
    JobRun.objects.filter(pk=job.pk).update(result=spec)
    export_enqueue(
        job_id=job.pk,
        key=export.key,
        export_format=export_format,
        params=dict(params.lists()),
        door=door,
    )
    return job


def export_enqueue(
    *, job_id: int, key: str, export_format: str, params: dict[str, list[str]], door: str
) -> None:
    """The one place an export job is handed to the workers, once its job row is committed."""
    transaction.on_commit(lambda: export_job_task.delay(job_id, key, export_format, params, door))


def export_job_run(
    *, job_id: int, key: str, export_format: str, params: dict[str, list[str]], door: str
) -> int:
    """Write the export's file in chunks, recording progress, and attach it to the job.
    Safe to run again: a finished job is left alone, a re-run writes the file afresh."""
    job = JobRun.objects.select_related("started_by").get(pk=job_id)
    if job.is_finished:
        return job.done
    user = job.started_by
    export = export_get(key)
    try:
        if user is None or not user.is_active or export is None or not export.allows(user):
            raise PermissionError(_("The export is no longer allowed."))
        query = QueryDict(mutable=True)
        for name, values in params.items():
            query.setlist(name, values)
        with translation.override(user.language or None), replica_reads():
            rows = export.rows_for(user, query)
            total = rows.records.count()
            job_started(job, total=total)
            written = _export_job_write(job, export, rows, export_format, door, total)
    except Exception as exc:
        job_failed(job, message=str(exc))
        raise
    job_succeeded(job, result={"export": key, "format": export_format, "rows": written})
    return written


def _export_job_write(job, export, rows, export_format, door, total) -> int:
    written = 0

    def lines():
        nonlocal written
        yield export.header()
        for batch in export_chunks(rows, door=door, export_format=export_format):
            yield from batch
            written += len(batch)
            job_progress(job, done=written, total=max(total, written))

    with tempfile.TemporaryFile() as spool:
        if export_format == "csv":
            text = io.TextIOWrapper(spool, encoding="utf-8", newline="")
            csv_write(text, lines())
            text.flush()
            text.detach()
        else:
            xlsx_write(spool, lines(), sheet_title=str(export.title))
        spool.seek(0)
        # An unguessable folder: the file is reached only through the job's download.
        name = f"{secrets.token_hex(12)}/{export.filename(export_format)}"
        job.result_file.save(name, File(spool), save=False)
    JobRun.objects.filter(pk=job.pk).update(result_file=job.result_file.name)
    return written


@shared_task(acks_late=True, time_limit=3600, soft_time_limit=3300)
def export_job_task(
    job_id: int, key: str, export_format: str, params: dict[str, list[str]], door: str
) -> int:
    return export_job_run(
        job_id=job_id, key=key, export_format=export_format, params=params, door=door
    )
