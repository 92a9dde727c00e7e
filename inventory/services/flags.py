"""Review of diversion and price flags and their graduated penalties (DESIGN §11, §2.7, §6.1).

Confirming a flag records a compliance violation and the penalty its rank within twelve months
calls for: the first a warning, the second a deduction queued for the partner's next statement,
the third and later a freeze proposal a channel director decides (the freeze itself and its
two-person unfreeze stay partners' rules). Every service locks what it changes, answers a stale or
repeated click with what already happened, writes its audit row and notifies after commit.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from accounts.models import User
from accounts.scoping import scope_filter
from core.fx import FxRateMissing, fx_rate
from core.money import round_money
from core.notifications import Audience, choice_label, partner_recipients
from core.periods import Quarter
from core.settings_pages import settings_change
from core.transitions import Notice, transition_record
from partners.choices import ViolationKind, ViolationStatus
from partners.models import Partner
from partners.services import compliance_violation_create, partner_freeze
from settlement.choices import EntryKind
from settlement.services import settlement_entry_queue

from ..choices import FlagKind, FlagStatus, PenaltyStep
from ..models import InventoryFlag, InventoryFlagPolicy, InventoryPenalty

PENALTY_WINDOW = relativedelta(months=12)
REVIEW_ROLES = frozenset({Role.ADMIN, Role.CHANNEL_MANAGER, Role.CHANNEL_DIRECTOR})
FREEZE_DECIDERS = frozenset({Role.ADMIN, Role.CHANNEL_DIRECTOR})
POLICY_EDITORS = frozenset({Role.ADMIN, Role.FINANCE, Role.CFO})
POLICY_FIELDS = ("deduction_amount", "deduction_currency")
VIOLATION_KIND = {
    FlagKind.CROSS_REGION: ViolationKind.CROSS_REGION,
    FlagKind.BELOW_FLOOR: ViolationKind.BELOW_FLOOR,
    FlagKind.SERIAL_CLASH: ViolationKind.OTHER,
}


class FreezeDecision:
    FREEZE = "frozen"
    DECLINE = "declined"


# --- who may do what (the one place; pages show buttons by the same rules) -------------------------
def flag_may_review(user: User, flag: InventoryFlag) -> bool:
    """Channel staff review the flags of the partners they manage (directors and admins: all)."""
    if not user.is_authenticated or user.is_partner_user:
        return False
    if not (user.is_admin or user.role in REVIEW_ROLES):
        return False
    condition = scope_filter(InventoryFlag, user, "manage")
    if condition is None:
        return True
    return InventoryFlag.objects.filter(condition, pk=flag.pk).exists()


def penalty_may_decide(user: User) -> bool:
    return (
        user.is_authenticated
        and not user.is_partner_user
        and (user.is_admin or user.role in FREEZE_DECIDERS)
    )


def policy_may_edit(user: User) -> bool:
    return (
        user.is_authenticated
        and not user.is_partner_user
        and (user.is_admin or user.role in POLICY_EDITORS)
    )


# --- helpers -----------------------------------------------------------------------------------
def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason.")})
    return reason


def _already_reviewed(flag: InventoryFlag) -> ValidationError:
    who = flag.reviewed_by.full_name if flag.reviewed_by else _("the monthly scan")
    when = (
        date_format(timezone.localtime(flag.reviewed_at), "DATETIME_FORMAT")
        if (flag.reviewed_at)
        else ""
    )
    return ValidationError(
        _("This flag was already %(status)s by %(who)s %(when)s; nothing was changed.")
        % {"status": flag.get_status_display().lower(), "who": who, "when": when}
    )


def _lock_open_flag(flag: InventoryFlag, actor: User) -> InventoryFlag:
    if not flag_may_review(actor, flag):
        raise ValidationError(_("You may not review this flag."))
    # The partner first: two confirmations for one partner count their penalties in turn.
    Partner.objects.select_for_update().filter(pk=flag.partner_id).first()
    locked = (
        InventoryFlag.objects.select_for_update(of=("self",))
        .select_related("reviewed_by", "partner", "line", "line__product")
        .get(pk=flag.pk)
    )
    if locked.status != FlagStatus.OPEN:
        raise _already_reviewed(locked)
    return locked


def _flag_url(flag: InventoryFlag) -> str:
    return reverse("inventory:flag_detail", args=[flag.pk])


def _partner_notice(flag: InventoryFlag, title, params: dict[str, Any]) -> Notice:
    return Notice(
        recipients=partner_recipients(partner=flag.partner_id, audience=Audience.ADMINS),
        kind="inventory.flag_decided",
        title=title,
        url=_flag_url(flag),
        params=params,
    )


def _violation_description(flag: InventoryFlag) -> str:
    """What the violation records; of a serial clash never who the other partner is."""
    line, evidence = flag.line, flag.evidence or {}
    text = f"{flag.get_kind_display()}: {line.product} × {line.quantity}, {line.sold_on:%Y-%m-%d}"
    if flag.kind == FlagKind.CROSS_REGION:
        territory = ", ".join(evidence.get("territory") or []) or "—"
        text += f"; {evidence.get('customer_region', '')} ∉ [{territory}]"
    elif flag.kind == FlagKind.BELOW_FLOOR and evidence.get("held"):
        text += (
            f"; {evidence.get('unit_price')} {evidence.get('currency')}, floor"
            f" {evidence.get('floor')} {evidence.get('floor_currency')} (no FX rate)"
        )
    elif flag.kind == FlagKind.BELOW_FLOOR:
        text += (
            f"; {evidence.get('unit_price')} {evidence.get('currency')}"
            f" < {evidence.get('converted_floor')} {evidence.get('currency')}"
        )
    else:
        text += f"; serial {evidence.get('serial', '')}"
    return text


def penalty_rank(*, partner: Partner, at: datetime.datetime) -> int:
    """How many inventory penalties the partner received in the twelve months before `at`."""
    return InventoryPenalty.objects.filter(
        partner=partner, created_at__gt=at - PENALTY_WINDOW, created_at__lte=at
    ).count()


def _deduction(partner: Partner, on: datetime.date) -> tuple[Decimal, str]:
    """The deduction of the settings, in the partner's contract currency at the rate of `on`."""
    policy = InventoryFlagPolicy.current()
    currency = partner.contract_currency
    try:
        rate = fx_rate(policy.deduction_currency, currency, on)
    except FxRateMissing as exc:
        raise ValidationError(
            _(
                "The penalty deduction cannot be converted into %(currency)s: %(reason)s"
                " Add the rate and confirm again."
            )
            % {"currency": currency, "reason": str(exc)}
        ) from exc
    return round_money(policy.deduction_amount * rate, currency), currency


