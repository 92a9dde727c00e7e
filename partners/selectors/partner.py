"""Reads of partner companies, their users, applications and compliance violations, always
scoped to what the user may see.
"""

from __future__ import annotations

from django.contrib.postgres.search import TrigramWordSimilarity
from django.db.models import Case, Q, QuerySet, Value, When
from django.db.models.functions import Greatest

from accounts.choices import Role
from accounts.models import User
from accounts.scoping import get_scoped_or_404
from core.search import CANDIDATES

from ..models import ComplianceViolation, Partner, PartnerApplication
from .exits import partners_receiving_for


def partner_list_base_for(*, user: User) -> QuerySet[Partner]:
    """Partners the user may see, for the directory (`partners.lists.PARTNER_LIST` filters them)."""
    return Partner.objects.visible_to(user).select_related("tier", "channel_manager", "parent")


def partner_get_for(*, user: User, pk, action: str = "view") -> Partner:
    return get_scoped_or_404(
        Partner.objects.select_related("tier", "channel_manager", "parent"),
        user,
        action,
        pk=pk,
    )


def partner_users_for(*, partner: Partner) -> QuerySet[User]:
    return User.objects.filter(partner=partner).order_by("full_name", "email")


def _name_match(field: str, text: str) -> Q:
    """Similar (`%`) or containing the text (`ILIKE`): both served by a trigram index, the
    second only from three characters on."""
    match = Q(**{f"{field}__trigram_word_similar": text})
    return match | Q(**{f"{field}__trigram_contains": text}) if len(text) >= 3 else match


def partner_suggestion_base_for(*, user: User, scope: str) -> QuerySet[Partner]:
    """The partners a partner field suggests (`partners.widgets.SUGGESTION_SCOPES`): those the
    user manages ("manage"), those that may receive a leaving partner's work ("receive": active,
    not leaving), otherwise those the user may see."""
    if scope == "manage":
        return Partner.objects.manageable_by(user)
    if scope == "receive":
        return partners_receiving_for(user=user)
    return Partner.objects.visible_to(user)


def partner_search_for(
    *, user: User, text: str, code: str, limit: int, within: QuerySet[Partner] | None = None
) -> list[Partner]:
    """Partners the user may see (or those of `within`, already scoped) whose legal name matches
    `text` or whose tax ID (USCC) is `code` exactly, best first; the name match is capped before
    it is ranked."""
    partners = Partner.objects.visible_to(user) if within is None else within
    match = _name_match("legal_name", text)
    exact = Q(legal_name__iexact=text)
    if code:
        # A distributor sees its dealers' profile summary, never their tax IDs (DESIGN §1).
        by_code = Q(tax_id=code, pk=user.partner_id) if user.is_partner_user else Q(tax_id=code)
        match |= by_code
        exact |= by_code
    candidates = partners.filter(match).order_by().values("pk")[:CANDIDATES]
    return list(
        partners.filter(pk__in=candidates)
        .select_related("tier")
        .annotate(
            rank=Case(
                When(exact, then=Value(1.0)),
                When(legal_name__trigram_contains=text, then=Value(0.5)),
                default=TrigramWordSimilarity(text, "legal_name"),
            )
        )
        .order_by("-rank", "legal_name", "pk")[:limit]
    )


def user_search_for(*, user: User, text: str, limit: int) -> list[User]:
    """People by name or e-mail: vendor staff find everyone, a partner admin the users of its
    own company, other partner roles no one (they manage no users)."""
    if user.is_vendor_staff:
        users = User.objects.all()
    elif user.role == Role.PARTNER_ADMIN and user.partner_id:
        users = User.objects.filter(partner_id=user.partner_id)
    else:
        return []
    match = _name_match("full_name", text) | _name_match("email", text)
    candidates = users.filter(match).order_by().values("pk")[:CANDIDATES]
    return list(
        User.objects.filter(pk__in=candidates)
        .select_related("partner")
        .annotate(
            rank=Greatest(
                TrigramWordSimilarity(text, "full_name"), TrigramWordSimilarity(text, "email")
            )
        )
        .order_by("-rank", "full_name", "pk")[:limit]
    )


def application_list_for(*, user: User) -> QuerySet[PartnerApplication]:
    """The onboarding pipeline (`partners.lists.APPLICATION_LIST` filters and sorts it)."""
    return PartnerApplication.objects.visible_to(user).select_related("referred_by", "partner")


def application_get_for(*, user: User, pk) -> PartnerApplication:
    return get_scoped_or_404(
        PartnerApplication.objects.select_related("referred_by", "partner"), user, pk=pk
    )


def violation_list_for(*, user: User, partner: Partner) -> QuerySet[ComplianceViolation]:
    return ComplianceViolation.objects.visible_to(user).filter(partner=partner)


def violation_get_for(*, user: User, pk) -> ComplianceViolation:
    return get_scoped_or_404(ComplianceViolation.objects.all(), user, pk=pk)
