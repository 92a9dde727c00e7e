"""Reads of the training app, always starting from what the user may see."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.db.models import (
    BooleanField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.choices import Role
from partners.models import Partner, Tier

from .choices import Level
from .models import Certification, Course, Module, ModuleCompletion


def course_list_base_for(*, user) -> QuerySet[Course]:
    """The courses of the list (`training.lists.COURSE_LIST` filters them); the modules and the
    reader's progress are counted for the page only (`course_progress_attach`)."""
    courses = Course.objects.all()
    return courses if user.is_vendor_staff else courses.filter(is_published=True)


def course_progress_attach(courses: list[Course], *, user) -> list[Course]:
    """Set `module_count` and `done_count` (the user's completed modules) on one page."""
    rows = (
        Module.objects.filter(course_id__in=[c.pk for c in courses])
        .values("course_id")
        .annotate(
            modules=Count("pk", distinct=True),
            done=Count("completions", filter=Q(completions__user=user), distinct=True),
        )
    )
    counts = {row["course_id"]: row for row in rows}
    for course in courses:
        row = counts.get(course.pk, {})
        course.module_count = row.get("modules", 0)
        course.done_count = row.get("done", 0)
    return courses


def certification_list_base_for(*, user) -> QuerySet[Certification]:
    """The certifications of the list: staff every one, a partner admin its company's, any
    other partner user their own (`training.lists.CERTIFICATION_LIST` filters them)."""
    mine = user.is_partner_user and user.role != Role.PARTNER_ADMIN
    certs = certification_list_for(user=user, mine=mine)
    if user.role == Role.PARTNER_ADMIN:
        certs = certs.filter(partner_id=user.partner_id)
    return certs


def course_list_for(*, user, track: str = "", level: str = ""):
    courses = Course.objects.all()
    if not user.is_vendor_staff:
        courses = courses.filter(is_published=True)
    if track:
        courses = courses.filter(track=track)
    if level:
        courses = courses.filter(level=level)
    return courses.annotate(
        module_count=Count("modules", distinct=True),
        done_count=Count(
            "modules__completions", filter=Q(modules__completions__user=user), distinct=True
        ),
    ).order_by("track", "level", "title", "pk")


def course_get_for(*, user, pk: int) -> Course:
    courses = Course.objects.prefetch_related(
        Prefetch("modules", queryset=Module.objects.order_by("position"))
    ).select_related("exam")
    if not user.is_vendor_staff:
        courses = courses.filter(is_published=True)
    return get_object_or_404(courses, pk=pk)


def course_progress(*, user, course: Course) -> dict:
    modules = list(course.modules.all())
    done = set(
        ModuleCompletion.objects.visible_to(user)
        .filter(user=user, module__course=course)
        .values_list("module_id", flat=True)
    )
    total = len(modules)
    return {
        "done_ids": done,
        "done": len(done),
        "total": total,
        "percent": round(len(done) * 100 / total) if total else 0,
    }


def progress_list_for(*, user):
    """Per course the user has started: modules done out of total."""
    return (
        course_list_for(user=user)
        .filter(modules__completions__user=user)
        .distinct()
        .order_by("title")
    )


def valid_certifications(*, as_of: date):
    """Certifications valid on `as_of` and still attached to their partner on that day."""
    return (
        Certification.objects.unrestricted("tier evaluation and coverage, by partner")
        .filter(issued_on__lte=as_of, expires_on__gt=as_of)
        .filter(Q(detached_on__isnull=True) | Q(detached_on__gt=as_of))
    )


def certification_list_for(*, user, partner_id: int | None = None, mine: bool = False):
    certs = Certification.objects.visible_to(user).select_related("user", "partner", "course")
    if mine:
        certs = certs.filter(user=user)
    if partner_id:
        certs = certs.filter(partner_id=partner_id)
    return certs


