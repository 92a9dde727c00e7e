"""Writes of the scorecard (DESIGN §2.4): the default weights and the weight sets by partner type
and region, the evaluation of one partner, and the yearly evaluation of every partner in chunks
read and written set-based.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from accounts.models import User
from core.audit import audit_record_many, diff, snapshot
from core.jobs import key_ranges
from core.locks import advisory_xact_lock
from core.notifications import notify
from core.periods import Quarter
from core.transitions import transition_record

from .. import inputs
from ..choices import PartnerStatus, ScorecardKind
from ..models import (
    WEIGHT_SET_FIELDS,
    Partner,
    Scorecard,
    ScorecardWeights,
    ScorecardWeightSet,
    Tier,
)
from ..rules import (
    classification_for,
    compliance_score,
    inventory_score,
    nps_score,
    ratio_score,
    roi_score,
    team_score,
    weight_set_for,
    weight_sets_overlap,
    weighted_total,
)
from ..selectors import scorecard_weight_sets, scorecard_weights_current
from .programme import _tier_recipients

SCORECARD_CHUNK = 1000


# --- weights -------------------------------------------------------------------------------------


@transaction.atomic
def scorecard_weights_update(*, actor: User, **weights: int) -> ScorecardWeights:
    """Save new default scorecard weights (they must add up to 100); the previous rows stay as
    history."""
    current = scorecard_weights_current()
    row = ScorecardWeights(changed_by=actor, **(current.as_dict() | weights))
    row.full_clean(exclude=["changed_by"])
    row.save()
    transition_record(
        row,
        actor=actor,
        action="scorecard.weights_changed",
        changes=diff(current.as_dict(), row.as_dict()),
    )
    return row


@transaction.atomic
def scorecard_weight_set_save(
    *, actor: User, weight_set: ScorecardWeightSet | None = None, **values
) -> ScorecardWeightSet:
    """Create a weight set (no `weight_set`) or change one; audited with the values before and
    after. Refused per field when the weights do not add up to 100 or it names no type and no
    region, and when a set of the same specificity already names one of its types and regions."""
    # One writer at a time, so two overlapping sets cannot both pass the check.
    advisory_xact_lock("partners.scorecard-weight-sets")
    if weight_set is None:
        row, before, action = ScorecardWeightSet(), {}, "scorecard.weight_set_created"
    else:
        row = ScorecardWeightSet.objects.select_for_update().get(pk=weight_set.pk)
        before, action = snapshot(row, WEIGHT_SET_FIELDS), "scorecard.weight_set_changed"
    for name, value in values.items():
        if name not in WEIGHT_SET_FIELDS:
            raise TypeError(f"unknown weight set field {name!r}")
        setattr(row, name, value)
    row.name = " ".join((row.name or "").split())
    row.partner_types = sorted(set(row.partner_types or ()))
    row.regions = sorted(set(row.regions or ()))
    row.changed_by = actor
    row.full_clean(exclude=["changed_by"])
    for other in ScorecardWeightSet.objects.exclude(pk=row.pk):
        if weight_sets_overlap(row, other):
            message = _(
                "The weight set “%(other)s” already applies to one of these partner types and "
                "regions; narrow one of the two."
            ) % {"other": other.name}
            raise ValidationError({"partner_types": message, "regions": message})
    row.save()
    after = snapshot(row, WEIGHT_SET_FIELDS)
    transition_record(row, actor=actor, action=action, changes=diff(before, after))
    return row


def _weights_of(partner: Partner, *, weight_sets, default: dict[str, int]):
    """(weight set or None for the default, the weights) a partner is scored with."""
    chosen = weight_set_for(weight_sets, partner_type=partner.partner_type, regions=partner.regions)
    return chosen, (chosen.as_dict() if chosen is not None else default)


# --- figures and scores --------------------------------------------------------------------------


def _scorecard_period(*, kind: str, year: int | None) -> tuple[int, Quarter, datetime.date]:
    """(year, last quarter of the evaluated span, first day of the span) for an evaluation."""
    if kind == ScorecardKind.YEARLY:
        last = Quarter(year, 4)
    else:
        last = Quarter.containing(timezone.localdate())
    first = inputs.trailing_quarters(last)[0]
    return last.year, last, first.start


def _lowest_nonzero(tiers: list[Tier], attribute: str):
    values = [getattr(t, attribute) for t in tiers if getattr(t, attribute)]
    return min(values) if values else 0


def scorecard_figures_for(
    *, partners: list[Partner], kind: str, year: int | None = None
) -> dict[int, dict]:
    """{partner id: {year, scores, figures}} of a scorecard (DESIGN §2.4), without saving, with
    every input read once for all the partners (one query per figure).

    Revenue attainment is measured against the partner's targets over the four quarters (§5.1),
    or, without a target, against its tier's revenue requirement (a Registered partner against
    the first tier that requires anything). Team stability and certifications: see `team_score`.
    """
    figures = _scorecard_inputs(partner_ids=[p.pk for p in partners], kind=kind, year=year)
    return _scorecard_results(partners, figures)


def _scorecard_inputs(*, partner_ids: list[int], kind: str, year: int | None) -> dict:
    """Every figure of the partners' scorecards, one set-based query per figure (the figures of
    the apps above come through `partners.figures`)."""
    year, last, since = _scorecard_period(kind=kind, year=year)
    as_of = min(last.end, timezone.localdate())
    ids = partner_ids
    tiers = {t.pk: t for t in Tier.objects.all()}
    return {
        "year": year,
        "span": inputs.trailing_quarters(last),
        "tiers": tiers,
        "lowest_revenue": _lowest_nonzero(list(tiers.values()), "min_revenue"),
        "lowest_staff": _lowest_nonzero(list(tiers.values()), "min_certified_staff"),
        "revenue": inputs.revenue_by_partner(partner_ids=ids, quarter=last),
        "targets": inputs.revenue_target_by_partner(partner_ids=ids, quarter=last),
        "staff": inputs.certified_staff_by_partner(partner_ids=ids, as_of=as_of),
        "retention": inputs.certified_staff_retention_by_partner(partner_ids=ids, as_of=as_of),
        "nps": inputs.nps_by_partner(partner_ids=ids, quarter=last),
        "roi": inputs.marketing_roi_by_partner(partner_ids=ids),
        "inventory": inputs.inventory_health_by_partner(partner_ids=ids, as_of=as_of),
        "violations": inputs.violations_by_partner(partner_ids=ids, since=since, until=last.end),
    }


def _scorecard_results(partners: list[Partner], figures: dict) -> dict[int, dict]:
    """The scores and figures of each partner from `_scorecard_inputs` (pure: no query)."""
    tiers, span = figures["tiers"], figures["span"]
    revenue, targets, staff = figures["revenue"], figures["targets"], figures["staff"]
    retention, nps, roi = figures["retention"], figures["nps"], figures["roi"]
    violations, inventory = figures["violations"], figures["inventory"]
    results = {}
    for partner in partners:
        pid = partner.pk
        tier = tiers[partner.tier_id]
        target = targets.get(pid)
        revenue_target = target if target else (tier.min_revenue or figures["lowest_revenue"])
        staff_target = tier.min_certified_staff or figures["lowest_staff"]
        certified = staff.get(pid, {}).get("total", 0)
        cohort = retention.get(pid, {}).get("cohort", 0)
        retained = retention.get(pid, {}).get("retained", 0)
        results[pid] = {
            "year": figures["year"],
            "scores": {
                "score_revenue": ratio_score(revenue.get(pid, Decimal("0")), revenue_target),
                "score_marketing": roi_score(roi.get(pid)),
                "score_satisfaction": nps_score(nps.get(pid)),
                "score_compliance": compliance_score(violations.get(pid, 0)),
                "score_team": team_score(
                    cohort=cohort, retained=retained, certified=certified, required=staff_target
                ),
                "score_inventory": inventory_score(inventory.get(pid)),
            },
            "figures": {
                "from": str(span[0]),
                "to": str(span[-1]),
                "revenue": str(revenue.get(pid, Decimal("0.00"))),
                "revenue_target": str(revenue_target),
                "revenue_target_source": "target" if target else "tier",
                "marketing_roi": None if roi.get(pid) is None else str(roi[pid]),
                "nps": nps.get(pid),
                "violations": violations.get(pid, 0),
                "certified_staff": certified,
                "certified_staff_target": staff_target,
                "certified_staff_year_before": cohort,
                "certified_staff_retained": retained,
                "inventory_health": inventory.get(pid),
            },
        }
    return results


def _scorecard_build(
    *, partner: Partner, result: dict, kind: str, reason: str, actor, weight_set, weights
) -> Scorecard:
    total = weighted_total(result["scores"], weights)
    return Scorecard(
        partner=partner,
        kind=kind,
        year=result["year"],
        reason=reason,
        weights=weights,
        weight_set=weight_set,
        weight_set_name=weight_set.name if weight_set is not None else "",
        figures=result["figures"],
        total=total,
        classification=classification_for(total),
        evaluated_by=actor if getattr(actor, "is_authenticated", False) else None,
        **result["scores"],
    )


def _classification_change(partner: Partner, scorecard: Scorecard) -> dict:
    return {
        "classification": {"before": partner.classification, "after": scorecard.classification},
        "total": str(scorecard.total),
    }


def _partner_classify(*, partner: Partner, scorecard: Scorecard, actor) -> bool:
    """Give the partner the scorecard's class; audited. Returns whether the class changed."""
    if partner.classification == scorecard.classification:
        return False
    changes = _classification_change(partner, scorecard)
    Partner.objects.filter(pk=partner.pk).update(
        classification=scorecard.classification, updated_at=timezone.now()
    )
    partner.classification = scorecard.classification
    transition_record(
        partner, actor=actor, action="partner.classified", changes=changes, note=scorecard.reason
    )
    return True


