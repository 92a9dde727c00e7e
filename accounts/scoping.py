"""The one mechanism that decides which rows a user may see or change.

Every model a user can reach declares `scope_partner_path`: the ORM path from the model to the
`partners.Partner` that owns it ("" for Partner itself, None for vendor-only data). Two more
declarations complete the rule (DESIGN §1):

- `scope_area`: `Area.FINANCE` for company finance (statements, accruals, the MDF ledger,
  credit, reconciliation), which partner sales users never see; `Area.COMPANY` otherwise;
- `scope_parent_visible = True` on the few models a distributor reads of its dealers (profile
  summary, deals, accruals, statements); every other model is the owning company's alone.

Scoping then works by company id, never by one permission row per object, so lists stay fast on a
million rows:

- partner users see their own company's rows of the areas their role sees, plus their dealers'
  rows of parent-visible models read-only; they change only their own company's rows;
- vendor staff see every partner's rows; a channel manager *manages* (approves, edits) only the
  partners they own or were granted individually through django-guardian (`manage_partner`);
  administrators and directors manage all;
- vendor-only data (path None) is invisible to partner users.

Use it through `Model.objects.restrict(user, action)` (or its shorthands `.visible_to(user)` /
`.manageable_by(user)`), `scope_queryset(qs, user, action)` for any queryset, and
`scope_allows(user, obj, action)` for one loaded object — in views, forms, API viewsets and
downloads alike. A read that must not be scoped says so: `Model.objects.unrestricted(reason)`.

This module is infrastructure and knows no domain app: the app that owns the partner companies
registers what scoping needs of them (`Companies`: the ids a company user reads, the ids granted to
a staff user, whether a company is active) with `companies_register` in its `AppConfig.ready()`.
A hook rather than a model setting, because the grants and the active status are that app's rules,
not just its model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import F, Q
from django.http import Http404

from core.search import EqualsAny

from .choices import PARTNER_FINANCE_ROLES, Role

if TYPE_CHECKING:
    from .models import User

# "view": read; "manage": change; "what_if": the own company's rows a partner dashboard
# summarises whatever the area (DESIGN §5.3: the rebate what-if is shown to partner sales too).
Action = Literal["view", "manage", "what_if"]
MANAGE_PARTNER_PERMISSION = "manage_partner"
ALL_PARTNER_MANAGERS = frozenset({Role.ADMIN, Role.CHANNEL_DIRECTOR})


class Area:
    """What kind of company data a model holds; partner roles see areas, not models."""

    COMPANY = "company"
    FINANCE = "finance"


@dataclass(frozen=True)
class Companies:
    """What scoping needs of the partner companies, supplied by the app that owns them."""

    # (company id, with its dealers) -> subquery of the company ids its users read
    visible_ids: Callable[[int, bool], models.QuerySet]
    # staff user -> subquery of the company ids individually granted to them (`manage_partner`)
    granted_ids: Callable[[User], models.QuerySet]
    # company id -> whether its users may work (not frozen, not terminated)
    is_active: Callable[[int], bool]


_registered: dict[str, Companies] = {}


def companies_register(companies: Companies) -> None:
    """Called once at start-up by the app that owns the partner companies."""
    _registered["companies"] = companies


def companies() -> Companies:
    """The registered partner companies; scoping cannot work without them."""
    try:
        return _registered["companies"]
    except KeyError:
        raise ImproperlyConfigured(
            "No installed app registered the partner companies (accounts.scoping.companies_register)."
        ) from None


def _partner_in(path: str) -> str:
    return f"{path}__in" if path else "pk__in"


def _partner_is(path: str) -> str:
    return f"{path}_id" if path else "pk"


def _partner_field(path: str, field: str) -> str:
    return f"{path}__{field}" if path else field


def _is_live(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def sees_company_finance(user: User) -> bool:
    """Whether the user's role may see and act on company finance (DESIGN §1).

    Partner admin and partner finance do, partner sales never; vendor staff are not narrowed by
    area (which finance pages a staff role opens is each app's role rule).
    """
    if not _is_live(user):
        return False
    return not user.is_partner_user or user.role in PARTNER_FINANCE_ROLES


def acts_on_company_finance(user: User, partner_id: int | None) -> bool:
    """Confirming or disputing a statement, requesting funds, claiming: the company's own users
    whose role sees company finance (never its distributor, never partner sales)."""
    return is_own_company(user, partner_id) and sees_company_finance(user)


def sees_area(user: User, area: str) -> bool:
    return area != Area.FINANCE or sees_company_finance(user)


def is_own_company(user: User, partner_id: int | None) -> bool:
    """The user is a partner user of exactly this company (not its distributor)."""
    return _is_live(user) and user.is_partner_user and partner_id == user.partner_id


def sees_partner_details(user: User, partner_id: int | None) -> bool:
    """Whether the user sees a partner's full record (tax ID, credit, scorecards, users...):
    vendor staff and the company's own users; a distributor sees only its dealers' profile
    summary (DESIGN §1)."""
    return _is_live(user) and (not user.is_partner_user or user.partner_id == partner_id)


def partner_ids_visible_to(user: User, model: type[models.Model] | None = None):
    """Subquery of partner ids whose rows of `model` a partner user may read: its company and,
    for a distributor and a parent-visible model, its dealers."""
    with_dealers = model is not None and getattr(model, "scope_parent_visible", False)
    return companies().visible_ids(user.partner_id, with_dealers)


def partner_ids_granted_to(user: User):
    """Subquery of partner ids individually granted to a staff user through django-guardian."""
    return companies().granted_ids(user)


def partner_ids_managed_by(user: User):
    """Subquery of the companies a channel manager owns or was granted individually."""
    from django.apps import apps
    from django.conf import settings

    companies_model = apps.get_model(settings.PRM_PARTNER_MODEL)
    # A UNION, not an OR: the planner then knows it is a few dozen companies, not half of them.
    owned = companies_model._default_manager.filter(channel_manager=user).order_by().values("pk")
    return owned.union(partner_ids_granted_to(user))


def scope_filter(model: type[models.Model], user: User, action: Action = "view") -> Q | None:
    """The Q that limits `model` to what `user` may see (action="view") or change ("manage").

    Returns None when no restriction applies, and `Q(pk__in=[])` when nothing is allowed.
    """
    nothing = Q(pk__in=[])
    if not _is_live(user):
        return nothing
    path = getattr(model, "scope_partner_path", None)

    if user.is_partner_user:
        if path is None:
            return nothing
        if action == "what_if":
            return Q(**{_partner_is(path): user.partner_id})
        if not sees_area(user, getattr(model, "scope_area", Area.COMPANY)):
            return nothing
        if action == "view":
            if getattr(model, "scope_parent_visible", False):
                # A distributor's company and dealers as an array, not `IN (subquery)`: from the
                # subquery the planner expects a share of the whole table and may walk the list's
                # order over every row looking for them (270 ms for a filter none of its 5,000
                # deals matched); an array is looked up through the partner's index.
                ids = ArraySubquery(partner_ids_visible_to(user, model))
                return Q(EqualsAny(F(_partner_is(path)), ids))
            return Q(**{_partner_in(path): partner_ids_visible_to(user, model)})
        return Q(**{_partner_is(path): user.partner_id})

    if action != "manage" or path is None or user.is_superuser or user.role in ALL_PARTNER_MANAGERS:
        return None
    if user.role == Role.CHANNEL_MANAGER:
        if path == "":
            return Q(channel_manager=user) | Q(pk__in=partner_ids_granted_to(user))
        # One subquery of the managed companies: the rows are then read through their partner
        # index. An OR of a join and an IN cannot use one and scans every row (a million deals).
        return Q(**{_partner_in(path): partner_ids_managed_by(user)})
    # Finance, CFO and legal act on their own objects (statements, reviews), not on partners.
    return nothing


def scope_queryset(
    queryset: models.QuerySet, user: User, action: Action = "view"
) -> models.QuerySet:
    condition = scope_filter(queryset.model, user, action)
    return queryset if condition is None else queryset.filter(condition)


def get_scoped_or_404(queryset: models.QuerySet, user: User, action: Action = "view", **lookup):
    """Fetch one object the user may reach; anything else is indistinguishable from absent."""
    try:
        return scope_queryset(queryset, user, action).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def _owner_id(obj: models.Model) -> int | None:
    """The id of the partner owning a loaded object, following `scope_partner_path`."""
    path = type(obj).scope_partner_path
    if path == "":
        return obj.pk
    *hops, last = path.split("__")
    for hop in hops:
        obj = getattr(obj, hop)
        if obj is None:
            return None
    return getattr(obj, f"{last}_id")


def scope_allows(user: User, obj: models.Model, action: Action = "view") -> bool:
    """`scope_filter` for one loaded object: may the user see (or change) it?

    Partner users' own-company answers need no query; the rest asks the database once.
    """
    if not _is_live(user):
        return False
    model = type(obj)
    path = getattr(model, "scope_partner_path", None)
    if user.is_partner_user and path is not None and _owner_id(obj) == user.partner_id:
        return action == "what_if" or sees_area(user, getattr(model, "scope_area", Area.COMPANY))
    condition = scope_filter(model, user, action)
    if condition is None:
        return True
    return model._default_manager.all().filter(condition, pk=obj.pk).exists()


class ScopedQuerySet(models.QuerySet):
    """NetBox's restricted queryset: reads for users start from `restrict(user, action)`.

    A test reads every view, API and selector module and refuses a partner-owned model's manager
    used there without `restrict`/`visible_to`/`manageable_by`, or `unrestricted(reason)` for the
    reads (of an object already authorised, or for vendor-side aggregates) that need no scoping.
    """

    def restrict(self, user: User, action: Action = "view") -> ScopedQuerySet:
        return scope_queryset(self, user, action)

    def visible_to(self, user: User) -> ScopedQuerySet:
        return self.restrict(user, "view")

    def manageable_by(self, user: User) -> ScopedQuerySet:
        return self.restrict(user, "manage")

    def unrestricted(self, reason: str) -> ScopedQuerySet:
        """Every row, on purpose; `reason` says why no user narrows this read."""
        if not reason.strip():
            raise ValueError("An unrestricted read needs its reason.")
        return self.all()


ScopedManager = models.Manager.from_queryset(ScopedQuerySet)


def can_manage_partner(user: User, partner) -> bool:
    return type(partner).objects.manageable_by(user).filter(pk=partner.pk).exists()