def certification_get_for(*, user, pk: int) -> Certification:
    """The holder, their company's partner admin and vendor staff may open a certificate."""
    certs = Certification.objects.visible_to(user).select_related("user", "partner", "course")
    if user.is_partner_user and user.role != Role.PARTNER_ADMIN:
        certs = certs.filter(user=user)
    try:
        return certs.get(pk=pk)
    except (Certification.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def certification_get_by_code(*, code: str) -> Certification | None:
    return (
        Certification.objects.unrestricted("public check of a printed code")
        .select_related("user", "partner", "course")
        .filter(code=code.upper())
        .first()
    )


def certified_staff_counts(*, partner, as_of: date) -> dict:
    """Distinct users of `partner` holding a valid certification on `as_of` (DESIGN §2.3, §3).

    `total` counts a person once whatever the track; `junior`, `mid` and `senior` count the people
    holding a valid certification of that level. Expired (and not yet issued) ones never count.
    """
    valid = valid_certifications(as_of=as_of).filter(partner=partner)
    return valid.aggregate(
        total=Count("user", distinct=True),
        **{
            str(level.value): Count("user", filter=Q(level=level), distinct=True)
            for level in (Level.JUNIOR, Level.MID, Level.SENIOR)
        },
    )


def next_tier(partner) -> Tier | None:
    current_rank = partner.tier.rank if partner.tier_id else -1
    return Tier.objects.filter(rank__gt=current_rank).order_by("rank").first()


def coverage_for_partner(*, partner, as_of: date | None = None) -> dict:
    as_of = as_of or timezone.localdate()
    counts = certified_staff_counts(partner=partner, as_of=as_of)
    target = next_tier(partner)
    expiring = list(
        valid_certifications(as_of=as_of)
        .filter(partner=partner, expires_on__lte=as_of + timedelta(days=60))
        .select_related("user", "course")
        .order_by("expires_on")
    )
    return {
        "counts": counts,
        "next_tier": target,
        "missing_total": max(0, target.min_certified_staff - counts["total"]) if target else 0,
        "missing_senior": max(0, target.min_senior_certified_staff - counts["senior"])
        if target
        else 0,
        "expiring": expiring,
        "holders": list(
            valid_certifications(as_of=as_of)
            .filter(partner=partner)
            .select_related("user", "course")
            .order_by("user__full_name", "expires_on")
        ),
    }


def coverage_report(*, user, as_of: date | None = None):
    """Every partner the staff user sees with certified counts, in one aggregate query."""
    return _coverage(Partner.objects.visible_to(user), as_of)


def _certified_count(valid, *, distinct_users: bool = True) -> Coalesce:
    """A correlated count of the row's partner's valid certifications (their distinct holders)."""
    counted = Count("user", distinct=True) if distinct_users else Count("pk")
    rows = (
        Certification.objects.unrestricted("counts for a partner row already scoped")
        .filter(valid, partner=OuterRef("pk"))
        .order_by()
        .values("partner")
        .annotate(n=counted)
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def _below_requirement(certified, senior_certified) -> ExpressionWrapper:
    """Fewer certified staff, or senior certified staff, than the partner's tier requires. A
    requirement of zero is never missed: tested first, it spares counting that partner."""
    below = (Q(tier__min_certified_staff__gt=0) & Q(tier__min_certified_staff__gt=certified)) | (
        Q(tier__min_senior_certified_staff__gt=0)
        & Q(tier__min_senior_certified_staff__gt=senior_certified)
    )
    return ExpressionWrapper(below, output_field=BooleanField())


def coverage_below_tier(as_of: date | None = None) -> Case:
    """For `coverage_report` rows: below the current tier's requirement on `as_of` (today), from
    the partner's counted certified staff (`PartnerCoverage`) when they hold on that day, else
    counted live (the rows' correlated subqueries, evaluated for that partner only). Filtered
    on, 10,000 partners are compared with their counts instead of each counting its
    certifications (DESIGN §10)."""
    as_of = as_of or timezone.localdate()
    holds = Q(certification_coverage__counted_on__lte=as_of) & (
        Q(certification_coverage__valid_until__isnull=True)
        | Q(certification_coverage__valid_until__gt=as_of)
    )
    counted = _below_requirement(
        F("certification_coverage__certified"), F("certification_coverage__senior_certified")
    )
    return Case(
        When(holds, then=counted),
        default=_below_requirement(F("certified"), F("senior_certified")),
        output_field=BooleanField(),
    )


def _coverage(partners, as_of: date | None):
    """Partners with `certified`, `senior_certified` and `expiring` counts, each a correlated
    subquery: a page sorted by name counts its own rows only, not every partner's (DESIGN §10)."""
    as_of = as_of or timezone.localdate()
    valid = Q(issued_on__lte=as_of, expires_on__gt=as_of) & (
        Q(detached_on__isnull=True) | Q(detached_on__gt=as_of)
    )
    return (
        partners.select_related("tier")
        .annotate(
            certified=_certified_count(valid),
            senior_certified=_certified_count(valid & Q(level=Level.SENIOR)),
            expiring=_certified_count(
                valid & Q(expires_on__lte=as_of + timedelta(days=60)), distinct_users=False
            ),
        )
        .order_by("legal_name")
    )


def _coverage_grouped(partners, as_of: date | None):
    """The same counts as `_coverage` in one join and GROUP BY: cheaper when every partner is
    counted anyway (the dashboard's summary over all of them)."""
    as_of = as_of or timezone.localdate()
    valid = Q(certifications__issued_on__lte=as_of, certifications__expires_on__gt=as_of) & (
        Q(certifications__detached_on__isnull=True) | Q(certifications__detached_on__gt=as_of)
    )
    return partners.select_related("tier").annotate(
        certified=Count("certifications__user", filter=valid, distinct=True),
        senior_certified=Count(
            "certifications__user",
            filter=valid & Q(certifications__level=Level.SENIOR),
            distinct=True,
        ),
        expiring=Count(
            "certifications",
            filter=valid & Q(certifications__expires_on__lte=as_of + timedelta(days=60)),
        ),
    )


def with_next_tier(partners) -> list:
    """Attach each partner's next tier (one query for the few tiers, whatever the page size)."""
    tiers = list(Tier.objects.order_by("rank"))
    rows = list(partners)
    for partner in rows:
        rank = partner.tier.rank if partner.tier_id else -1
        partner.next_tier = next((t for t in tiers if t.rank > rank), None)
    return rows


def coverage_summary_for(*, user, as_of: date | None = None) -> dict:
    """For the staff dashboard: partners below their tier's certification requirement, and
    certifications expiring within 60 days, across the partners the user sees."""
    return _coverage_summary(_coverage_grouped(Partner.objects.visible_to(user), as_of).order_by())


def coverage_summary_all() -> dict:
    """`coverage_summary_for` over every partner, today: the staff dashboard's figure,
    precomputed each minute (training/dashboard.py)."""
    partners = Partner.objects.unrestricted("vendor-wide dashboard figure, no user")
    return _coverage_summary(_coverage_grouped(partners, None).order_by())


def _coverage_summary(rows) -> dict:
    from django.db.models import F, Sum

    below = rows.filter(
        Q(certified__lt=F("tier__min_certified_staff"))
        | Q(senior_certified__lt=F("tier__min_senior_certified_staff"))
    ).count()
    totals = rows.aggregate(expiring_total=Sum("expiring"), partners=Count("pk"))
    return {
        "below": below,
        "partners": totals["partners"] or 0,
        "expiring": totals["expiring_total"] or 0,
    }


def certified_staff_by_partner(
    *, partner_ids: Iterable[int] | None, as_of: date
) -> dict[int, dict[str, int]]:
    """{partner id: {"total", "senior"}}: distinct users holding a valid certification, in one
    query; the same count as `certified_staff_counts` for one partner. The tier figure
    "certified_staff" (registered into `partners.figures`)."""
    certs = valid_certifications(as_of=as_of)
    if partner_ids is not None:
        certs = certs.filter(partner_id__in=list(partner_ids))
    rows = (
        certs.values("partner_id")
        .annotate(
            total=Count("user", distinct=True),
            senior=Count("user", filter=Q(level=Level.SENIOR), distinct=True),
        )
        .order_by()
    )
    return {row["partner_id"]: {"total": row["total"], "senior": row["senior"]} for row in rows}


def certified_staff_retention_by_partner(
    *, partner_ids: Iterable[int] | None, as_of: date
) -> dict[int, dict[str, int]]:
    """{partner id: {"cohort", "retained"}}: the distinct users holding a valid certification with
    the partner 12 months before `as_of`, and how many of them are still active users of that
    partner on `as_of`, in one query. The scorecard figure "certified_staff_retention"; partners
    with nobody certified a year before are absent."""
    certs = valid_certifications(as_of=year_before(as_of))
    if partner_ids is not None:
        certs = certs.filter(partner_id__in=list(partner_ids))
    rows = (
        certs.values("partner_id")
        .annotate(
            cohort=Count("user", distinct=True),
            retained=Count(
                "user",
                filter=Q(user__is_active=True, user__partner_id=F("partner_id")),
                distinct=True,
            ),
        )
        .order_by()
    )
    return {
        row["partner_id"]: {"cohort": row["cohort"], "retained": row["retained"]} for row in rows
    }


def year_before(day: date) -> date:
    """The same day a year earlier (28 February for 29 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def certified_staff_of(*, partner, as_of: date) -> dict[str, int]:
    """{"total", "senior"} of one partner, zero when nobody is certified (figure
    "certified_staff_of")."""
    counts = certified_staff_counts(partner=partner, as_of=as_of)
    return {"total": counts["total"] or 0, "senior": counts["senior"] or 0}
