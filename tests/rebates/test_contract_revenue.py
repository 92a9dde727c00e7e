"""Revenue per contract, added to as lines arrive, and the cap rules that read it (DESIGN §5.2).

The calculation settles most contracts with a rule per partner instead of one by one; every
accrual here is checked against the contract-by-contract evaluation of its own lines.
"""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.models import FxRate
from core.money import round_money
from rebates.calculation import contract_revenue_refresh, contract_sums
from rebates.importers import STAGE_COLUMNS, sales_lines_load
from rebates.models import Accrual, ContractRevenue, ContractRevenueBuild, SalesLine
from rebates.rules import contract_rebate
from rebates.services import (
    accruals_calculate,
    contract_revenue_add_new_lines,
    programme_save,
)
from tests.factories import PartnerFactory, tier

from .factories import PERIOD, line, programme, target

pytestmark = pytest.mark.django_db

M = 1_000_000
D = Decimal


def run(period=PERIOD) -> int:
    return accruals_calculate(period=period, partner_range=(0, 2**62))


def revenue_rows(prog) -> list[tuple]:
    return list(
        ContractRevenue.objects.filter(programme=prog)
        .order_by("period", "partner_id", "contract", "currency")
        .values_list("period", "partner_id", "contract", "currency", "net", "strategic_net")
    )


def rebuilt_rows(prog) -> list[tuple]:
    """The rows a build from the lines gives, for comparison with what was added bit by bit."""
    ContractRevenueBuild.objects.filter(programme=prog).delete()
    assert contract_revenue_refresh(programme_id=prog.pk, period=PERIOD) == "built"
    return revenue_rows(prog)


def import_lines(partner, rows: list[dict]) -> None:
    out = io.StringIO()
    out.write(",".join(STAGE_COLUMNS) + "\n")
    for number, row in enumerate(rows, start=1):
        cells = {
            "partner_tax_id": partner.tax_id,
            "order_number": "SO-IMP",
            "invoice_number": f"IMP-{partner.pk}-{number}",
            "line": "1",
            "invoice_date": "2026-09-01",
            "product_code": "SKU-A",
            "quantity": "1",
            "net_amount": "0",
            "currency": partner.contract_currency,
            "kind": "sale",
            "deal_reference": "",
        } | row
        out.write(",".join(str(cells[c]) for c in STAGE_COLUMNS) + "\n")
    out.seek(0)
    _count, saved, errors = sales_lines_load(out, batch_id=None)
    assert not errors and saved == len(rows)


def test_the_first_run_of_a_quarter_builds_its_contract_revenue_from_the_lines():
    partner = PartnerFactory(tier=tier("silver"))
    prog = programme(strategic_product_codes=["STRAT"])
    target(prog, partner, M)
    line(partner, 500_000, order="SO-1")
    line(partner, 300_000, order="SO-1", sku="STRAT")
    line(partner, 50_000, order="SO-1", kind="return")
    line(partner, 200_000, deal="D-7", order="SO-2")
    line(partner, 999_000, order="SO-3", day="2026-10-01")  # next quarter
    assert not ContractRevenue.objects.exists()
    run()
    assert revenue_rows(prog) == [
        ("2026Q3", partner.pk, "D-7", "CNY", D("200000"), D("0")),
        ("2026Q3", partner.pk, "SO-1", "CNY", D("750000"), D("300000")),
    ]
    assert ContractRevenueBuild.objects.get(programme=prog).period == "2026Q3"


def test_lines_added_after_a_run_are_added_once_whatever_inserted_them():
    # given a built quarter
    partner = PartnerFactory(tier=tier("silver"))
    prog = programme(strategic_product_codes=["STRAT"])
    target(prog, partner, M)
    line(partner, 700_000)
    run()
    build = ContractRevenueBuild.objects.get(programme=prog)
    # when lines arrive one by one (ORM), in bulk and through an import
    line(partner, 100_000, sku="STRAT")
    line(partner, 20_000, kind="return", order="SO-2")
    SalesLine.objects.bulk_create(
        [
            SalesLine(
                partner=partner,
                order_number="SO-BULK",
                invoice_number=f"BULK-{n}",
                line_number=1,
                invoice_date="2026-07-02",
                product_code="STRAT",
                quantity=1,
                net_amount=D("1000.5"),
                currency="CNY",
                kind="sale",
            )
            for n in range(3)
        ]
    )
    import_lines(
        partner,
        [
            {"net_amount": "40000", "product_code": "STRAT"},
            {"net_amount": "15000", "kind": "return", "order_number": "SO-1"},
            {"net_amount": "5000", "invoice_date": "2026-12-01"},  # another quarter
        ],
    )
    # then they are added up to the last line, and a second pass adds nothing
    assert contract_revenue_add_new_lines() == {f"{prog.pk}/2026Q3": "added"}
    assert contract_revenue_add_new_lines() == {f"{prog.pk}/2026Q3": "current"}
    build.refresh_from_db()
    assert build.line_watermark == SalesLine.objects.latest("pk").pk
    kept = revenue_rows(prog)
    assert ("2026Q3", partner.pk, "SO-BULK", "CNY", D("3001.5"), D("3001.5")) in kept
    # exactly what a build from the lines gives
    assert kept == rebuilt_rows(prog)
    # and the accrual counts them: 700 + 100 − 20 + 3.0015 + 40 − 15 = 808.0015k → 80% → 5%
    run()
    assert Accrual.objects.get().amount == round_money(D("808001.5") * D("0.05"), "CNY")