@transaction.atomic
def scorecard_evaluate(
    *, partner: Partner, actor: User | None, kind: str, year: int | None = None, reason: str = ""
) -> Scorecard:
    """Score the partner with the weights of its type and region, store the scorecard and set
    its class (A/B/C).

    Yearly: once per partner and year (a second run returns the stored one). On demand (after an
    incident): any time, with a reason.
    """
    if kind == ScorecardKind.ON_DEMAND and not reason.strip():
        raise ValidationError({"reason": _("Give the reason for this evaluation.")})
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    if kind == ScorecardKind.YEARLY:
        existing = Scorecard.objects.filter(partner=partner, kind=kind, year=year).first()
        if existing is not None:
            return existing
    result = scorecard_figures_for(partners=[partner], kind=kind, year=year)[partner.pk]
    weight_set, weights = _weights_of(
        partner,
        weight_sets=scorecard_weight_sets(),
        default=scorecard_weights_current().as_dict(),
    )
    scorecard = _scorecard_build(
        partner=partner,
        result=result,
        kind=kind,
        reason=reason.strip(),
        actor=actor,
        weight_set=weight_set,
        weights=weights,
    )
    scorecard.save()
    if _partner_classify(partner=partner, scorecard=scorecard, actor=actor):
        notify(
            recipients=[u for u in _tier_recipients(partner) if u != actor],
            kind="partner.classified",
            title=_("%(partner)s is now class %(class)s (score %(total)s)"),
            url=reverse("partners:scorecard_detail", args=[scorecard.pk]),
            params={
                "partner": partner.legal_name,
                "class": scorecard.classification,
                "total": scorecard.total,
            },
            email=False,
        )
    return scorecard


