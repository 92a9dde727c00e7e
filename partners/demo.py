"""Demo partners: four with users for every partner role, about fifty more over every tier, type
and region with a distributor hierarchy, agreements in every state, applications in the pipeline,
credit limit applications, business reports and visits, NPS survey answers, two quarters of tier
evaluations with pending proposals, tier history and the last year's scorecards. Safe to run again.

Sales lines and certifications are loaded by later apps' demo data (and only for a few partners),
so the tier and scorecard figures of revenue, certified staff and marketing return stand in for
them; NPS, violations, the qualified tier, the proposal, every score, the total and the class come
from the same rules and inputs the quarterly and yearly jobs use."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from accounts.choices import Role
from accounts.demo import demo_user
from accounts.models import User
from core.money import round_money
from core.periods import Quarter

from .choices import PartnerType
from .models import Partner, Tier
from .services import exit_item_done, partner_exit_start

# Tax IDs of the four showcase partners (other apps' demo data refers to them).
HUADONG_TAX_ID = "91310000MA1FL8TQ36"
ZHILIAN_TAX_ID = "91440300MA5G9XKT2X"
NORTHWIND_TAX_ID = "DE811234567"
YUNQI_TAX_ID = "91110000MA01ABCD52"

PARTNERS = [
    # tax id, name, type, tier, regions, parent tax id, currency, specializations, users' domain
    (
        HUADONG_TAX_ID,
        "华东数字科技有限公司",
        PartnerType.DISTRIBUTOR,
        "diamond",
        ["CN-SH", "CN-JS", "CN-ZJ"],
        None,
        "CNY",
        ["manufacturing", "finance"],
        "huadong",
    ),
    (
        ZHILIAN_TAX_ID,
        "深圳智联网络股份有限公司",
        PartnerType.RESELLER,
        "gold",
        ["CN-GD"],
        HUADONG_TAX_ID,
        "CNY",
        ["retail", "education"],
        "zhilian",
    ),
    (
        NORTHWIND_TAX_ID,
        "Northwind Systems GmbH",
        PartnerType.SERVICE_PROVIDER,
        "silver",
        ["DE"],
        None,
        "EUR",
        ["healthcare"],
        "northwind",
    ),
    (
        YUNQI_TAX_ID,
        "北京云启信息技术有限公司",
        PartnerType.ISV,
        "registered",
        ["CN-BJ", "CN-TJ"],
        None,
        "CNY",
        ["government"],
        "yunqi",
    ),
]


# Tax IDs these partners carried before they passed the check digit; corrected on the next seed.
RENAMED_TAX_IDS = {
    "91310000MA1FL8TQ3K": "91310000MA1FL8TQ36",
    "91440300MA5G9XKT2B": "91440300MA5G9XKT2X",
    "91110000MA01ABCD5X": "91110000MA01ABCD52",
}


def seed(*, stdout=None) -> None:
    manager = User.objects.get(email="manager@prm.demo")
    tiers = {t.code: t for t in Tier.objects.all()}
    for old, new in RENAMED_TAX_IDS.items():
        Partner.objects.filter(tax_id=old).update(tax_id=new)
    for tax_id, name, ptype, tier, regions, parent_tax, currency, specs, domain in PARTNERS:
        partner, _ = Partner.objects.get_or_create(
            tax_id=tax_id,
            defaults={
                "legal_name": name,
                "partner_type": ptype,
                "tier": tiers[tier],
                "regions": regions,
                "parent": Partner.objects.filter(tax_id=parent_tax).first() if parent_tax else None,
                "country": "DE" if tax_id.startswith("DE") else "CN",
                "contract_currency": currency,
                "credit_limit": Decimal("500000.00"),
                "specializations": specs,
                "channel_manager": manager,
            },
        )
        lang = "en" if currency == "EUR" else "zh-hans"
        demo_user(
            f"admin@{domain}.demo",
            f"{domain.title()} Admin",
            Role.PARTNER_ADMIN,
            partner=partner,
            language=lang,
        )
        demo_user(
            f"sales@{domain}.demo",
            f"{domain.title()} Sales",
            Role.PARTNER_SALES,
            partner=partner,
            language=lang,
        )
        demo_user(
            f"finance@{domain}.demo",
            f"{domain.title()} Finance",
            Role.PARTNER_FINANCE,
            partner=partner,
            language=lang,
        )
    seed_network(stdout=stdout)


# --- the wider network: ~50 partners, agreements, applications, credit, reports, visits ---------

CITIES = [
    ("上海", "CN-SH"),
    ("南京", "CN-JS"),
    ("杭州", "CN-ZJ"),
    ("北京", "CN-BJ"),
    ("天津", "CN-TJ"),
    ("广州", "CN-GD"),
    ("成都", "CN-SC"),
    ("武汉", "CN-HB"),
    ("西安", "CN-SN"),
    ("重庆", "CN-CQ"),
    ("济南", "CN-SD"),
    ("长沙", "CN-HN"),
    ("福州", "CN-FJ"),
    ("沈阳", "CN-LN"),
    ("郑州", "CN-HA"),
    ("合肥", "CN-AH"),
    ("昆明", "CN-YN"),
    ("南宁", "CN-GX"),
    ("石家庄", "CN-HE"),
    ("贵阳", "CN-GZ"),
]
TRADES = ["信息技术", "网络科技", "数据服务", "智能系统", "云计算", "通信工程", "软件"]
FOREIGN = [
    ("Lumen Networks Pte. Ltd.", "SG", "SG", "USD", "201912345K"),
    ("Sakura Systems K.K.", "JP", "JP", "JPY", "JP-7010001234567"),
    ("Rheinland IT Services GmbH", "DE", "DE", "EUR", "DE298765432"),
    ("Pacific Edge Solutions LLC", "US", "US", "USD", "US-84-1234567"),
    ("Harbour Digital Ltd.", "HK", "HK", "USD", "HK-61234567"),
]
SPECIALIZATIONS = ["manufacturing", "finance", "retail", "education", "healthcare", "government"]
DEALER_TYPES = [PartnerType.RESELLER, PartnerType.FRANCHISE_STORE, PartnerType.REGIONAL_AGENT]
TIER_CYCLE = ["registered", "silver", "silver", "gold", "registered", "silver", "gold", "diamond"]
TOP_TYPES = [PartnerType.ISV, PartnerType.SERVICE_PROVIDER, PartnerType.RESELLER]
AGREEMENT_STATES = [
    "active",
    "active",
    "draft",
    "legal_review",
    "business_review",
    "signed",
    "active",
    "expired",
    "terminated",
    "active",
]
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def demo_credit_code(n: int, region_code: str = "3100") -> str:
    """A unified social credit code that passes the check digit, distinct per `n`."""
    from .rules import credit_code_check_char

    first17 = f"91{region_code}00MA{n:07d}"
    return first17 + credit_code_check_char(first17)


def _network_plan() -> list[dict]:
    """The wider demo network as data: five distributors with dealers, then independents."""
    plan = []
    n = 0
    for d in range(5):
        city, region = CITIES[d]
        distributor = {
            "key": n,
            "name": f"{city}{TRADES[d]}分销有限公司",
            "type": PartnerType.DISTRIBUTOR,
            "tier": ["diamond", "gold", "gold", "silver", "diamond"][d],
            "regions": [region, CITIES[d + 5][1]],
            "parent": None,
        }
        plan.append(distributor)
        n += 1
        for k in range(5):
            dealer_city, dealer_region = CITIES[(d * 3 + k) % len(CITIES)]
            plan.append(
                {
                    "key": n,
                    "name": f"{dealer_city}{TRADES[(d + k) % len(TRADES)]}有限公司（{d + 1}-{k + 1}）",
                    "type": DEALER_TYPES[k % len(DEALER_TYPES)],
                    "tier": TIER_CYCLE[(d + k) % len(TIER_CYCLE)],
                    "regions": [dealer_region],
                    "parent": distributor["key"],
                }
            )
            n += 1
    for i in range(15):
        city, region = CITIES[(i + 7) % len(CITIES)]
        plan.append(
            {
                "key": n,
                "name": f"{city}{TRADES[i % len(TRADES)]}股份有限公司",
                "type": TOP_TYPES[i % len(TOP_TYPES)],
                "tier": TIER_CYCLE[i % len(TIER_CYCLE)],
                "regions": [region],
                "parent": None,
            }
        )
        n += 1
    return plan


def _pdf(name: str):
    from django.core.files.base import ContentFile

    return ContentFile(PDF, name=name)


def _seed_agreement(partner: Partner, index: int, state: str, people: dict, today) -> None:
    import datetime

    from .choices import AgreementStatus
    from .models import Agreement, AgreementReview

    number = f"AGR-{partner.pk:05d}-01"
    if Agreement.objects.filter(number=number).exists():
        return
    year = datetime.timedelta(days=365)
    if state == "active":
        # Spread end dates so some fall inside the 90-day renewal window.
        end = today + datetime.timedelta(days=[25, 60, 85, 200, 320][index % 5])
        start = end - year
    elif state == "expired":
        end = today - datetime.timedelta(days=20 + index)
        start = end - year
    else:
        start = today + datetime.timedelta(days=10) if state != "terminated" else today - year / 2
        end = start + year
    fields = {
        "partner": partner,
        "number": number,
        "title": "经销协议" if partner.country == "CN" else "Partner agreement",
        "terms": "Territory, discounts, targets and obligations of both parties.",
        "start_date": start,
        "end_date": end,
        "status": state,
        "created_by": people["manager"],
    }
    if state in ("signed", "active", "expired", "terminated"):
        fields["signed_on"] = start - datetime.timedelta(days=5)
        fields["signed_document"] = _pdf(f"{number}.pdf")
    if state == "terminated":
        fields["termination_reason"] = ["breach", "insolvency", "law", "force_majeure"][index % 4]
        fields["termination_note"] = "Written notice sent; not remedied within 30 days."
    agreement = Agreement.objects.create(**fields)
    if state not in ("draft", "legal_review"):
        AgreementReview.objects.create(
            agreement=agreement, stage="legal", decision="approved", reviewer=people["legal"]
        )
    business_done = state in ("signed", "active", "expired", "terminated") or (
        state == "business_review" and index % 2
    )
    if business_done:
        AgreementReview.objects.create(
            agreement=agreement, stage="business", decision="approved", reviewer=people["manager"]
        )
    if state == "active" and index % 10 == 6:
        # An amendment under legal review, next to the version in force.
        Agreement.objects.create(
            partner=partner,
            number=number,
            version=2,
            amends=agreement,
            title=agreement.title,
            terms="Adds the AI product line to the territory.",
            start_date=agreement.start_date,
            end_date=agreement.end_date + year,
            status=AgreementStatus.LEGAL_REVIEW,
            created_by=people["manager"],
        )


def _seed_applications(referrer: Partner) -> None:
    from .choices import ApplicationStatus, RevenueBand
    from .models import PartnerApplication

    stages = [
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.SCREENING,
        ApplicationStatus.ASSESSMENT,
        ApplicationStatus.ASSESSMENT,
        ApplicationStatus.NEGOTIATION,
        ApplicationStatus.SIGNING,
        ApplicationStatus.REJECTED,
    ]
    for i, status in enumerate(stages):
        city, region = CITIES[(i + 3) % len(CITIES)]
        tax_id = demo_credit_code(9000 + i, "4403")
        if PartnerApplication.objects.filter(tax_id=tax_id).exists():
            continue
        scored = status in (ApplicationStatus.NEGOTIATION, ApplicationStatus.SIGNING) or (
            status == ApplicationStatus.ASSESSMENT and i % 2
        )
        PartnerApplication.objects.create(
            legal_name=f"{city}新锐{TRADES[i % len(TRADES)]}有限公司",
            tax_id=tax_id,
            country="CN",
            regions=[region],
            partner_type=TOP_TYPES[i % len(TOP_TYPES)],
            business_scope="系统集成、软件开发与技术服务",
            contact_name=f"联系人{i + 1}",
            contact_email=f"contact{i + 1}@prospect.demo",
            contact_phone=f"+86 21 5555 01{i:02d}",
            revenue_band=list(RevenueBand)[i % len(RevenueBand)],
            technical_staff=3 + i,
            business_licence=_pdf(f"licence-{i + 1}.pdf"),
            referred_by=referrer if i % 3 == 0 else None,
            status=status,
            rejection_reason="Territory already covered." if status == "rejected" else "",
            score_qualification=80 if scored else None,
            score_business=72 if scored else None,
            score_resources=65 if scored else None,
            score_willingness=90 if scored else None,
            site_visit_report="Visited the office and the demo room." if scored else "",
        )


def _seed_activity(partners: list[Partner], people: dict, today) -> None:
    import datetime

    from .models import BusinessReport, CreditApplication, PartnerVisit

    quarter = Quarter.containing(today)
    first_of_month = today.replace(day=1)
    last_month = (first_of_month - datetime.timedelta(days=1)).replace(day=1)
    for i, partner in enumerate(partners[:12]):
        finance = User.objects.filter(partner=partner, role=Role.PARTNER_FINANCE).first()
        reporter = User.objects.filter(partner=partner).first()
        if finance and not CreditApplication.objects.filter(partner=partner).exists():
            CreditApplication.objects.create(
                partner=partner,
                kind="special" if i % 2 else "normal",
                amount=Decimal(300000 + 50000 * i),
                currency=partner.contract_currency,
                project_name="Metro line 5 network" if i % 2 else "",
                justification="Large project orders expected next quarter.",
                requested_by=finance,
            )
        if reporter and not BusinessReport.objects.filter(partner=partner).exists():
            BusinessReport.objects.create(
                partner=partner,
                month=last_month,
                pipeline="8 opportunities, 3 in negotiation.",
                marketing_activities="One technical salon, 40 attendees.",
                customer_feedback="Customers ask for longer warranty.",
                support_needed="Pre-sales engineer for two bids.",
                status=["submitted", "reviewed", "returned"][i % 3],
                review_comment="" if i % 3 == 0 else "Please add the bid dates.",
                reviewed_by=None if i % 3 == 0 else people["manager"],
                reviewed_at=None if i % 3 == 0 else timezone.now(),
                submitted_by=reporter,
                submitted_at=timezone.now(),
            )
        if not PartnerVisit.objects.filter(partner=partner).exists() and i % 3 != 2:
            done = i % 3 == 0
            day = max(quarter.start, today - datetime.timedelta(days=3 + i))
            PartnerVisit.objects.create(
                partner=partner,
                manager=partner.channel_manager or people["manager"],
                kind="review",
                status="done" if done else "planned",
                planned_on=day if done else today + datetime.timedelta(days=7 + i),
                visited_on=day if done else None,
                agenda="Quarterly business review",
                summary="Reviewed pipeline and targets." if done else "",
            )


def seed_network(*, stdout=None) -> None:
    from django.utils import timezone as tz

    today = tz.localdate()
    people = {
        "manager": User.objects.get(email="manager@prm.demo"),
        "manager2": User.objects.get(email="manager2@prm.demo"),
        "legal": User.objects.get(email="legal@prm.demo"),
    }
    tiers = {t.code: t for t in Tier.objects.all()}
    by_key: dict[int, Partner] = {}
    for row in _network_plan():
        parent = by_key.get(row["parent"]) if row["parent"] is not None else None
        partner, _ = Partner.objects.get_or_create(
            tax_id=demo_credit_code(100 + row["key"]),
            defaults={
                "legal_name": row["name"],
                "partner_type": row["type"],
                "tier": tiers[row["tier"]],
                "regions": row["regions"],
                "parent": parent,
                "country": "CN",
                "contract_currency": "CNY",
                "credit_limit": Decimal(200000 + 50000 * (row["key"] % 7)),
                "specializations": [SPECIALIZATIONS[row["key"] % len(SPECIALIZATIONS)]],
                "channel_manager": people["manager"] if row["key"] % 3 else people["manager2"],
                "classification": "ABC"[row["key"] % 3],
            },
        )
        by_key[row["key"]] = partner
    for i, (name, country, region, currency, tax_id) in enumerate(FOREIGN):
        partner, _ = Partner.objects.get_or_create(
            tax_id=tax_id,
            defaults={
                "legal_name": name,
                "partner_type": TOP_TYPES[i % len(TOP_TYPES)],
                "tier": tiers[TIER_CYCLE[i + 1]],
                "regions": [region],
                "country": country,
                "contract_currency": currency,
                "credit_limit": Decimal("100000"),
                "specializations": [SPECIALIZATIONS[i]],
                "channel_manager": people["manager2"],
            },
        )
        by_key[1000 + i] = partner
    core = list(Partner.objects.filter(tax_id__in=[row[0] for row in PARTNERS]).order_by("pk"))
    network = core + [by_key[k] for k in sorted(by_key)]
    for index, partner in enumerate(network):
        _seed_agreement(
            partner, index, AGREEMENT_STATES[index % len(AGREEMENT_STATES)], people, today
        )
    _seed_applications(core[0])
    _seed_activity(core + [by_key[k] for k in sorted(by_key)][:8], people, today)
    seed_programme(network, people=people, today=today)
    _seed_exit(network[8], today)


# --- a partner leaving the programme (DESIGN §2.9) ---------------------------------------------

LEAVING_ADMIN = "admin@leaving-partner.demo"


def _seed_exit(partner: Partner, today) -> None:
    """One network partner in exit: its agreement is not renewed, the checklist is open with the
    materials returned; its admin (LEAVING_ADMIN) reads the checklist. Deals' demo data gives it
    open registrations to hand over."""
    demo_user(LEAVING_ADMIN, "Leaving Partner Admin", Role.PARTNER_ADMIN, partner=partner)
    if partner.exits.exists():
        return
    manager = partner.channel_manager
    partner_exit = partner_exit_start(
        partner=partner,
        actor=manager,
        kind="non_renewal",
        reason="The distribution agreement is not renewed: the partner moves to another vendor.",
        exit_date=today + datetime.timedelta(days=21),
    )
    exit_item_done(
        item=partner_exit.items.get(step="materials"),
        actor=manager,
        note="Demo rack and brochures collected.",
    )


# --- NPS, tier evaluations and history, scorecards (DESIGN §2.3, §2.4) -------------------------

# Tier and scorecard revenue is counted in the base currency.
BASE = settings.PRM_BASE_CURRENCY
# Eight answers per quarter; NPS 75, 38, 13, -38 in that order (promoters 9-10, detractors 0-6).
NPS_ANSWERS = [
    [10, 10, 9, 9, 9, 8, 7, 10],
    [9, 9, 8, 8, 7, 10, 6, 9],
    [8, 7, 9, 6, 5, 9, 8, 10],
    [6, 5, 7, 8, 9, 4, 6, 8],
]
# Per network position: what the demo figures make of the partner in the last evaluated quarter.
UPGRADE_EVERY, DOWNGRADE_EVERY, GRACE_EVERY = 12, 13, 11


def _plan_for(index: int, rank: int, top_rank: int) -> str:
    if rank < top_rank and index % UPGRADE_EVERY == 4:
        return "upgrade"
    if rank > 0 and index % DOWNGRADE_EVERY == 7:
        return "downgrade"
    if rank > 0 and index % GRACE_EVERY == 5:
        return "grace"
    return "steady"


def _nps_answers_for(index: int, rank: int) -> list[int] | None:
    """Answers good enough for the tier the partner holds (or is heading for); a few partners were
    not surveyed (those only at a tier that asks for no NPS above zero)."""
    if rank <= 1 and index % 7 == 3:
        return None
    choice = {3: 0, 2: index % 2, 1: 1 + index % 2, 0: 2 + index % 2}[min(rank, 3)]
    return NPS_ANSWERS[choice]


def _figures(tier, nxt, *, reach: str, index: int) -> dict:
    """Revenue and certified staff that meet `tier` (reach "hold"), the next one ("next"), or fall
    short of `tier` ("short")."""
    if reach == "next":
        return {
            "revenue": round_money(nxt.min_revenue * Decimal("1.08") + 1000 * index, BASE),
            "certified": nxt.min_certified_staff + 1,
            "senior": nxt.min_senior_certified_staff,
        }
    if reach == "short":
        return {
            "revenue": round_money(tier.min_revenue * Decimal("0.62") + 1000 * index, BASE),
            "certified": tier.min_certified_staff,
            "senior": tier.min_senior_certified_staff,
        }
    ceiling = nxt.min_revenue if nxt is not None else tier.min_revenue * 2
    revenue = tier.min_revenue + (ceiling - tier.min_revenue) * Decimal(30 + index % 50) / 100
    return {
        "revenue": round_money(revenue, BASE),
        "certified": tier.min_certified_staff + index % 2,
        "senior": tier.min_senior_certified_staff,
    }


def _seed_nps(network: list[Partner], *, plan: dict, quarters, recorder: User) -> None:
    from .models import NpsResponse

    done = set(
        NpsResponse.objects.filter(
            partner__in=network, quarter__in=[str(q) for q in quarters]
        ).values_list("partner_id", "quarter")
    )
    rows = []
    for index, partner in enumerate(network):
        heading = 1 if plan[partner.pk] == "upgrade" else 0
        answers = _nps_answers_for(index, partner.tier.rank + heading)
        if answers is None:
            continue
        for shift, quarter in enumerate(quarters):
            if (partner.pk, str(quarter)) in done:
                continue
            rows += [
                NpsResponse(
                    partner=partner,
                    quarter=str(quarter),
                    # The earlier quarter is one answer worse: NPS moves a little between quarters.
                    score=max(score - 1, 0) if shift == 0 and k == 7 else score,
                    respondent=f"Customer {k + 1}",
                    recorded_by=recorder,
                )
                for k, score in enumerate(answers)
            ]
    NpsResponse.objects.bulk_create(rows)


def _evaluation(partner, quarter, figures, *, tiers, nps, previous_rank, violations):
    from .choices import ProposalStatus
    from .models import TierEvaluation
    from .rules import qualified_tier, tier_decision

    qualified = qualified_tier(tiers, nps=nps, **figures)
    outcome, proposed_rank = tier_decision(
        current_rank=partner.tier.rank,
        qualified_rank=qualified.rank,
        previous_qualified_rank=previous_rank,
        open_violations=violations,
    )
    proposed = next((t for t in tiers if t.rank == proposed_rank), None)
    return TierEvaluation(
        partner=partner,
        quarter=str(quarter),
        current_tier=partner.tier,
        qualified_tier=qualified,
        proposed_tier=proposed,
        revenue=figures["revenue"],
        certified_staff=figures["certified"],
        senior_certified_staff=figures["senior"],
        nps=nps,
        open_violations=violations,
        outcome=outcome,
        status=ProposalStatus.PENDING if proposed else ProposalStatus.NONE,
    )


def _seed_tiers(network: list[Partner], *, plan: dict, quarters, people: dict) -> None:
    """Evaluations of the last two quarters (the older one settled), pending proposals in the
    latest, and the confirmed upgrades of the quarter before them as the tier history."""
    import datetime

    from . import inputs
    from .choices import ProposalStatus, TierOutcome
    from .models import TierChange, TierEvaluation
    from .services import programme as programme_services

    tiers = sorted(Tier.objects.all(), key=lambda t: t.rank)
    above = {t.rank: next((u for u in tiers if u.rank > t.rank), None) for t in tiers}
    below = {t.rank: next((u for u in reversed(tiers) if u.rank < t.rank), None) for t in tiers}
    ids = [p.pk for p in network]
    violations = inputs.open_violations_by_partner(partner_ids=ids)
    older, latest = quarters
    history_quarter = older.previous()
    evaluated = set(
        TierEvaluation.objects.filter(
            partner_id__in=ids, quarter__in=[str(q) for q in (history_quarter, *quarters)]
        ).values_list("partner_id", "quarter")
    )
    reach = {
        "steady": ("hold", "hold"),
        "upgrade": ("hold", "next"),
        "downgrade": ("short", "short"),
        "grace": ("hold", "short"),
    }
    created: dict[str, list] = {str(q): [] for q in (history_quarter, *quarters)}
    # The tier history: steady partners above Registered, every fifth, were upgraded to their
    # tier in the quarter before the two evaluated ones.
    changes = []
    for index, partner in enumerate(network):
        lower = below[partner.tier.rank]
        if plan[partner.pk] != "steady" or lower is None or index % 5 != 1:
            continue
        if (partner.pk, str(history_quarter)) in evaluated:
            continue
        figures = _figures(partner.tier, above[partner.tier.rank], reach="hold", index=index)
        held = partner.tier
        partner.tier = lower
        evaluation = _evaluation(
            partner,
            history_quarter,
            figures,
            tiers=tiers,
            nps=None if held.min_nps is None else max(held.min_nps, 0),
            previous_rank=None,
            violations=0,
        )
        partner.tier = held
        if evaluation.outcome != TierOutcome.UPGRADE:
            continue
        evaluation.status = ProposalStatus.CONFIRMED
        evaluation.decided_by = partner.channel_manager or people["manager"]
        evaluation.decided_at = timezone.now()
        created[str(history_quarter)].append(evaluation)
        changes.append(evaluation)
    for quarter, position in ((older, 0), (latest, 1)):
        nps = inputs.nps_by_partner(partner_ids=ids, quarter=quarter)
        previous = dict(
            TierEvaluation.objects.filter(
                partner_id__in=ids, quarter=str(quarter.previous())
            ).values_list("partner_id", "qualified_tier__rank")
        )
        for index, partner in enumerate(network):
            if (partner.pk, str(quarter)) in evaluated:
                continue
            tier = partner.tier
            figures = _figures(
                tier, above[tier.rank], reach=reach[plan[partner.pk]][position], index=index
            )
            evaluation = _evaluation(
                partner,
                quarter,
                figures,
                tiers=tiers,
                nps=nps.get(partner.pk),
                previous_rank=previous.get(partner.pk),
                violations=violations.get(partner.pk, 0),
            )
            if position == 0 and evaluation.status == ProposalStatus.PENDING:
                # The older quarter's proposals were decided: kept at the tier they hold.
                evaluation.status = ProposalStatus.REJECTED
                evaluation.decided_by = partner.channel_manager or people["manager"]
                evaluation.decided_at = timezone.now()
                evaluation.decision_note = "Kept the tier: the pipeline supports it."
            created[str(quarter)].append(evaluation)
        TierEvaluation.objects.bulk_create(created[str(quarter)])
    TierEvaluation.objects.bulk_create(created[str(history_quarter)])
    TierChange.objects.bulk_create(
        [
            TierChange(
                partner=e.partner,
                from_tier=e.current_tier,
                to_tier=e.proposed_tier,
                evaluation=e,
                figures=e.figures,
                changed_by=e.decided_by,
            )
            for e in changes
        ]
    )
    for quarter, rows in created.items():
        evaluated_on = Quarter.parse(quarter).end + datetime.timedelta(days=3)
        TierEvaluation.objects.filter(pk__in=[e.pk for e in rows]).update(
            created_at=_at(evaluated_on)
        )
    programme_services._tier_proposals_announce(
        [e for e in created[str(latest)] if e.status == ProposalStatus.PENDING], quarter=latest
    )


def _at(day):
    import datetime

    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))


# Demo performance over the year, per network position: revenue against the tier's target,
# return on marketing funds (none: no funds used) and certified staff against the target.
YEAR_REVENUE = ["1.12", "0.96", "0.81", "1.04", "0.64", "1.20", "0.90"]
YEAR_ROI = ["12", "8.5", None, "10", "4", "11", "6"]
YEAR_TEAM = ["1", "0.8", "1", "0.6", "1", "1", "0.5"]


def _seed_scorecards(network: list[Partner], *, year: int) -> None:
    """The yearly scorecard of every active partner through the scorecard service's own figures
    (targets, NPS, violations, weights, total, class); the partner takes the scorecard's class."""

    from .choices import PartnerStatus, ScorecardKind
    from .models import Scorecard
    from .rules import ratio_score, roi_score
    from .selectors import scorecard_weight_sets, scorecard_weights_current
    from .services import scorecards as scorecard_services

    done = set(
        Scorecard.objects.filter(
            kind=ScorecardKind.YEARLY, year=year, partner__in=network
        ).values_list("partner_id", flat=True)
    )
    position = {p.pk: i for i, p in enumerate(network)}
    partners = [p for p in network if p.status == PartnerStatus.ACTIVE and p.pk not in done]
    if not partners:
        return
    results = scorecard_services.scorecard_figures_for(
        partners=partners, kind=ScorecardKind.YEARLY, year=year
    )
    default = scorecard_weights_current().as_dict()
    weight_sets = scorecard_weight_sets()
    scorecards = []
    for partner in partners:
        result = results[partner.pk]
        figures, scores = result["figures"], result["scores"]
        k = (position[partner.pk] + partner.tier.rank) % len(YEAR_REVENUE)
        target = Decimal(figures["revenue_target"])
        revenue = round_money(target * Decimal(YEAR_REVENUE[k]), BASE)
        staff = int(figures["certified_staff_target"] * Decimal(YEAR_TEAM[k]))
        roi = None if YEAR_ROI[k] is None else Decimal(YEAR_ROI[k])
        figures.update(
            revenue=str(revenue),
            certified_staff=staff,
            marketing_roi=None if roi is None else str(roi),
        )
        scores.update(
            score_revenue=ratio_score(revenue, target),
            score_team=ratio_score(staff, figures["certified_staff_target"]),
            score_marketing=roi_score(roi),
        )
        weight_set, weights = scorecard_services._weights_of(
            partner, weight_sets=weight_sets, default=default
        )
        scorecards.append(
            scorecard_services._scorecard_build(
                partner=partner,
                result=result,
                kind=ScorecardKind.YEARLY,
                reason="",
                actor=None,
                weight_set=weight_set,
                weights=weights,
            )
        )
    Scorecard.objects.bulk_create(scorecards)
    for klass in "ABC":
        Partner.objects.filter(
            pk__in=[s.partner_id for s in scorecards if s.classification == klass]
        ).update(classification=klass)


