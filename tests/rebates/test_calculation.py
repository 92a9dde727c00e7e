"""The accrual calculation against DESIGN §5.1's rules, one worked example per row."""

from decimal import Decimal

import pytest
from django.db import connection
from django.utils.translation import gettext as _

from core.models import FxRate
from core.money import round_money
from rebates import calculation
from rebates.calculation import contract_sums
from rebates.models import Accrual
from rebates.rules import contract_rebate, trace_facts
from rebates.services import accruals_calculate
from tests.factories import PartnerFactory, tier

from .factories import PERIOD, line, programme, target

pytestmark = pytest.mark.django_db

M = 1_000_000

# id, tier, nps, programme fields, target, lines [(amount, options)], expected accrual
CASES = [
    (
        "design-worked-example",
        "gold",
        30,
        {"strategic_product_codes": ["STRAT"]},
        M,
        [(950_000, {}), (200_000, {"sku": "STRAT"})],
        "133100.00",
    ),
    ("79.99%-earns-nothing", "silver", None, {}, M, [(799_900, {})], "0.00"),
    ("80%-earns-5%", "silver", None, {}, M, [(800_000, {})], "40000.00"),
    (
        "99.99%-no-strategic-bonus",
        "silver",
        None,
        {"strategic_product_codes": ["STRAT"]},
        M,
        [(899_900, {}), (100_000, {"sku": "STRAT"})],
        "49995.00",
    ),
    (
        "100%-earns-10%-plus-strategic-bonus",
        "silver",
        None,
        {"strategic_product_codes": ["STRAT"]},
        M,
        [(900_000, {}), (100_000, {"sku": "STRAT"})],
        "103000.00",
    ),
    ("119.99%-earns-10%", "silver", None, {}, M, [(1_199_900, {})], "119990.00"),
    ("120%-earns-15%", "silver", None, {}, M, [(1_200_000, {})], "180000.00"),
    ("marginal-130%", "silver", None, {"mode": "marginal"}, M, [(1_300_000, {})], "45000.00"),
    ("marginal-90%", "silver", None, {"mode": "marginal"}, M, [(900_000, {})], "5000.00"),
    ("diamond-x1.2", "diamond", None, {}, M, [(1_000_000, {})], "120000.00"),
    ("gold-x1.1", "gold", None, {}, M, [(1_000_000, {})], "110000.00"),
    ("registered-x0", "registered", None, {}, M, [(1_000_000, {})], "0.00"),
    ("nps-below-0-x0.9", "silver", -5, {}, M, [(1_000_000, {})], "90000.00"),
    ("nps-0-neutral", "silver", 0, {}, M, [(1_000_000, {})], "100000.00"),
    ("nps-49-neutral", "silver", 49, {}, M, [(1_000_000, {})], "100000.00"),
    ("nps-50-x1.05", "silver", 50, {}, M, [(1_000_000, {})], "105000.00"),
    (
        "cap-20%-of-one-order",
        "diamond",
        None,
        {"strategic_product_codes": ["STRAT"]},
        M,
        [(1_200_000, {"sku": "STRAT"})],
        "240000.00",
    ),
    (
        "cap-per-deal-reference-before-order",
        "diamond",
        None,
        {"strategic_product_codes": ["STRAT"]},
        M,
        [(600_000, {"sku": "STRAT", "deal": "D-1"}), (600_000, {})],
        "228000.00",
    ),
    (
        "base-plus-share-above-target",
        "silver",
        None,
        {"mode": "base_share", "base_amount": Decimal("10000"), "share_rate": Decimal("0.05")},
        M,
        [(1_300_000, {})],
        "25000.00",
    ),
    (
        "base-plus-share-below-target",
        "silver",
        None,
        {"mode": "base_share", "base_amount": Decimal("10000"), "share_rate": Decimal("0.05")},
        M,
        [(999_999, {})],
        "0.00",
    ),
    (
        "base-plus-share-capped-per-contract",
        "silver",
        None,
        {"mode": "base_share", "base_amount": Decimal("300000"), "share_rate": Decimal("0")},
        M,
        [(500_000, {"order": "A"}), (500_000, {"order": "B"})],
        "200000.00",
    ),
    (
        "returns-reduce-revenue-in-period",
        "silver",
        None,
        {},
        M,
        [(1_100_000, {}), (100_000, {"kind": "return"})],
        "100000.00",
    ),
    (
        "more-returns-than-sales-floors-at-0",
        "silver",
        None,
        {},
        M,
        [(100_000, {}), (300_000, {"kind": "return", "order": "SO-2"})],
        "0.00",
    ),
    (
        "ineligible-products-do-not-count",
        "silver",
        None,
        {"eligible_product_codes": ["SKU-A"]},
        M,
        [(800_000, {}), (400_000, {"sku": "OTHER"})],
        "40000.00",
    ),
    (
        "lines-outside-the-quarter-do-not-count",
        "silver",
        None,
        {},
        M,
        [(800_000, {}), (400_000, {"day": "2026-10-01"}), (400_000, {"day": "2026-06-30"})],
        "40000.00",
    ),
    ("half-cent-rounds-up", "silver", None, {}, M, [(Decimal("800000.10"), {})], "40000.01"),
    ("half-cent-rounds-up-2", "silver", None, {}, M, [(Decimal("800000.30"), {})], "40000.02"),
]


