"""Line exports (CSV, XLSX) and the batch zip of a period's statement PDFs (DESIGN §6.3)."""

from __future__ import annotations

import csv
import io
import zipfile

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from core.jobs import job_failed, job_progress, job_started, job_succeeded
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
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in _rows(statement):
        # A leading =, +, - or @ would run as a formula in a spreadsheet.
        writer.writerow(["'" + v if isinstance(v, str) and v[:1] in "=+-@" else v for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def statement_lines_xlsx(*, statement: Statement) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = statement.number[:31]
    for row in _rows(statement):
        sheet.append(["'" + v if isinstance(v, str) and v[:1] in "=+-@" else v for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def statement_export_period(*, job_id: int, period: str, base_url: str = "") -> None:
    """Zip one PDF per statement of `period`, reporting progress on the JobRun."""
    job = JobRun.objects.get(pk=job_id)
    statements = list(
        Statement.objects.filter(period=period).select_related("partner").order_by("number")
    )
    job_started(job, total=len(statements))
    try:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for done, statement in enumerate(statements, start=1):
                archive.writestr(
                    statement_pdf_filename(statement),
                    statement_pdf_render(statement=statement, base_url=base_url),
                )
                job_progress(job, done=done, message=statement.number)
        job.result_file.save(f"statements-{period}.zip", ContentFile(buffer.getvalue()), save=False)
        JobRun.objects.filter(pk=job.pk).update(result_file=job.result_file.name)
    except Exception as exc:
        job_failed(job, message=str(exc))
        raise
    job_succeeded(job, result={"statements": len(statements), "period": period})
