"""Who may register and who may decide a deal registration (DESIGN §1, §4.3, §4.4).

One rule per action answers both "show the button?" and "may the service do it?": the services
raise what these functions return, and pages show a button only when they return None.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from accounts.scoping import can_manage_partner
from partners.selectors import partner_exit_open_of

from .choices import PENDING_STATUSES, DealStatus

if TYPE_CHECKING:
    from accounts.models import User

    from .models import Deal

DealDecision = Literal["approve", "reject", "decide_extension"]


def _status_refusal(deal: Deal) -> ValidationError:
    return ValidationError(
        _("This registration is %(status)s; the action is not allowed.")
        % {"status": deal.get_status_display()}
    )


def is_director(user: User) -> bool:
    """Channel directors and administrators approve what a channel manager may not."""
    return user.is_admin or user.role == Role.CHANNEL_DIRECTOR


def director_reasons(deal: Deal) -> list[str]:
    """Why a registration needs a channel director's approval (DESIGN §4.4), in words."""
    reasons = []
    if deal.cross_region:
        reasons.append(_("cross-region"))
    if deal.below_floor:
        reasons.append(_("below the floor price"))
    if deal.price_check_held:
        reasons.append(_("price check held"))
    return reasons


def _manages(user: User, deal: Deal) -> bool:
    return (user.is_channel_staff or user.is_admin) and can_manage_partner(user, deal.partner)


def _refusal(
    *, user: User, deal: Deal, decision: DealDecision, manages: bool
) -> PermissionDenied | ValidationError | None:
    if not manages:
        return PermissionDenied()
    if decision == "decide_extension":
        if deal.status != DealStatus.APPROVED:
            return _status_refusal(deal)
        if deal.extension_requested_at is None or deal.extension_decision:
            return ValidationError(_("There is no pending extension request."))
        return None
    if deal.status not in PENDING_STATUSES:
        return _status_refusal(deal)
    if decision == "approve" and deal.needs_director and not is_director(user):
        return ValidationError(
            _("Needs a channel director: %(reasons)s.")
            % {"reasons": ", ".join(str(reason) for reason in director_reasons(deal))}
        )
    return None


def deal_decision_refusal(
    *, user: User, deal: Deal, decision: DealDecision
) -> PermissionDenied | ValidationError | None:
    """Why `user` may not take `decision` on `deal` now, or None when they may.

    Only channel staff managing the partner decide (PermissionDenied otherwise). Approve and
    reject apply to a pending registration; a cross-region, below-floor or price-held one is
    approved only by a director. An extension is decided once, on an approved registration.
    """
    return _refusal(user=user, deal=deal, decision=decision, manages=_manages(user, deal))


def deal_decisions_for(*, user: User, deal: Deal) -> frozenset[DealDecision]:
    """The decisions `user` may take on `deal` now: the buttons its page shows."""
    if user.is_partner_user:
        return frozenset()
    manages = _manages(user, deal)
    decisions: tuple[DealDecision, ...] = ("approve", "reject", "decide_extension")
    return frozenset(
        decision
        for decision in decisions
        if _refusal(user=user, deal=deal, decision=decision, manages=manages) is None
    )


# Partner admins and partner sales register deals; partner finance and vendor staff never do.
REGISTRANT_ROLES = (Role.PARTNER_ADMIN, Role.PARTNER_SALES)


def deal_can_register(user, *, partner_id: int | None) -> bool:
    """Whether `user` may create, edit or submit a registration of partner `partner_id`."""
    return (
        user.is_authenticated
        and user.role in REGISTRANT_ROLES
        and partner_id is not None
        and user.partner_id == partner_id
    )


def deal_register_refusal(*, partner_id: int | None) -> ValidationError | None:
    """Why the company may not register a deal now, or None: a partner whose exit is in progress
    registers no new deals, through any door (DESIGN §2.9)."""
    if partner_exit_open_of(partner_id=partner_id) is not None:
        return ValidationError(
            _("Your company is leaving the partner programme: it cannot register new deals.")
        )
    return None


# Who maintains products today maintains their price lists: the importers' roles (DESIGN §4.4, §9).
PRICE_LIST_ROLES = frozenset({Role.CHANNEL_DIRECTOR, Role.FINANCE})


def price_list_can_manage(user: User) -> bool:
    """Administrators, channel directors and finance read and schedule prices; partners never."""
    return bool(
        user.is_authenticated
        and not user.is_partner_user
        and (user.is_admin or user.role in PRICE_LIST_ROLES)
    )