def test_a_run_adds_the_lines_that_arrived_since_before_it_reads(client, finance_user, committed):
    partner = PartnerFactory(tier=tier("silver"))
    prog = programme()
    target(prog, partner, M)
    line(partner, 700_000)
    run()
    line(partner, 150_000, order="SO-2")
    run()
    assert Accrual.objects.get().amount == D("42500.00")
    # an upload adds its lines as soon as it is committed, without waiting for a run
    client.force_login(finance_user)
    header = ",".join(STAGE_COLUMNS)
    text = f"{header}\n{partner.tax_id},SO-3,UP-1,1,2026-09-09,SKU-A,1,50000,CNY,sale,\n"
    with committed():
        client.post(
            reverse("core:import_upload", args=["sales_lines"]),
            {"file": SimpleUploadedFile("lines.csv", text.encode(), content_type="text/csv")},
        )
    assert ("2026Q3", partner.pk, "SO-3", "CNY", D("50000"), D("0")) in revenue_rows(prog)


def test_changing_a_programmes_products_rebuilds_its_contract_revenue():
    partner = PartnerFactory(tier=tier("silver"))
    prog = programme()
    target(prog, partner, M)
    line(partner, 900_000)
    line(partner, 100_000, sku="STRAT", order="SO-2")
    run()
    assert Accrual.objects.get().amount == D("100000.00")  # 100% → 10%, no strategic products
    # when STRAT becomes strategic and SKU-A ineligible
    prog.strategic_product_codes = ["STRAT"]
    prog.eligible_product_codes = ["STRAT"]
    programme_save(actor=None, programme=prog, brackets=[(D(0), None, D("0.10"))])
    line(partner, 50_000, sku="SKU-A", order="SO-3")  # ineligible now
    # the additions after an import leave the outdated quarter to the run, which rebuilds it
    assert contract_revenue_add_new_lines() == {f"{prog.pk}/2026Q3": "stale"}
    run()
    # then only STRAT counts: 100,000 at 10% (attainment 10%: no bonus)
    assert revenue_rows(prog) == [("2026Q3", partner.pk, "SO-2", "CNY", D("100000"), D("100000"))]
    assert Accrual.objects.get().amount == D("10000.00")


def test_a_quarter_that_was_never_built_is_left_to_its_first_run():
    partner = PartnerFactory(tier=tier("silver"))
    prog = programme()
    target(prog, partner, M)
    line(partner, 800_000)
    run()
    line(partner, 900_000, day="2026-11-02")
    assert {r[0] for r in revenue_rows(prog)} == {"2026Q3"}
    target(prog, partner, M, period="2026Q4")
    run(PERIOD.next())
    assert {r[0] for r in revenue_rows(prog)} == {"2026Q3", "2026Q4"}
    assert Accrual.objects.get(period="2026Q4").amount == D("45000.00")


def every_contract(accrual) -> tuple[Decimal, int, int]:
    """(amount, capped contracts, contracts) evaluating each contract of the lines in Python."""
    figures = [
        contract_rebate(trace=accrual.trace, net=net, strategic_net=strategic)
        for _contract, net, strategic in contract_sums(accrual=accrual)
    ]
    total = sum((f["rebate"] for f in figures), D(0))
    capped = sum(1 for f in figures if f["capped"])
    return max(round_money(total, accrual.currency), D(0)), capped, len(figures)