# KPIs by channel (DESIGN §2.4): East China distributors are judged more on revenue and
# compliance, ISVs more on satisfaction and certifications than on marketing.
DEMO_WEIGHT_SETS = [
    {
        "name": "Distributor · East China",
        "partner_types": [PartnerType.DISTRIBUTOR],
        "regions": ["CN-SH", "CN-JS", "CN-ZJ", "CN-AH", "CN-FJ", "CN-JX", "CN-SD"],
        "weight_revenue": 50,
        "weight_marketing": 10,
        "weight_satisfaction": 10,
        "weight_compliance": 20,
        "weight_team": 10,
    },
    {
        "name": "ISV",
        "partner_types": [PartnerType.ISV],
        "regions": [],
        "weight_revenue": 30,
        "weight_marketing": 5,
        "weight_satisfaction": 30,
        "weight_compliance": 15,
        "weight_team": 20,
    },
]


def _seed_weight_sets(*, admin: User) -> None:
    from .models import ScorecardWeightSet
    from .services import scorecard_weight_set_save

    existing = set(ScorecardWeightSet.objects.values_list("name", flat=True))
    for values in DEMO_WEIGHT_SETS:
        if values["name"] not in existing:
            scorecard_weight_set_save(actor=admin, **values)


def seed_programme(network: list[Partner], *, people: dict, today) -> None:
    """NPS answers of the last two quarters, tier evaluations and history, yearly scorecards."""
    network = list(Partner.objects.filter(pk__in=[p.pk for p in network]).select_related("tier"))
    network.sort(key=lambda p: p.pk)
    latest = Quarter.containing(today).previous()
    quarters = (latest.previous(), latest)
    top = max(Tier.objects.values_list("rank", flat=True))
    plan = {p.pk: _plan_for(i, p.tier.rank, top) for i, p in enumerate(network)}
    _seed_nps(network, plan=plan, quarters=quarters, recorder=people["manager"])
    _seed_tiers(network, plan=plan, quarters=quarters, people=people)
    _seed_weight_sets(admin=User.objects.filter(email="admin@prm.demo").first())
    _seed_scorecards(network, year=today.year - 1)
    _seed_nps_warnings(network, quarters=quarters)


def _seed_nps_warnings(network: list[Partner], *, quarters) -> None:
    """The NPS early warning of both surveyed quarters (DESIGN §2.4): the low scorers are red or
    yellow on the manager's dashboard; a rerun adds nothing."""
    from .services import nps_warning_run

    for quarter in quarters:
        nps_warning_run(quarter=quarter, partner_ids=[p.pk for p in network])
