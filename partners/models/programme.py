"""Tier evaluations and history, scorecards and NPS answers (DESIGN §2.3, §2.4)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.scoping import ScopedManager

from ..choices import (
    Classification,
    NpsSource,
    NpsWarningLevel,
    PartnerType,
    ProposalStatus,
    ScorecardKind,
    TierOutcome,
)
from ..regions import REGION_CODES, REGION_LABELS
from .partner import Partner, Tier


def _tier_fk(label, related_name="+", null=False):
    return models.ForeignKey(
        Tier,
        verbose_name=label,
        on_delete=models.PROTECT,
        related_name=related_name,
        null=null,
        blank=null,
    )


class TierEvaluation(models.Model):
    """One partner's result of the quarterly tier evaluation, with the figures behind it.

    One row per partner and quarter (re-running the job changes nothing). A row whose outcome is
    an upgrade or a downgrade is a proposal that the channel manager confirms or rejects.
    """

    scope_partner_path = "partner"

    partner = models.ForeignKey(
        Partner,
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        related_name="tier_evaluations",
    )
    quarter = models.CharField(_("quarter"), max_length=6)
    current_tier = _tier_fk(_("tier held"))
    qualified_tier = _tier_fk(_("tier qualified for"))
    proposed_tier = _tier_fk(_("proposed tier"), null=True)
    revenue = models.DecimalField(
        _("trailing-4-quarter revenue"), max_digits=20, decimal_places=2, default=Decimal("0")
    )
    certified_staff = models.PositiveIntegerField(_("certified staff"), default=0)
    senior_certified_staff = models.PositiveIntegerField(_("senior certified staff"), default=0)
    nps = models.IntegerField(_("NPS"), null=True, blank=True)
    open_violations = models.PositiveIntegerField(_("open violations"), default=0)
    outcome = models.CharField(_("outcome"), max_length=10, choices=TierOutcome.choices)
    status = models.CharField(
        _("proposal"), max_length=10, choices=ProposalStatus.choices, blank=True, default=""
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    created_at = models.DateTimeField(_("evaluated"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("tier evaluation")
        verbose_name_plural = _("tier evaluations")
        ordering = ["-quarter", "partner_id"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "quarter"], name="tier_evaluation_once"),
            models.CheckConstraint(
                name="tier_evaluation_proposal_has_tier",
                condition=Q(status="") | Q(proposed_tier__isnull=False),
            ),
        ]
        indexes = [models.Index(fields=["status", "quarter"], name="tier_evaluation_status")]

    def __str__(self) -> str:
        return f"{self.partner} · {self.quarter} · {self.get_outcome_display()}"

    @property
    def is_pending(self) -> bool:
        return self.status == ProposalStatus.PENDING

    @property
    def figures(self) -> dict:
        return {
            "quarter": self.quarter,
            "revenue": str(self.revenue),
            "certified_staff": self.certified_staff,
            "senior_certified_staff": self.senior_certified_staff,
            "nps": self.nps,
            "open_violations": self.open_violations,
        }


class TierChange(models.Model):
    """One change of a partner's tier and the figures that justified it (append-only history)."""

    scope_partner_path = "partner"

    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.PROTECT, related_name="tier_changes"
    )
    from_tier = _tier_fk(_("from"))
    to_tier = _tier_fk(_("to"))
    evaluation = models.OneToOneField(
        TierEvaluation,
        verbose_name=_("evaluation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="change",
    )
    figures = models.JSONField(_("figures"), default=dict)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("changed"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("tier change")
        verbose_name_plural = _("tier changes")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.partner} · {self.from_tier} → {self.to_tier}"


WEIGHT_FIELDS = [
    "weight_revenue",
    "weight_marketing",
    "weight_satisfaction",
    "weight_compliance",
    "weight_team",
    "weight_inventory",
]


def _weight_field(label, default):
    return models.PositiveSmallIntegerField(label, default=default)


class ScorecardWeights(models.Model):
    """The scorecard's weights per criterion (configurable, summing to 100). The latest row rules;
    earlier rows stay as the history of the configuration."""

    weight_revenue = _weight_field(_("revenue attainment"), 40)
    weight_marketing = _weight_field(_("marketing effectiveness"), 15)
    weight_satisfaction = _weight_field(_("customer satisfaction (NPS)"), 20)
    weight_compliance = _weight_field(_("agreement compliance"), 15)
    weight_team = _weight_field(_("team stability and certifications"), 10)
    # Optional (DESIGN §2.4): 0 unless chosen, e.g. for the partner types that hold stock.
    weight_inventory = _weight_field(_("inventory health"), 0)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("changed"), auto_now_add=True)

    class Meta:
        verbose_name = _("scorecard weights")
        verbose_name_plural = _("scorecard weights")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="scorecard_weights_sum_100",
                condition=Q(
                    weight_revenue=100
                    - models.F("weight_marketing")
                    - models.F("weight_satisfaction")
                    - models.F("weight_compliance")
                    - models.F("weight_team")
                    - models.F("weight_inventory")
                ),
            )
        ]

    def __str__(self) -> str:
        return " / ".join(str(getattr(self, name)) for name in WEIGHT_FIELDS)

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in WEIGHT_FIELDS}

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        total = sum(getattr(self, name) or 0 for name in WEIGHT_FIELDS)
        if total != 100:
            message = _("The weights add up to %(total)s; they must add up to 100.") % {
                "total": total
            }
            raise ValidationError(dict.fromkeys(WEIGHT_FIELDS, message))