# --- the yearly evaluation of every partner ------------------------------------------------------

_EVALUATED = "SELECT id FROM partners_partner WHERE status <> %s"


def scorecard_yearly_ranges(*, chunks: int) -> list[list[int]]:
    """The partners a yearly evaluation scores, split into at most `chunks` contiguous id ranges
    of about the same size: one unit per worker."""
    return key_ranges(source=_EVALUATED, key="id", chunks=chunks, params=[PartnerStatus.TERMINATED])


# Not atomic as a whole: a batch job committed chunk by chunk (each chunk is atomic).
def scorecard_evaluate_yearly(
    *, year: int, first_id: int | None = None, last_id: int | None = None
) -> dict:
    """The yearly scorecard of every partner not terminated (those with ids in
    [`first_id`, `last_id`] when given), in chunks of `SCORECARD_CHUNK` read and written
    set-based: the same scorecards, classes and audit rows as `scorecard_evaluate` per partner.

    Idempotent: a partner that already has the year's scorecard is skipped (one per partner and
    year, enforced by the database); workers may run disjoint ranges side by side.
    """
    partners = Partner.objects.exclude(status=PartnerStatus.TERMINATED)
    if first_id is not None:
        partners = partners.filter(pk__gte=first_id)
    if last_id is not None:
        partners = partners.filter(pk__lte=last_id)
    done = Scorecard.objects.filter(kind=ScorecardKind.YEARLY, year=year).values("partner_id")
    ids = list(partners.exclude(pk__in=done).order_by("pk").values_list("pk", flat=True))
    summary = {"evaluated": 0, "skipped": partners.filter(pk__in=done).count()}
    if not ids:
        return summary
    # Each figure is read once for the whole range (one pass over the sales lines, not one per
    # chunk); the chunks lock their partners, score them from these figures and write.
    figures = _scorecard_inputs(partner_ids=ids, kind=ScorecardKind.YEARLY, year=year)
    for start in range(0, len(ids), SCORECARD_CHUNK):
        chunk = _scorecard_yearly_chunk(
            year=year, partner_ids=ids[start : start + SCORECARD_CHUNK], figures=figures
        )
        summary["evaluated"] += chunk["evaluated"]
        summary["skipped"] += chunk["skipped"]
    return summary


