"""Line exports (CSV, XLSX) and the batch zip of a period's statement PDFs (DESIGN §6.3), and the
exports of the statement and anomaly lists (DESIGN §8.1).

The batch is split into chunks rendered by several Celery workers, then zipped by one task.
"""

from __future__ import annotations

import tempfile
import time
import zipfile

from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.choices import FINANCE_ROLES
from accounts.scoping import sees_company_finance
from core.exports import (
    ExportRows,
    csv_bytes,
    export_choice,
    export_list_rows,
    export_register,
    xlsx_bytes,
)
from core.jobs import job_failed, job_started, job_succeeded
from core.models import JobRun

from . import selectors
from .lists import ANOMALY_LIST, ORDER_LIST, STATEMENT_LIST
from .models import Order, ReconciliationAnomaly, Statement
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
            line.display_description,
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


PROGRESS_SECONDS = 1.0


def statement_export_chunk(*, job_id: int, statement_ids: list[int], base_url: str = "") -> int:
    """Render one chunk's PDFs to storage (a retried chunk overwrites its own files). The chunk's
    rows come in three queries; progress is written at most once a second, not per file."""
    try:
        statements = selectors.statement_pdf_batch(ids=statement_ids)
        pending, written_at = 0, time.monotonic()
        for position, statement in enumerate(statements, 1):
            name = _part_name(job_id, statement)
            content = statement_pdf_render(statement=statement, base_url=base_url)
            default_storage.delete(name)
            default_storage.save(name, ContentFile(content))
            pending += 1
            if position == len(statements) or time.monotonic() - written_at >= PROGRESS_SECONDS:
                JobRun.objects.filter(pk=job_id).update(
                    done=F("done") + pending, message=statement.number
                )
                pending, written_at = 0, time.monotonic()
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
            # Stored, not deflated: a PDF's streams are compressed already.
            with zipfile.ZipFile(spool, "w", zipfile.ZIP_STORED) as archive:
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


# --- list exports (DESIGN §8.1) ------------------------------------------------------------------
def statement_export_row(statement: Statement) -> list:
    return [
        statement.number,
        statement.partner.legal_name,
        statement.period,
        statement.revision,
        export_choice(statement, "state"),
        statement.currency,
        statement.subtotal,
        statement.carried_balance,
        statement.tax_amount,
        statement.payable,
        statement.open_disputes,
        statement.published_at,
        statement.response_due_at,
        statement.paid_at,
    ]


def statement_rows_for(user, params) -> ExportRows:
    """The statement list exactly as its page filters and sorts it (`settlement.lists`)."""
    return ExportRows(
        records=export_list_rows(STATEMENT_LIST, user=user, params=params),
        row=statement_export_row,
        # Open disputes are counted per chunk, as the page counts them per page.
        prepare=lambda records, **_: selectors.statement_open_disputes_attach(list(records)),
    )


def _anomaly_concerns(anomaly: ReconciliationAnomaly) -> str:
    if anomaly.payment:
        return f"{_('Payment')} {anomaly.payment.transaction_id} {anomaly.payment.paid_on:%Y-%m-%d}"
    if anomaly.delivery:
        return f"{_('Delivery')} {anomaly.delivery.reference}"
    if anomaly.order:
        return f"{_('Order')} {anomaly.order.reference}"
    return ""


def anomaly_export_row(anomaly: ReconciliationAnomaly) -> list:
    resolution = getattr(anomaly, "resolution", None)
    return [
        anomaly.pk,
        export_choice(anomaly, "kind"),
        anomaly.partner.legal_name,
        _anomaly_concerns(anomaly),
        anomaly.currency,
        anomaly.expected_amount,
        anomaly.actual_amount,
        export_choice(anomaly, "state"),
        anomaly.created_at,
        export_choice(resolution, "action") if resolution else "",
        resolution.note if resolution else "",
        anomaly.closed_at,
    ]


def anomaly_rows_for(user, params) -> ExportRows:
    """The anomaly queue as its page filters it (`AnomalyQueueFilterSet` over `anomaly_list_for`)."""
    return ExportRows(
        records=export_list_rows(ANOMALY_LIST, user=user, params=params), row=anomaly_export_row
    )


def order_export_row(order: Order) -> list:
    return [
        order.reference,
        order.partner.legal_name,
        order.order_date,
        export_choice(order, "source"),
        order.currency,
        order.amount,
        order.paid_amount,
        order.delivered_amount,
        export_choice(order, "status"),
    ]


def order_rows_for(user, params) -> ExportRows:
    """The reconciliation results exactly as their page filters and sorts them (`ORDER_LIST`)."""
    return ExportRows(
        records=export_list_rows(ORDER_LIST, user=user, params=params), row=order_export_row
    )


export_register(
    "statements",
    title=gettext_lazy("Statements"),
    columns=(
        gettext_lazy("Number"),
        gettext_lazy("Partner"),
        gettext_lazy("Period"),
        gettext_lazy("Revision"),
        gettext_lazy("State"),
        gettext_lazy("Currency"),
        gettext_lazy("Subtotal"),
        gettext_lazy("Carried balance"),
        gettext_lazy("Tax"),
        gettext_lazy("Payable"),
        gettext_lazy("Open disputes"),
        gettext_lazy("Published"),
        gettext_lazy("Confirm or dispute by"),
        gettext_lazy("Paid"),
    ),
    rows_for=statement_rows_for,
    allowed=sees_company_finance,
)
export_register(
    "anomalies",
    title=gettext_lazy("Reconciliation anomalies"),
    columns=(
        gettext_lazy("ID"),
        gettext_lazy("Kind"),
        gettext_lazy("Partner"),
        gettext_lazy("Concerns"),
        gettext_lazy("Currency"),
        gettext_lazy("Expected"),
        gettext_lazy("Actual"),
        gettext_lazy("State"),
        gettext_lazy("Raised"),
        gettext_lazy("Resolution"),
        gettext_lazy("Note"),
        gettext_lazy("Closed"),
    ),
    rows_for=anomaly_rows_for,
    roles=FINANCE_ROLES,
)
export_register(
    "orders",
    title=gettext_lazy("Reconciliation results"),
    columns=(
        gettext_lazy("Order number"),
        gettext_lazy("Partner"),
        gettext_lazy("Order date"),
        gettext_lazy("Source"),
        gettext_lazy("Currency"),
        gettext_lazy("Amount"),
        gettext_lazy("Paid"),
        gettext_lazy("Delivered"),
        gettext_lazy("Status"),
    ),
    rows_for=order_rows_for,
    roles=FINANCE_ROLES,
)