WEIGHT_SET_FIELDS = ["name", "partner_types", "regions", *WEIGHT_FIELDS]


def _weights_sum_100(prefix: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        name=f"{prefix}_sum_100",
        condition=Q(
            weight_revenue=100
            - models.F("weight_marketing")
            - models.F("weight_satisfaction")
            - models.F("weight_compliance")
            - models.F("weight_team")
            - models.F("weight_inventory")
        ),
    )


class ScorecardWeightSet(models.Model):
    """Scorecard weights for the partners of some types and/or regions (DESIGN §2.4: KPIs differ
    by channel). The most specific set that matches a partner wins: types and regions, then types
    only, then regions only; none matching leaves the default weights (`ScorecardWeights`). Two
    sets of the same specificity may not both name one type and region (refused when saved)."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    partner_types = ArrayField(
        models.CharField(max_length=20), verbose_name=_("partner types"), default=list, blank=True
    )
    regions = ArrayField(
        models.CharField(max_length=8), verbose_name=_("regions"), default=list, blank=True
    )
    weight_revenue = _weight_field(_("revenue attainment"), 40)
    weight_marketing = _weight_field(_("marketing effectiveness"), 15)
    weight_satisfaction = _weight_field(_("customer satisfaction (NPS)"), 20)
    weight_compliance = _weight_field(_("agreement compliance"), 15)
    weight_team = _weight_field(_("team stability and certifications"), 10)
    # Optional (DESIGN §2.4): 0 unless chosen, e.g. for the partner types that hold stock.
    weight_inventory = _weight_field(_("inventory health"), 0)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("scorecard weight set")
        verbose_name_plural = _("scorecard weight sets")
        ordering = ["name", "pk"]
        constraints = [
            _weights_sum_100("scorecard_weight_set"),
            models.CheckConstraint(
                name="scorecard_weight_set_names_whom",
                condition=~Q(partner_types=[], regions=[]),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in WEIGHT_FIELDS}

    def clean(self) -> None:
        errors = {}
        total = sum(getattr(self, name) or 0 for name in WEIGHT_FIELDS)
        if total != 100:
            message = _("The weights add up to %(total)s; they must add up to 100.") % {
                "total": total
            }
            errors |= dict.fromkeys(WEIGHT_FIELDS, message)
        unknown_types = set(self.partner_types or ()) - set(PartnerType.values)
        if unknown_types:
            errors["partner_types"] = _("Unknown partner type: %(types)s.") % {
                "types": ", ".join(sorted(unknown_types))
            }
        unknown_regions = set(self.regions or ()) - REGION_CODES
        if unknown_regions:
            errors["regions"] = _("Unknown region: %(regions)s.") % {
                "regions": ", ".join(sorted(unknown_regions))
            }
        if not self.partner_types and not self.regions:
            message = _("Name the partner types, the regions or both that these weights are for.")
            errors.setdefault("partner_types", message)
            errors.setdefault("regions", message)
        if errors:
            raise ValidationError(errors)

    @property
    def partner_types_label(self) -> str:
        labels = dict(PartnerType.choices)
        return ", ".join(str(labels.get(code, code)) for code in self.partner_types)

    @property
    def regions_label(self) -> str:
        return ", ".join(str(REGION_LABELS.get(code, code)) for code in self.regions)

    @property
    def specificity(self) -> int:
        """3: types and regions, 2: types only, 1: regions only."""
        return (2 if self.partner_types else 0) + (1 if self.regions else 0)


SCORE_FIELDS = [
    "score_revenue",
    "score_marketing",
    "score_satisfaction",
    "score_compliance",
    "score_team",
    "score_inventory",
]


class Scorecard(models.Model):
    """One scorecard evaluation of a partner: a score 0–100 per criterion, the weights used, the
    weighted total and the class it gives (A ≥ 85, B ≥ 70, C below). Append-only history."""

    scope_partner_path = "partner"

    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.PROTECT, related_name="scorecards"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ScorecardKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    reason = models.TextField(_("reason"), blank=True)
    score_revenue = models.PositiveSmallIntegerField(_("revenue attainment"))
    score_marketing = models.PositiveSmallIntegerField(_("marketing effectiveness"))
    score_satisfaction = models.PositiveSmallIntegerField(_("customer satisfaction (NPS)"))
    score_compliance = models.PositiveSmallIntegerField(_("agreement compliance"))
    score_team = models.PositiveSmallIntegerField(_("team stability and certifications"))
    # Scorecards made before the criterion existed weighed it 0.
    score_inventory = models.PositiveSmallIntegerField(_("inventory health"), default=0)
    weights = models.JSONField(_("weights"), default=dict)
    weight_set = models.ForeignKey(
        ScorecardWeightSet,
        verbose_name=_("weight set"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("None: the default weights."),
    )
    weight_set_name = models.CharField(_("weights"), max_length=80, blank=True)
    figures = models.JSONField(_("figures"), default=dict)
    total = models.DecimalField(_("weighted total"), max_digits=5, decimal_places=2)
    classification = models.CharField(_("class"), max_length=1, choices=Classification.choices)
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("evaluated by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("evaluated"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "year"],
                condition=Q(kind="yearly"),
                name="scorecard_one_yearly_per_partner",
            ),
            *[
                models.CheckConstraint(
                    name=f"scorecard_{name}_0_100", condition=Q(**{f"{name}__lte": 100})
                )
                for name in SCORE_FIELDS
            ],
        ]
        indexes = [models.Index(fields=["partner", "-created_at"], name="scorecard_partner_recent")]

    def __str__(self) -> str:
        return f"{self.partner} · {self.year} · {self.classification}"


class NpsResponse(models.Model):
    """One customer's answer (0–10) to the survey about a partner in a quarter (DESIGN §2.4)."""

    scope_partner_path = "partner"

    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.PROTECT, related_name="nps_responses"
    )
    quarter = models.CharField(_("quarter"), max_length=6)
    score = models.PositiveSmallIntegerField(_("score (0–10)"))
    respondent = models.CharField(_("respondent"), max_length=200, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    source = models.CharField(
        _("source"), max_length=6, choices=NpsSource.choices, default=NpsSource.FORM
    )
    import_batch = models.ForeignKey(
        "core.ImportBatch",
        verbose_name=_("import"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("NPS response")
        verbose_name_plural = _("NPS responses")
        ordering = ["-quarter", "-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(name="nps_response_score_0_10", condition=Q(score__lte=10))
        ]
        indexes = [models.Index(fields=["partner", "quarter"], name="nps_partner_quarter")]

    def __str__(self) -> str:
        return f"{self.partner} · {self.quarter} · {self.score}"


class NpsWarning(models.Model):
    """A partner's NPS early warning for a quarter (DESIGN §2.4): its NPS against the previous
    quarter's and the programme floor, red, yellow or blue. One per partner and quarter."""

    scope_partner_path = "partner"

    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.PROTECT, related_name="nps_warnings"
    )
    quarter = models.CharField(_("quarter"), max_length=6)
    level = models.CharField(_("level"), max_length=6, choices=NpsWarningLevel.choices)
    nps = models.SmallIntegerField(_("NPS"))
    previous_nps = models.SmallIntegerField(_("previous NPS"), null=True, blank=True)
    created_at = models.DateTimeField(_("raised"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("NPS warning")
        verbose_name_plural = _("NPS warnings")
        ordering = ["-quarter", "level", "nps", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "quarter"], name="nps_warning_once")
        ]
        indexes = [models.Index(fields=["quarter", "level"], name="nps_warning_quarter_level")]

    def __str__(self) -> str:
        return f"{self.partner} · {self.quarter} · {self.level}"

    @property
    def change(self) -> int | None:
        return None if self.previous_nps is None else self.nps - self.previous_nps
