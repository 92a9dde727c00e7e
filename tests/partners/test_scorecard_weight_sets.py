"""Scorecard KPIs by channel type and region, measured criteria, and the set-based yearly run
(DESIGN §2.4)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.choices import Role
from core.models import AuditEvent
from partners import services
from partners.choices import PartnerType, ScorecardKind
from partners.models import SCORE_FIELDS, Partner, Scorecard, ScorecardWeightSet
from partners.rules import team_score, weight_set_for

from ..factories import PartnerFactory, staff, tier
from ..rebates.factories import programme, target
from .programme import answers, certify, revenue

pytestmark = pytest.mark.django_db

YEAR_END = dt.datetime(2027, 1, 1, 3, tzinfo=dt.UTC)
EVEN = {
    "weight_revenue": 20,
    "weight_marketing": 20,
    "weight_satisfaction": 20,
    "weight_compliance": 20,
    "weight_team": 20,
    "weight_inventory": 0,  # optional (DESIGN §2.4): left out unless chosen
}


def weight_set(name, *, types=(), regions=(), **weights) -> ScorecardWeightSet:
    return services.scorecard_weight_set_save(
        actor=staff(Role.ADMIN),
        name=name,
        partner_types=list(types),
        regions=list(regions),
        **(EVEN | weights),
    )


# --- which set rules -----------------------------------------------------------------------------


class _Set:
    def __init__(self, pk, types=(), regions=()):
        self.pk, self.partner_types, self.regions = pk, list(types), list(regions)
        self.specificity = (2 if types else 0) + (1 if regions else 0)


SETS = [
    _Set(1, regions=["CN-SH", "CN-JS"]),
    _Set(2, types=["distributor"]),
    _Set(3, types=["distributor"], regions=["CN-SH"]),
    _Set(4, regions=["CN-BJ"]),
]


@pytest.mark.parametrize(
    ("partner_type", "regions", "expected"),
    [
        ("distributor", ["CN-SH"], 3),  # type + region beats type and region
        ("distributor", ["CN-JS"], 2),  # type beats region
        ("reseller", ["CN-JS"], 1),  # region only
        ("reseller", ["CN-GD"], None),  # nothing matches: the default weights
        ("reseller", ["CN-BJ", "CN-SH"], 1),  # two regions of equal rank: the first created
        ("distributor", [], 2),
    ],
)
def test_the_most_specific_weight_set_wins(partner_type, regions, expected):
    chosen = weight_set_for(SETS, partner_type=partner_type, regions=regions)
    assert (chosen.pk if chosen else None) == expected


@pytest.mark.parametrize(
    ("cohort", "retained", "certified", "required", "score"),
    [
        (0, 0, 2, 2, 100),  # nobody certified a year ago: certifications alone
        (0, 0, 1, 2, 50),
        (4, 2, 2, 2, 75),  # (50 + 100) / 2
        (4, 4, 5, 2, 100),  # both capped at 100
        (3, 1, 1, 2, 42),  # (33 + 50) / 2 = 41.5 → 42 half up
        (4, 0, 0, 2, 0),
    ],
)
def test_team_score_is_the_mean_of_stability_and_certifications(
    cohort, retained, certified, required, score
):
    assert (
        team_score(cohort=cohort, retained=retained, certified=certified, required=required)
        == score
    )


# --- saving weight sets --------------------------------------------------------------------------


def test_a_weight_set_is_saved_normalised_and_audited():
    saved = weight_set(
        "  Distributor ·  East China ", types=["distributor"], regions=["CN-ZJ", "CN-SH", "CN-SH"]
    )
    assert saved.name == "Distributor · East China"
    assert saved.regions == ["CN-SH", "CN-ZJ"]
    event = AuditEvent.objects.get(action="scorecard.weight_set_created")
    assert event.changes["regions"] == {"before": None, "after": ["CN-SH", "CN-ZJ"]}
    changed = services.scorecard_weight_set_save(
        actor=staff(Role.ADMIN), weight_set=saved, weight_revenue=40, weight_team=0
    )
    event = AuditEvent.objects.get(action="scorecard.weight_set_changed")
    assert event.changes == {
        "weight_revenue": {"before": 20, "after": 40},
        "weight_team": {"before": 20, "after": 0},
    }
    assert changed.weight_revenue == 40


@pytest.mark.parametrize(
    ("values", "fields"),
    [
        ({"weight_team": 25}, {"weight_revenue", "weight_team", "weight_marketing"}),
        ({"partner_types": [], "regions": []}, {"partner_types", "regions"}),
        ({"partner_types": ["franchise"]}, {"partner_types"}),
        ({"regions": ["CN-XX"]}, {"regions"}),
        ({"name": " "}, {"name"}),
    ],
)
def test_invalid_weight_sets_are_refused_per_field(values, fields):
    data = {"name": "Resellers", "partner_types": ["reseller"], "regions": []} | EVEN | values
    with pytest.raises(ValidationError) as exc:
        services.scorecard_weight_set_save(actor=staff(Role.ADMIN), **data)
    assert fields <= set(exc.value.error_dict)
    assert not ScorecardWeightSet.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="scorecard.weight_set").exists()


def test_two_sets_of_one_rank_may_not_name_the_same_type_and_region():
    weight_set("East resellers", types=["reseller"], regions=["CN-SH", "CN-JS"])
    with pytest.raises(ValidationError) as exc:
        weight_set("Shanghai resellers", types=["reseller", "isv"], regions=["CN-SH"])
    assert "East resellers" in exc.value.error_dict["regions"][0].messages[0]
    # a different rank, or a disjoint region, is fine
    weight_set("Resellers", types=["reseller"])
    weight_set("Beijing resellers", types=["reseller"], regions=["CN-BJ"])
    assert ScorecardWeightSet.objects.count() == 3


def test_database_refuses_a_weight_set_not_adding_up_to_100_or_naming_nobody():
    with pytest.raises(IntegrityError), transaction.atomic():
        ScorecardWeightSet.objects.create(
            name="x", regions=["CN-SH"], **(EVEN | {"weight_team": 1})
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        ScorecardWeightSet.objects.create(name="y", **EVEN)


# --- scoring with them ---------------------------------------------------------------------------


@time_machine.travel(YEAR_END)
def test_the_scorecard_records_the_weight_set_it_used(client, manager):
    east = weight_set("Distributor · East China", types=["distributor"], regions=["CN-SH"])
    weight_set("Distributors", types=["distributor"], weight_revenue=40, weight_team=0)
    partner = PartnerFactory(
        partner_type=PartnerType.DISTRIBUTOR, regions=["CN-SH"], channel_manager=manager
    )
    other = PartnerFactory(partner_type=PartnerType.RESELLER, regions=["CN-SH"])
    scorecard = services.scorecard_evaluate(
        partner=partner, actor=None, kind=ScorecardKind.YEARLY, year=2026
    )
    default = services.scorecard_evaluate(
        partner=other, actor=None, kind=ScorecardKind.YEARLY, year=2026
    )
    assert (scorecard.weight_set, scorecard.weight_set_name) == (east, east.name)
    assert scorecard.weights == EVEN
    assert (default.weight_set, default.weight_set_name) == (None, "")
    assert default.weights["weight_revenue"] == 40
    # the page says which weights scored it
    client.force_login(manager)
    page = client.get(reverse("partners:scorecard_detail", args=[scorecard.pk])).content.decode()
    assert "weights: Distributor · East China" in page


@time_machine.travel(YEAR_END)
def test_revenue_attainment_is_against_the_partners_targets():
    # given a Silver partner (tier requirement 1,000,000) with targets of 4 × 150,000 in 2026
    partner = PartnerFactory(tier=tier("silver"))
    prog = programme()
    for quarter in ("2026Q1", "2026Q2", "2026Q3", "2026Q4"):
        target(prog, partner, "150000", period=quarter)
    target(prog, partner, "999999", period="2025Q4")  # outside the year
    revenue(partner, "450000", day="2026-05-10")
    without = PartnerFactory(tier=tier("silver"))
    revenue(without, "450000", day="2026-05-10")
    # when
    scored = services.scorecard_evaluate(
        partner=partner, actor=None, kind=ScorecardKind.YEARLY, year=2026
    )
    fallback = services.scorecard_evaluate(
        partner=without, actor=None, kind=ScorecardKind.YEARLY, year=2026
    )
    # then 450,000 / 600,000 = 75; without a target against the tier: 450,000 / 1,000,000 = 45
    assert scored.score_revenue == 75
    assert scored.figures["revenue_target"] == "600000.00"
    assert scored.figures["revenue_target_source"] == "target"
    assert fallback.score_revenue == 45
    assert fallback.figures["revenue_target_source"] == "tier"


@time_machine.travel(YEAR_END)
def test_team_stability_counts_certified_staff_still_active_a_year_on():
    # given 4 people certified at the partner in 2025, valid on 31 December 2025: one has left
    # the company, one was deactivated; and 2 certified now against the Silver requirement of 2
    partner = PartnerFactory(tier=tier("silver"))
    certify(partner, total=4, issued=dt.date(2025, 6, 1))
    people = list(partner.users.order_by("pk"))
    people[0].is_active = False
    people[0].save(update_fields=["is_active"])
    people[1].partner = PartnerFactory()
    people[1].save(update_fields=["partner"])
    # when
    scorecard = services.scorecard_evaluate(
        partner=partner, actor=None, kind=ScorecardKind.YEARLY, year=2026
    )
    # then stability 2 / 4 = 50, certifications 4 valid / 2 required = 100: team (50 + 100) / 2
    assert scorecard.figures["certified_staff_year_before"] == 4
    assert scorecard.figures["certified_staff_retained"] == 2
    assert scorecard.score_team == 75


# --- the set-based yearly run gives what the rules give per partner -----------------------------


class _Rollback(Exception):
    pass


def _mixed_world():
    """Partners of every type, region and tier with and without targets, certifications (some
    gone), NPS answers, violations and weight sets of each rank."""
    weight_set("Distributor · East China", types=["distributor"], regions=["CN-SH", "CN-JS"])
    weight_set("Distributors", types=["distributor"], weight_revenue=40, weight_team=0)
    weight_set("ISV", types=["isv"], weight_marketing=0, weight_satisfaction=40)
    weight_set("South", regions=["CN-GD"], weight_compliance=40, weight_team=0)
    services.scorecard_weights_update(actor=staff(Role.ADMIN), weight_revenue=35, weight_team=15)
    manager = staff()
    prog = programme()
    kinds = list(PartnerType)
    regions = [["CN-SH"], ["CN-GD"], ["CN-BJ"], ["CN-JS", "CN-GD"], []]
    tiers = ["registered", "silver", "gold", "diamond"]
    partners = []
    for index in range(20):
        partner = PartnerFactory(
            partner_type=kinds[index % len(kinds)],
            regions=regions[index % len(regions)],
            tier=tier(tiers[index % len(tiers)]),
            channel_manager=manager if index % 3 else None,
            classification=["", "A", "C"][index % 3],
        )
        partners.append(partner)
        if index % 2:
            revenue(partner, str(300000 * (index + 1)), day="2026-04-10")
        if index % 4 == 1:
            revenue(partner, "20000", day="2026-11-10", kind="return")
        if index % 3 == 0:
            for quarter in ("2026Q2", "2026Q3"):
                target(prog, partner, str(100000 * (index + 1)), period=quarter)
        if index % 5:
            certify(partner, total=index % 4 + 1, issued=dt.date(2025, 3, 1))
        if index % 7 == 2:
            gone = partner.users.first()
            gone.is_active = False
            gone.save(update_fields=["is_active"])
        if index % 3 == 1:
            answers(partner, "2026Q4", [10, 9, 3, index % 11])
        if index % 6 == 5:
            with time_machine.travel(dt.datetime(2026, 6, 1, tzinfo=dt.UTC)):
                services.compliance_violation_create(
                    partner=partner, kind="other", description="Late", actor=None
                )
    PartnerFactory(status="terminated")
    return partners


def _stored(partners) -> dict:
    rows = {}
    for scorecard in Scorecard.objects.filter(year=2026, kind=ScorecardKind.YEARLY):
        rows[scorecard.partner_id] = {
            **{name: getattr(scorecard, name) for name in SCORE_FIELDS},
            "weights": scorecard.weights,
            "weight_set": scorecard.weight_set_id,
            "weight_set_name": scorecard.weight_set_name,
            "figures": scorecard.figures,
            "total": scorecard.total,
            "classification": scorecard.classification,
        }
    classes = dict(Partner.objects.values_list("pk", "classification"))
    audits = sorted(
        (
            event.object_id,
            event.object_repr,
            event.content_type_id,
            event.partner_id,
            event.actor_repr,
            event.note,
            json.dumps(event.changes, sort_keys=True),
        )
        for event in AuditEvent.objects.filter(action="partner.classified")
    )
    return {"scorecards": rows, "classes": classes, "audits": audits}


@time_machine.travel(YEAR_END)
def test_the_set_based_yearly_run_equals_the_rules_per_partner(monkeypatch):
    # given a mixed data set, scored in chunks of 7 so that chunks cut through it
    partners = _mixed_world()
    monkeypatch.setattr("partners.services.scorecards.SCORECARD_CHUNK", 7)
    # when the yearly run scores everyone set-based (then undone) ...
    try:
        with transaction.atomic():
            summary = services.scorecard_evaluate_yearly(year=2026)
            batch = _stored(partners)
            raise _Rollback
    except _Rollback:
        pass
    assert not Scorecard.objects.exists()
    # ... and each partner is scored on its own by the per-partner evaluation
    for partner in partners:
        services.scorecard_evaluate(
            partner=partner, actor=None, kind=ScorecardKind.YEARLY, year=2026
        )
    single = _stored(partners)
    # then both give the same scorecards, classes and audit rows
    assert summary == {"evaluated": 20, "skipped": 0}
    assert batch == single
    used = {row["weight_set_name"] for row in single["scorecards"].values()}
    assert used == {"", "Distributor · East China", "Distributors", "ISV", "South"}
    assert {row["figures"]["revenue_target_source"] for row in single["scorecards"].values()} == {
        "target",
        "tier",
    }
    assert len({row["classification"] for row in single["scorecards"].values()}) >= 2


@time_machine.travel(YEAR_END)
def test_the_yearly_run_takes_a_fixed_number_of_queries_per_chunk():
    # given partners that all change class, half of them without a channel manager
    manager = staff()
    staff(Role.CHANNEL_DIRECTOR)

    def queries(count: int) -> int:
        for index in range(count):
            partner = PartnerFactory(channel_manager=None if index % 2 else manager)
            revenue(partner, "1000000", day="2026-05-05")
            certify(partner, total=1)
        with CaptureQueriesContext(connection) as captured:
            summary = services.scorecard_evaluate_yearly(year=2026)
        assert summary["evaluated"] == count
        return len(captured.captured_queries)

    # when ten times as many partners are scored, then the number of statements stays
    few = queries(3)
    many = queries(30)
    assert many == few
    assert AuditEvent.objects.filter(action="partner.classified").count() == 33


def test_the_yearly_ranges_cover_every_partner_once():
    partners = [PartnerFactory() for _ in range(7)]
    PartnerFactory(status="terminated")
    ranges = services.scorecard_yearly_ranges(chunks=3)
    assert len(ranges) == 3
    covered = [p.pk for p in partners if any(lo <= p.pk <= hi for lo, hi in ranges)]
    assert covered == [p.pk for p in partners]
    assert all(ranges[i][1] < ranges[i + 1][0] for i in range(len(ranges) - 1))


@time_machine.travel(YEAR_END)
def test_ranges_run_by_several_workers_give_one_scorecard_each():
    partners = [PartnerFactory() for _ in range(5)]
    first, second = services.scorecard_yearly_ranges(chunks=2)
    services.scorecard_evaluate_yearly(year=2026, first_id=first[0], last_id=first[1])
    again = services.scorecard_evaluate_yearly(year=2026, first_id=first[0], last_id=first[1])
    services.scorecard_evaluate_yearly(year=2026, first_id=second[0], last_id=second[1])
    assert again["evaluated"] == 0 and again["skipped"] > 0
    assert sorted(Scorecard.objects.values_list("partner_id", flat=True)) == [
        p.pk for p in partners
    ]


@time_machine.travel(YEAR_END)
def test_the_yearly_task_fans_ranges_out_to_workers():
    from partners.tasks import scorecard_evaluate_yearly_task

    partners = [PartnerFactory() for _ in range(6)]
    summary = scorecard_evaluate_yearly_task(2026, workers=3)
    assert len(summary["ranges"]) == 3
    assert Scorecard.objects.filter(year=2026).count() == len(partners)
    assert scorecard_evaluate_yearly_task(2026) == {"evaluated": 0, "skipped": 6}


# --- pages and API -------------------------------------------------------------------------------


def test_settings_page_creates_and_edits_a_weight_set(client, admin_user):
    client.force_login(admin_user)
    data = EVEN | {"name": "Distributor · East China", "partner_types": ["distributor"]}
    response = client.post(
        reverse("partners:scorecard_weight_set_create"), data | {"regions": ["CN-SH", "CN-ZJ"]}
    )
    assert response.status_code == 302
    saved = ScorecardWeightSet.objects.get()
    assert saved.changed_by == admin_user
    listing = client.get(reverse("partners:scorecard_weights")).content.decode()
    assert "Distributor · East China" in listing and "Shanghai, Zhejiang" in listing
    edit = reverse("partners:scorecard_weight_set_edit", args=[saved.pk])
    assert client.get(edit).status_code == 200
    response = client.post(edit, data | {"regions": ["CN-SH"], "weight_team": 30})
    assert response.status_code == 400
    assert 'id="error-weight_team"' in response.content.decode()
    saved.refresh_from_db()
    assert saved.regions == ["CN-SH", "CN-ZJ"]


def test_settings_page_refuses_bad_input_per_field(client, admin_user):
    client.force_login(admin_user)
    url = reverse("partners:scorecard_weight_set_create")
    response = client.post(url, EVEN | {"name": "Nobody", "weight_revenue": "x"})
    assert response.status_code == 400
    assert 'id="error-weight_revenue"' in response.content.decode()
    response = client.post(url, EVEN | {"name": "Nobody"})
    assert response.status_code == 400
    assert 'id="error-regions"' in response.content.decode()
    assert not ScorecardWeightSet.objects.exists()


def test_settings_pages_are_for_administrators(client, manager):
    client.force_login(manager)
    assert client.get(reverse("partners:scorecard_weight_set_create")).status_code == 403


def test_api_reads_weight_sets_for_staff(client, manager, partner_user):
    saved = weight_set("ISV", types=["isv"])
    client.force_login(manager)
    rows = client.get("/api/v1/partners/scorecard-weight-sets/").json()["results"]
    assert rows[0]["name"] == "ISV" and rows[0]["partner_types"] == ["isv"]
    assert rows[0]["specificity"] == 2 and rows[0]["weight_team"] == 20
    detail = client.get(f"/api/v1/partners/scorecard-weight-sets/{saved.pk}/")
    assert detail.status_code == 200
    client.force_login(partner_user)
    assert client.get("/api/v1/partners/scorecard-weight-sets/").status_code == 403


def test_scorecard_api_names_the_weight_set(client, manager):
    saved = weight_set("Resellers", types=["reseller"])
    partner = PartnerFactory(partner_type=PartnerType.RESELLER, channel_manager=manager)
    services.scorecard_evaluate(
        partner=partner, actor=manager, kind=ScorecardKind.ON_DEMAND, reason="Review"
    )
    client.force_login(manager)
    row = client.get("/api/v1/partners/scorecards/").json()["results"][0]
    assert (row["weight_set"], row["weight_set_name"]) == (saved.pk, "Resellers")
    assert Decimal(row["total"]) >= 0