def use_nps(monkeypatch, scores: dict[int, int]) -> None:
    rows = " UNION ALL ".join(f"SELECT {pid}::bigint, {nps}::int" for pid, nps in scores.items())
    monkeypatch.setattr(
        calculation,
        "partner_nps_sql",
        lambda: f"SELECT * FROM ({rows}) v(partner_id, nps)",  # noqa: S608 (test ints)
    )


def run() -> int:
    return accruals_calculate(period=PERIOD, partner_range=(0, 2**62))


@pytest.mark.parametrize(
    ("tier_code", "nps", "fields", "target_amount", "lines", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_accrual_matches_the_worked_example(
    monkeypatch, tier_code, nps, fields, target_amount, lines, expected
):
    # given
    partner = PartnerFactory(tier=tier(tier_code))
    if nps is not None:
        use_nps(monkeypatch, {partner.pk: nps})
    prog = programme(**fields)
    target(prog, partner, target_amount)
    for amount, options in lines:
        line(partner, amount, **options)
    # when
    run()
    # then
    accrual = Accrual.objects.get(partner=partner, programme=prog, period=str(PERIOD))
    assert accrual.amount == Decimal(expected)
    assert accrual.trace["amount"] == str(accrual.amount.quantize(Decimal("0.01")))


def test_worked_example_trace_explains_the_result():
    partner = PartnerFactory(tier=tier("gold"))
    prog = programme(strategic_product_codes=["STRAT"])
    target(prog, partner, M)
    line(partner, 950_000)
    line(partner, 200_000, sku="STRAT")
    run()
    trace = Accrual.objects.get(partner=partner).trace
    assert Decimal(trace["attainment"]) == Decimal("1.15")
    assert Decimal(trace["bracket_rate"]) == Decimal("0.10")
    assert Decimal(trace["strategic_bonus"]) == Decimal("0.03")
    assert Decimal(trace["multiplier"]) == Decimal("1.1")
    assert Decimal(trace["modifier"]) == 1
    assert Decimal(trace["strategic_revenue"]) == Decimal("200000")
    assert (trace["contract_count"], trace["capped_contracts"]) == (1, 0)
    # and the contract's own figures, recomputed from its lines, give the same rebate
    accrual = Accrual.objects.get(partner=partner)
    [(contract, net, strategic)] = contract_sums(accrual=accrual)
    figures = contract_rebate(trace=trace, net=net, strategic_net=strategic)
    assert contract == "SO-1" and figures["capped"] is False
    assert round_money(figures["rebate"], "CNY") == Decimal("133100.00")


def test_a_capped_contract_is_counted_in_the_trace_and_shown_with_its_cap():
    partner = PartnerFactory(tier=tier("diamond"))
    prog = programme(strategic_product_codes=["STRAT"])
    target(prog, partner, M)
    line(partner, 1_200_000, sku="STRAT", order="SO-BIG")
    line(partner, 100_000, order="SO-SMALL")
    run()
    accrual = Accrual.objects.get(partner=partner)
    assert (accrual.trace["contract_count"], accrual.trace["capped_contracts"]) == (2, 1)
    figures = {
        contract: contract_rebate(trace=accrual.trace, net=net, strategic_net=strategic)
        for contract, net, strategic in contract_sums(accrual=accrual)
    }
    big = figures["SO-BIG"]
    assert big["capped"] is True and big["rebate"] == big["cap"] == Decimal("240000")
    assert figures["SO-SMALL"]["capped"] is False
    # 1.3M = 130% → 15%: (100,000 × 15%) × 1.2 = 18,000 on the small contract, 240,000 capped
    assert accrual.amount == Decimal("258000.00")
    # and the trace says how much the cap removed: 259,200 − 240,000 on SO-BIG
    assert Decimal(accrual.trace["before_cap"]) == Decimal("277200")
    assert (_("Removed by the cap"), "CNY -19,200.00") in trace_facts(accrual.trace)


def test_multi_currency_lines_convert_at_the_rate_of_the_quarters_last_day():
    # given a USD partner with a CNY line; rates before, on and after the quarter's end
    partner = PartnerFactory(tier=tier("silver"), contract_currency="USD")
    for day, rate in (("2026-06-30", "9"), ("2026-09-30", "8"), ("2026-10-05", "7")):
        FxRate.objects.create(
            base_currency="USD", quote_currency="CNY", rate_date=day, rate=Decimal(rate)
        )
    prog = programme()
    target(prog, partner, 100_000)
    line(partner, 50_000)
    line(partner, 400_000, currency="CNY", order="SO-2")
    # when
    run()
    # then 400,000 CNY / 8 = 50,000 USD; R = 100,000 USD = 100% → 10%
    accrual = Accrual.objects.get(partner=partner)
    assert accrual.currency == "USD"
    assert accrual.revenue == Decimal("100000")
    assert accrual.amount == Decimal("10000.00")


@pytest.mark.parametrize(
    ("currency", "revenue"),
    [("CNY", "800000.10"), ("CNY", "800000.30"), ("JPY", "810"), ("KWD", "800.0010")],
)
def test_rounding_half_up_once_equals_round_money(currency, revenue):
    partner = PartnerFactory(tier=tier("silver"), contract_currency=currency)
    prog = programme()
    target(prog, partner, 1000 if currency != "CNY" else M)
    line(partner, Decimal(revenue))
    run()
    accrual = Accrual.objects.get(partner=partner)
    assert accrual.amount == round_money(Decimal(revenue) * Decimal("0.05"), currency)


def test_postgres_round_is_half_away_from_zero_for_both_signs():
    with connection.cursor() as cursor:
        cursor.execute("SELECT round(2.345::numeric, 2), round(-2.345::numeric, 2)")
        positive, negative = cursor.fetchone()
    assert positive == round_money(Decimal("2.345"), "CNY")
    assert negative == round_money(Decimal("-2.345"), "CNY")


def test_running_twice_gives_identical_rows_and_writes_nothing_the_second_time():
    partner = PartnerFactory(tier=tier("gold"))
    prog = programme()
    target(prog, partner, M)
    line(partner, 1_150_000)
    assert run() == 1
    first = list(Accrual.objects.values())
    assert run() == 0
    assert list(Accrual.objects.values()) == first


def test_a_rerun_after_a_crash_mid_run_leaves_no_duplicates(monkeypatch):
    # given two partners; the run dies after the first programme's statement
    partners = [PartnerFactory(tier=tier("silver")) for _ in range(2)]
    progs = [programme(), programme()]
    for p in partners:
        for prog in progs:
            target(prog, p, M)
        line(p, 900_000)
    real_execute = connection.cursor().__class__.execute
    calls = {"n": 0}

    def dying_execute(self, sql, params=None):
        if "INSERT INTO rebates_accrual" in sql:
            calls["n"] += 1
            if calls["n"] == 2:
                raise RuntimeError("worker died")
        return real_execute(self, sql, params)

    monkeypatch.setattr(connection.cursor().__class__, "execute", dying_execute)
    with pytest.raises(RuntimeError):
        run()
    assert Accrual.objects.count() == 0  # the chunk's transaction rolled back
    monkeypatch.undo()
    # when
    run()
    run()
    # then
    assert Accrual.objects.count() == 4
    assert {a.amount for a in Accrual.objects.all()} == {Decimal("45000.00")}


def test_a_changed_input_updates_the_accrual_in_place():
    partner = PartnerFactory(tier=tier("silver"))
    prog = programme()
    target(prog, partner, M)
    line(partner, 800_000)
    run()
    line(partner, 200_000, order="SO-2")
    assert run() == 1
    accrual = Accrual.objects.get()
    assert accrual.amount == Decimal("100000.00")


def test_partners_are_split_into_chunks_that_each_compute_their_own_range():
    from rebates.services import partner_chunks

    partners = [PartnerFactory(tier=tier("silver")) for _ in range(5)]
    prog = programme()
    for p in partners:
        target(prog, p, M)
        line(p, 800_000)
    ranges = partner_chunks(period=PERIOD, chunks=2)
    assert len(ranges) == 2
    accruals_calculate(period=PERIOD, partner_range=tuple(ranges[0]))
    assert Accrual.objects.count() == 3
    accruals_calculate(period=PERIOD, partner_range=tuple(ranges[1]))
    assert Accrual.objects.count() == 5


D = Decimal


@pytest.mark.parametrize(
    ("brackets", "message"),
    [
        ([], "at least one bracket"),
        ([(D(10), None, D("0.1"))], "start at 0"),
        ([(D(0), D(80), D(0)), (D(70), None, D("0.05"))], "overlap"),
        ([(D(0), D(80), D(0)), (D(90), None, D("0.05"))], "gap"),
        ([(D(0), None, D(0)), (D(80), None, D("0.05"))], "overlap"),
        ([(D(0), D(80), D(0)), (D(80), D(100), D("0.05"))], "no upper limit"),
        ([(D(0), None, D("1.5"))], "between 0 and 1"),
    ],
)
def test_bracket_validation_refuses_bad_brackets(brackets, message):
    from django.core.exceptions import ValidationError

    from rebates.models import Programme, brackets_validate

    with pytest.raises(ValidationError) as caught:
        brackets_validate(brackets)
    assert message in " ".join(caught.value.messages)
    with pytest.raises(ValidationError):
        programme(brackets=brackets)
    assert not Programme.objects.exists()
