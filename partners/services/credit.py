"""Writes of credit limit applications: submit, approve, reject, withdraw (DESIGN §2.6)."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import FINANCE_ROLES, Role
from accounts.models import User
from core.money import format_money, round_money
from core.transitions import Notice, transition_record

from ..choices import CreditKind, CreditStatus
from ..models import CreditApplication, Partner


def _require_finance(actor: User) -> None:
    if not (actor.is_admin or actor.role in FINANCE_ROLES):
        raise PermissionDenied


@transaction.atomic
def credit_application_submit(
    *,
    partner: Partner,
    actor: User,
    kind: str,
    amount: Decimal,
    justification: str,
    project_name: str = "",
    valid_until=None,
) -> CreditApplication:
    """A partner finance user asks for a normal or a special (project) credit limit."""
    if actor.role != Role.PARTNER_FINANCE or actor.partner_id != partner.pk:
        raise PermissionDenied
    if kind not in CreditKind.values:
        raise ValidationError({"kind": _("Choose a kind of credit limit.")})
    if amount is None or amount <= 0:
        raise ValidationError({"amount": _("The amount must be greater than zero.")})
    if not justification.strip():
        raise ValidationError({"justification": _("Explain why the limit is needed.")})
    if kind == CreditKind.SPECIAL and not project_name.strip():
        raise ValidationError({"project_name": _("A special credit limit names its project.")})
    if valid_until is not None and valid_until < timezone.localdate():
        raise ValidationError({"valid_until": _("This date is in the past.")})
    if CreditApplication.objects.filter(
        partner=partner, kind=kind, status=CreditStatus.SUBMITTED
    ).exists():
        raise ValidationError(_("An application of this kind is already waiting."))
    application = CreditApplication(
        partner=partner,
        kind=kind,
        amount=round_money(Decimal(amount), partner.contract_currency),
        currency=partner.contract_currency,
        justification=justification.strip(),
        project_name=project_name.strip() if kind == CreditKind.SPECIAL else "",
        valid_until=valid_until if kind == CreditKind.SPECIAL else None,
        requested_by=actor,
    )
    application.full_clean()
    application.save()
    transition_record(
        application,
        actor=actor,
        action="credit_application.submitted",
        partner=partner,
        changes={"kind": kind, "amount": str(application.amount)},
        notice=Notice(
            recipients=User.objects.filter(role=Role.FINANCE, is_active=True),
            kind="partner.credit_submitted",
            title=_("Credit limit application from %(partner)s: %(amount)s"),
            url=reverse("partners:credit_detail", args=[application.pk]),
            params={
                "partner": partner.legal_name,
                "amount": format_money(application.amount, application.currency),
            },
        ),
    )
    return application


@transaction.atomic
def partner_credit_limit_set(
    *, partner: Partner, actor: User, amount: Decimal, note: str = ""
) -> Partner:
    """Finance sets a partner's normal credit limit (DESIGN §2.6): an approved application or a
    lower limit proposed after a credit rating. The one place the limit changes (audited)."""
    _require_finance(actor)
    if amount is None or amount < 0:
        raise ValidationError({"amount": _("The credit limit cannot be negative.")})
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    before = partner.credit_limit
    partner.credit_limit = round_money(Decimal(amount), partner.contract_currency)
    partner.save(update_fields=["credit_limit", "updated_at"])
    transition_record(
        partner,
        actor=actor,
        action="partner.credit_limit_changed",
        changes={"credit_limit": {"before": str(before), "after": str(partner.credit_limit)}},
        note=note,
    )
    return partner


def _lock_open_credit(application: CreditApplication) -> CreditApplication:
    application = (
        CreditApplication.objects.select_for_update()
        .select_related("partner")
        .get(pk=application.pk)
    )
    if application.status != CreditStatus.SUBMITTED:
        raise ValidationError(_("This application was already decided."))
    return application


def _credit_decided(*, application: CreditApplication, actor: User, status: str, note: str):
    application.status = status
    application.decided_by = actor
    application.decided_at = timezone.now()
    application.decision_note = note.strip()
    application.save()
    transition_record(
        application,
        actor=actor,
        action=f"credit_application.{status}",
        partner=application.partner,
        changes={"status": {"before": CreditStatus.SUBMITTED, "after": status}},
        note=note,
        notice=Notice(
            recipients=[application.requested_by],
            kind="partner.credit_decided",
            title=(
                _("Your credit limit application was approved")
                if status == CreditStatus.APPROVED
                else _("Your credit limit application was rejected")
            ),
            body=note,
            url=reverse("partners:credit_detail", args=[application.pk]),
        ),
    )


@transaction.atomic
def credit_application_approve(
    *, application: CreditApplication, actor: User, note: str = ""
) -> CreditApplication:
    """Finance approves; a normal limit replaces the partner's credit limit (audited)."""
    _require_finance(actor)
    application = _lock_open_credit(application)
    if application.kind == CreditKind.NORMAL:
        partner_credit_limit_set(
            partner=application.partner,
            actor=actor,
            amount=application.amount,
            note=str(application.pk),
        )
    _credit_decided(application=application, actor=actor, status=CreditStatus.APPROVED, note=note)
    return application


@transaction.atomic
def credit_application_reject(
    *, application: CreditApplication, actor: User, note: str
) -> CreditApplication:
    """Finance rejects, saying why."""
    _require_finance(actor)
    if not note.strip():
        raise ValidationError({"note": _("Give a reason for the rejection.")})
    application = _lock_open_credit(application)
    _credit_decided(application=application, actor=actor, status=CreditStatus.REJECTED, note=note)
    return application


@transaction.atomic
def credit_application_withdraw(
    *, application: CreditApplication, actor: User
) -> CreditApplication:
    """The requesting company withdraws a waiting application."""
    if not actor.is_partner_user or actor.partner_id != application.partner_id:
        raise PermissionDenied
    application = _lock_open_credit(application)
    application.status = CreditStatus.WITHDRAWN
    application.save(update_fields=["status"])
    transition_record(
        application,
        actor=actor,
        action="credit_application.withdrawn",
        partner=application.partner,
        changes={"status": {"before": CreditStatus.SUBMITTED, "after": CreditStatus.WITHDRAWN}},
    )
    return application