# --- confirm and dismiss -------------------------------------------------------------------------
@transaction.atomic
def flag_confirm(*, flag: InventoryFlag, actor: User, reason: str) -> InventoryPenalty:
    """Confirm an open flag: a compliance violation and the graduated penalty it calls for."""
    reason = _reason(reason)
    flag = _lock_open_flag(flag, actor)
    now = timezone.now()
    rank = penalty_rank(partner=flag.partner, at=now)
    step = (
        (PenaltyStep.WARNING, PenaltyStep.DEDUCTION)[rank]
        if rank < 2
        else (PenaltyStep.FREEZE_PROPOSAL)
    )
    amount, currency = (None, "")
    if step == PenaltyStep.DEDUCTION:
        amount, currency = _deduction(flag.partner, timezone.localdate())
    violation = compliance_violation_create(
        partner=flag.partner,
        kind=VIOLATION_KIND[FlagKind(flag.kind)],
        description=_violation_description(flag),
        actor=actor,
        penalty=amount or Decimal("0"),
        status=ViolationStatus.OPEN,
    )
    flag.status = FlagStatus.CONFIRMED
    flag.reviewed_by, flag.reviewed_at, flag.review_reason = actor, now, reason
    flag.violation = violation
    flag.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_reason", "violation"])
    decided = step != PenaltyStep.FREEZE_PROPOSAL
    penalty = InventoryPenalty.objects.create(
        partner=flag.partner,
        flag=flag,
        step=step,
        amount=amount,
        currency=currency,
        decided_by=actor if decided else None,
        decided_at=now if decided else None,
        decision="issued" if decided else "",
    )
    if step == PenaltyStep.DEDUCTION:
        settlement_entry_queue(
            partner=flag.partner,
            kind=EntryKind.PENALTY,
            amount=-amount,
            currency=currency,
            description=str(_("Penalty deduction: %(kind)s (flag %(flag)s)"))
            % {"kind": flag.get_kind_display(), "flag": flag.pk},
            source_type="inventory.penalty",
            source_id=penalty.pk,
            period=str(Quarter.containing(timezone.localdate())),
        )
    notices = [
        _partner_notice(
            flag,
            _("A diversion or price flag was confirmed: %(step)s"),
            {"step": choice_label(penalty, "step")},
        )
    ]
    if step == PenaltyStep.FREEZE_PROPOSAL:
        notices.append(
            Notice(
                recipients=User.objects.filter(
                    role__in=FREEZE_DECIDERS - {Role.ADMIN}, is_active=True
                ).order_by("pk"),
                kind="inventory.freeze_proposed",
                title=_("Freeze proposed for %(partner)s after a third confirmed flag"),
                url=reverse("inventory:penalty_detail", args=[penalty.pk]),
                params={"partner": flag.partner.legal_name},
            )
        )
    transition_record(
        flag,
        actor=actor,
        action="inventory_flag.confirmed",
        partner=flag.partner,
        changes={
            "status": {"before": FlagStatus.OPEN, "after": FlagStatus.CONFIRMED},
            "penalty": step,
            "amount": str(amount) if amount is not None else None,
            "violation": violation.pk,
        },
        note=reason,
        notice=notices,
    )
    return penalty


