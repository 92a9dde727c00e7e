"""Line exports (CSV, XLSX) and the batch zip of a period's statement PDFs (DESIGN §6.3).

The batch is split into chunks rendered by several Celery workers, then zipped by one task.
"""

from __future__ import annotations

import tempfile
import zipfile

from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import F
from django.utils.translation import gettext as _

from core.exports import csv_bytes, xlsx_bytes
from core.jobs import job_failed, job_started, job_succeeded
from core.models import JobRun

from .models import Statement
from .pdf import statement_pdf_filename, statement_pdf_render


def _rows(statement: Statement):
    yield [
        _("Statement"),
        _("Kind"),
        _("Description"),
        _("Original amount"),
        _("Original currency"),
        _("FX rate"),
        _("Amount"),
        _("Currency"),
    ]
    for line in statement.lines.all():
        yield [
            statement.number,
            line.get_kind_display(),
            line.description,
            line.original_amount,
            line.original_currency,
            line.fx_rate,
            line.amount,
            statement.currency,
        ]


def statement_lines_csv(*, statement: Statement) -> bytes:
    return csv_bytes(_rows(statement))


def statement_lines_xlsx(*, statement: Statement) -> bytes:
    return xlsx_bytes(_rows(statement), sheet_title=statement.number)


EXPORT_CHUNK = 25


def _part_name(job_id: int, statement: Statement) -> str:
    return f"exports/job-{job_id}/{statement_pdf_filename(statement)}"


def statement_export_start(*, job_id: int, period: str) -> list[list[int]]:
    """Count the period's statements on the job; return their ids in chunks for the workers."""
    job = JobRun.objects.get(pk=job_id)
    ids = list(
        Statement.objects.filter(period=period).order_by("number").values_list("pk", flat=True)
    )
    job_started(job, total=len(ids))
    return [ids[i : i + EXPORT_CHUNK] for i in range(0, len(ids), EXPORT_CHUNK)]


def statement_export_chunk(*, job_id: int, statement_ids: list[int], base_url: str = "") -> int:
    """Render one chunk's PDFs to storage (a retried chunk overwrites its own files)."""
    statements = Statement.objects.filter(pk__in=statement_ids).select_related("partner")
    try:
        for statement in statements.order_by("number"):
            name = _part_name(job_id, statement)
            content = statement_pdf_render(statement=statement, base_url=base_url)
            default_storage.delete(name)
            default_storage.save(name, ContentFile(content))
            JobRun.objects.filter(pk=job_id).update(done=F("done") + 1, message=statement.number)
    except Exception as exc:
        job_failed(JobRun.objects.get(pk=job_id), message=str(exc))
        raise
    return len(statement_ids)


def statement_export_zip(*, job_id: int, period: str) -> None:
    """Zip the rendered PDFs, one per statement of the period, as the job's result."""
    job = JobRun.objects.get(pk=job_id)
    statements = list(Statement.objects.filter(period=period).order_by("number"))
    try:
        with tempfile.TemporaryFile() as spool:
            with zipfile.ZipFile(spool, "w", zipfile.ZIP_DEFLATED) as archive:
                for statement in statements:
                    with default_storage.open(_part_name(job_id, statement), "rb") as part:
                        archive.writestr(statement_pdf_filename(statement), part.read())
            spool.seek(0)
            job.result_file.save(f"statements-{period}.zip", File(spool), save=False)
        JobRun.objects.filter(pk=job.pk).update(result_file=job.result_file.name)
    except Exception as exc:
        job_failed(job, message=str(exc))
        raise
    for statement in statements:
        default_storage.delete(_part_name(job_id, statement))
    job_succeeded(job, result={"statements": len(statements), "period": period})