@transaction.atomic
def _scorecard_yearly_chunk(*, year: int, partner_ids: list[int], figures: dict) -> dict:
    # The partner rows are locked (in id order) like `scorecard_evaluate` locks its one, so an
    # evaluation on demand or a second worker on the same range waits, then finds the work done.
    partners = list(
        Partner.objects.select_for_update(of=("self",))
        .select_related("channel_manager")
        .filter(pk__in=partner_ids)
        .order_by("pk")
    )
    done = set(
        Scorecard.objects.filter(
            kind=ScorecardKind.YEARLY, year=year, partner_id__in=partner_ids
        ).values_list("partner_id", flat=True)
    )
    todo = [p for p in partners if p.pk not in done]
    if not todo:
        return {"evaluated": 0, "skipped": len(done)}
    default = scorecard_weights_current().as_dict()
    weight_sets = scorecard_weight_sets()
    results = _scorecard_results(todo, figures)
    built = []
    for partner in todo:
        weight_set, weights = _weights_of(partner, weight_sets=weight_sets, default=default)
        built.append(
            _scorecard_build(
                partner=partner,
                result=results[partner.pk],
                kind=ScorecardKind.YEARLY,
                reason="",
                actor=None,
                weight_set=weight_set,
                weights=weights,
            )
        )
    scorecards = Scorecard.objects.bulk_create(built)
    changed = _partners_classify_bulk(todo, scorecards)
    _classified_announce(changed, year=year)
    return {"evaluated": len(scorecards), "skipped": len(done)}


def _partners_classify_bulk(partners: list[Partner], scorecards: list[Scorecard]) -> list[Partner]:
    """`_partner_classify` for a chunk: one UPDATE per class (a CASE over a thousand ids costs
    PostgreSQL seconds) and one INSERT of audit rows for all the partners whose class changed.
    Returns them."""
    changes = [
        (partner, _classification_change(partner, scorecard))
        for partner, scorecard in zip(partners, scorecards, strict=True)
        if partner.classification != scorecard.classification
    ]
    if not changes:
        return []
    now = timezone.now()
    for partner, change in changes:
        partner.classification = change["classification"]["after"]
        partner.updated_at = now
    changed = [partner for partner, _change in changes]
    for klass in sorted({partner.classification for partner in changed}):
        Partner.objects.filter(
            pk__in=[partner.pk for partner in changed if partner.classification == klass]
        ).update(classification=klass, updated_at=now)
    audit_record_many(actor=None, action="partner.classified", events=changes)
    return changed


def _classified_announce(changed: list[Partner], *, year: int) -> None:
    """One notification per person answering for partners whose class changed."""
    directors = None
    per_person: dict[int, tuple[User, int]] = {}
    for partner in changed:
        if partner.channel_manager_id:
            people = [partner.channel_manager]
        else:
            if directors is None:
                directors = list(User.objects.filter(role=Role.CHANNEL_DIRECTOR, is_active=True))
            people = directors
        for person in people:
            per_person[person.pk] = (person, per_person.get(person.pk, (person, 0))[1] + 1)
    for person, count in per_person.values():
        notify(
            recipients=[person],
            kind="partner.classified",
            title=_("Yearly scorecards %(year)s: %(count)s partner(s) changed class"),
            url=reverse("partners:partner_list"),
            params={"year": year, "count": count},
            email=False,
        )