@transaction.atomic
def flag_dismiss(*, flag: InventoryFlag, actor: User, reason: str) -> InventoryFlag:
    """Dismiss an open flag with the reviewer's reason; nothing else changes."""
    reason = _reason(reason)
    flag = _lock_open_flag(flag, actor)
    flag.status = FlagStatus.DISMISSED
    flag.reviewed_by, flag.reviewed_at, flag.review_reason = actor, timezone.now(), reason
    flag.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_reason"])
    transition_record(
        flag,
        actor=actor,
        action="inventory_flag.dismissed",
        partner=flag.partner,
        changes={"status": {"before": FlagStatus.OPEN, "after": FlagStatus.DISMISSED}},
        note=reason,
        notice=_partner_notice(flag, _("A diversion or price flag was dismissed"), {}),
    )
    return flag


# --- the freeze proposal -----------------------------------------------------------------------
@transaction.atomic
def penalty_freeze_decide(
    *, penalty: InventoryPenalty, actor: User, decision: str, reason: str
) -> InventoryPenalty:
    """A channel director decides a freeze proposal: freeze the partner (partners' freeze, whose
    two-person unfreeze is unchanged) or decline it, with a reason either way."""
    reason = _reason(reason)
    if not penalty_may_decide(actor):
        raise ValidationError(_("Only a channel director decides a freeze proposal."))
    if decision not in (FreezeDecision.FREEZE, FreezeDecision.DECLINE):
        raise ValidationError({"decision": _("Choose to freeze or to decline.")})
    penalty = (
        InventoryPenalty.objects.select_for_update(of=("self",))
        .select_related("partner", "decided_by")
        .get(pk=penalty.pk)
    )
    if penalty.step != PenaltyStep.FREEZE_PROPOSAL:
        raise ValidationError(_("This penalty is not a freeze proposal."))
    if penalty.decided_at is not None:
        raise ValidationError(
            _("This proposal was already decided (%(decision)s) by %(who)s; nothing was changed.")
            % {
                "decision": penalty.decision,
                "who": penalty.decided_by.full_name if penalty.decided_by else "—",
            }
        )
    if decision == FreezeDecision.FREEZE:
        partner_freeze(partner=penalty.partner, actor=actor, reason=reason)
    penalty.decided_by, penalty.decided_at = actor, timezone.now()
    penalty.decision, penalty.decision_reason = decision, reason
    penalty.save(update_fields=["decided_by", "decided_at", "decision", "decision_reason"])
    transition_record(
        penalty,
        actor=actor,
        action=f"inventory_penalty.{decision}",
        partner=penalty.partner,
        changes={"decision": decision},
        note=reason,
        notice=Notice(
            recipients=partner_recipients(partner=penalty.partner_id, audience=Audience.ADMINS),
            kind="inventory.flag_decided",
            title=_("The freeze proposal after a confirmed flag was decided"),
            url=reverse("inventory:flag_detail", args=[penalty.flag_id]),
        ),
    )
    return penalty


# --- settings --------------------------------------------------------------------------------
@transaction.atomic
def flag_policy_update(*, actor: User, values: dict[str, Any]) -> dict:
    """Change the penalty deduction; confirmations from now on use it (audited)."""
    if not policy_may_edit(actor):
        raise ValidationError(_("Only finance and administrators change these settings."))
    InventoryFlagPolicy.current()
    policy = InventoryFlagPolicy.objects.select_for_update().get(pk=1)
    return settings_change(
        actor=actor,
        obj=policy,
        values={k: v for k, v in values.items() if k in POLICY_FIELDS},
        action="inventory_flag_policy.changed",
    )
