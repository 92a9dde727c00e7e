"""Writes of monthly business reports: submit, resubmit, review (DESIGN §2.8)."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.audit import diff, snapshot
from core.notifications import choice_label
from core.transitions import Notice, transition_record

from ..choices import ReportStatus
from ..models import BusinessReport, Partner
from ._common import _require_manage

REPORT_FIELDS = ["pipeline", "marketing_activities", "customer_feedback", "support_needed"]


@transaction.atomic
def business_report_submit(
    *, partner: Partner, actor: User, month: datetime.date, **fields
) -> BusinessReport:
    """A partner user submits the monthly report (one per month; not for a future month)."""
    if not actor.is_partner_user or actor.partner_id != partner.pk:
        raise PermissionDenied
    if month is None:
        raise ValidationError({"month": _("Choose the month.")})
    month = month.replace(day=1)
    if month > timezone.localdate().replace(day=1):
        raise ValidationError({"month": _("A report covers a month that has started.")})
    if not (fields.get("pipeline") or "").strip():
        raise ValidationError({"pipeline": _("Describe the pipeline.")})
    if BusinessReport.objects.filter(partner=partner, month=month).exists():
        raise ValidationError({"month": _("A report for this month already exists.")})
    report = BusinessReport(
        partner=partner,
        month=month,
        submitted_by=actor,
        submitted_at=timezone.now(),
        **{name: (fields.get(name) or "").strip() for name in REPORT_FIELDS},
    )
    report.full_clean()
    report.save()
    transition_record(
        report,
        actor=actor,
        action="business_report.submitted",
        partner=partner,
        notice=Notice(
            recipients=[partner.channel_manager],
            kind="partner.report_submitted",
            title=_("%(partner)s submitted its business report for %(month)s"),
            url=reverse("partners:report_detail", args=[report.pk]),
            params={"partner": partner.legal_name, "month": month.strftime("%Y-%m")},
        ),
    )
    return report


@transaction.atomic
def business_report_resubmit(*, report: BusinessReport, actor: User, **fields) -> BusinessReport:
    """The partner corrects a report the manager returned, and submits it again."""
    report = BusinessReport.objects.select_for_update().select_related("partner").get(pk=report.pk)
    if not actor.is_partner_user or actor.partner_id != report.partner_id:
        raise PermissionDenied
    if report.status != ReportStatus.RETURNED:
        raise ValidationError(_("Only a returned report can be changed."))
    if not (fields.get("pipeline") or "").strip():
        raise ValidationError({"pipeline": _("Describe the pipeline.")})
    before = snapshot(report, REPORT_FIELDS + ["status"])
    for name in REPORT_FIELDS:
        setattr(report, name, (fields.get(name) or "").strip())
    report.status = ReportStatus.SUBMITTED
    report.submitted_by = actor
    report.submitted_at = timezone.now()
    report.save()
    transition_record(
        report,
        actor=actor,
        action="business_report.resubmitted",
        partner=report.partner,
        changes=diff(before, snapshot(report, REPORT_FIELDS + ["status"])),
    )
    return report


@transaction.atomic
def business_report_review(
    *, report: BusinessReport, actor: User, comment: str, accept: bool
) -> BusinessReport:
    """The partner's manager reviews a submitted report: accepts it or returns it with a comment."""
    report = BusinessReport.objects.select_for_update().select_related("partner").get(pk=report.pk)
    _require_manage(actor=actor, partner=report.partner)
    if report.status != ReportStatus.SUBMITTED:
        raise ValidationError(_("Only a submitted report can be reviewed."))
    comment = comment.strip()
    if not accept and not comment:
        raise ValidationError({"comment": _("Say what must change before returning it.")})
    to_status = ReportStatus.REVIEWED if accept else ReportStatus.RETURNED
    report.status = to_status
    report.review_comment = comment
    report.reviewed_by = actor
    report.reviewed_at = timezone.now()
    report.save()
    transition_record(
        report,
        actor=actor,
        action=f"business_report.{to_status}",
        partner=report.partner,
        changes={"status": {"before": ReportStatus.SUBMITTED, "after": to_status}},
        note=comment,
        notice=Notice(
            recipients=[report.submitted_by],
            kind="partner.report_reviewed",
            title=_("Your business report for %(month)s: %(status)s"),
            body=comment,
            url=reverse("partners:report_detail", args=[report.pk]),
            params={
                "month": report.month.strftime("%Y-%m"),
                "status": choice_label(report, "status"),
            },
        ),
    )
    return report