# (tier, programme fields, contracts: {contract: [(amount, options)]}) — each shape lands in one of
# the calculation's rules: plain contracts never capped, always capped, or evaluated one by one.
SHAPES = {
    # silver at 110%: r·k = 0.10, with bonus 0.13 ≤ 0.20 → plain contracts never capped
    "never-capped": (
        "silver",
        {"strategic_product_codes": ["STRAT"]},
        {
            "A": [(600_000, {}), (100_000, {"sku": "STRAT"})],
            "B": [(400_000, {"sku": "STRAT"})],
        },
    ),
    # a 30% bracket: r·k = 0.33 > 0.20 → every plain contract capped at 20%
    "always-capped": (
        "gold",
        {"brackets": [(D(0), None, D("0.30"))]},
        {"A": [(500_000, {})], "B": [(250_000, {})], "C": [(1, {})]},
    ),
    # diamond at 130%: r·k = 0.18 ≤ 0.20 < (0.15 + 0.03)·1.2 → by strategic share, one by one
    "in-between": (
        "diamond",
        {"strategic_product_codes": ["STRAT"]},
        {
            "ALL-STRAT": [(700_000, {"sku": "STRAT"})],
            "HALF": [(200_000, {"sku": "STRAT"}), (200_000, {})],
            "NONE": [(200_000, {})],
        },
    ),
    # contracts that are not plain, next to plain ones, under both rules
    "odd-contracts-never-capped": (
        "silver",
        {"strategic_product_codes": ["STRAT"]},
        {
            "PLAIN": [(1_200_000, {})],
            "MORE-RETURNED": [(10_000, {}), (60_000, {"kind": "return"})],
            "STRAT-ABOVE-NET": [(50_000, {"sku": "STRAT"}), (45_000, {"kind": "return"})],
            "STRAT-RETURNED": [(80_000, {}), (30_000, {"sku": "STRAT", "kind": "return"})],
            "ZERO": [(5_000, {}), (5_000, {"kind": "return"})],
        },
    ),
    "odd-contracts-always-capped": (
        "silver",
        {"strategic_product_codes": ["STRAT"], "brackets": [(D(0), None, D("0.25"))]},
        {
            "PLAIN": [(300_000, {})],
            "MORE-RETURNED": [(10_000, {}), (60_000, {"kind": "return"})],
            "STRAT-ABOVE-NET": [(50_000, {"sku": "STRAT"}), (45_000, {"kind": "return"})],
        },
    ),
    # base plus share: r = B ÷ R is not a round number
    "base-plus-share": (
        "gold",
        {"mode": "base_share", "base_amount": D("12345.67"), "share_rate": D("0.07")},
        {"A": [(700_000, {})], "B": [(333_333.33, {})], "C": [(123_456.78, {})]},
    ),
    # marginal brackets, strategic bonus, several contracts with deal references
    "marginal": (
        "diamond",
        {"mode": "marginal", "strategic_product_codes": ["STRAT"]},
        {
            "A": [(900_000, {"deal": "D-1"}), (100_000, {"sku": "STRAT", "deal": "D-1"})],
            "B": [(350_000, {"sku": "STRAT"})],
        },
    ),
}


@pytest.mark.parametrize("shape", SHAPES, ids=list(SHAPES))
def test_every_rule_gives_the_contract_by_contract_amount(shape):
    tier_code, fields, contracts = SHAPES[shape]
    partner = PartnerFactory(tier=tier(tier_code))
    prog = programme(**fields)
    target(prog, partner, M)
    for contract, lines in contracts.items():
        for amount, options in lines:
            line(partner, amount, order=contract, **options)
    run()
    accrual = Accrual.objects.get(partner=partner)
    amount, capped, count = every_contract(accrual)
    assert accrual.amount == amount
    assert (accrual.trace["capped_contracts"], accrual.trace["contract_count"]) == (capped, count)


def test_a_partner_with_lines_in_other_currencies_is_evaluated_contract_by_contract():
    # given a USD partner; one contract mixes USD and CNY lines, one is CNY only
    partner = PartnerFactory(tier=tier("diamond"), contract_currency="USD")
    FxRate.objects.create(
        base_currency="USD", quote_currency="CNY", rate_date="2026-09-30", rate=D("8")
    )
    prog = programme(strategic_product_codes=["STRAT"])
    target(prog, partner, 100_000)
    line(partner, 60_000, order="MIXED", sku="STRAT")
    line(partner, 400_000, order="MIXED", currency="CNY", kind="return")  # 50,000 USD
    line(partner, 800_000, order="CNY-ONLY", currency="CNY", sku="STRAT")  # 100,000 USD
    line(partner, 20_000, order="USD-ONLY")
    # when
    run()
    # then R = 10,000 + 100,000 + 20,000 = 130,000 USD (130% → 15%), MIXED is capped as a whole
    accrual = Accrual.objects.get(partner=partner)
    assert accrual.revenue == D("130000")
    assert list(accrual.trace["fx"]) == ["CNY"] and D(accrual.trace["fx"]["CNY"]) == D("0.125")
    amount, capped, count = every_contract(accrual)
    assert (accrual.amount, accrual.trace["capped_contracts"], count) == (amount, capped, 3)
    assert capped == 2  # MIXED (strategic above net) and CNY-ONLY (all strategic)
