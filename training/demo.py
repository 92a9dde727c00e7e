"""Demo courses with real question banks and certified staff matching the demo partners' tiers."""

from __future__ import annotations

from datetime import timedelta

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from accounts.choices import Role
from accounts.demo import demo_user
from partners.models import Partner

from .choices import Level, QuestionKind, Track
from .models import Certification, Course, Exam, Module, Option, Question

S, M = QuestionKind.SINGLE, QuestionKind.MULTIPLE

# The courses' Chinese titles, shown to Chinese readers.
TITLES_ZH = {
    "Selling campus switching": "园区交换解决方案销售",
    "Solution selling for data centres": "数据中心解决方案销售",
    "Presales discovery workshop": "售前需求调研工作坊",
    "Routing fundamentals": "路由基础",
    "Campus wireless design": "园区无线网络设计",
    "Data-centre fabric architecture": "数据中心网络架构",
    "Partner programme essentials": "合作伙伴计划要点",
}
# title, track, level, modules [(title, body)], questions [(text, kind, [(option, correct)])]
COURSES = [
    (
        "Selling campus switching",
        Track.SALES,
        Level.JUNIOR,
        [
            (
                "Who buys campus networks",
                "IT managers care about uptime and simple operations.\n\n"
                "Procurement compares total cost of ownership over five years, not list price.",
            ),
            (
                "Deal registration basics",
                "Register the opportunity before the first quote.\n\n"
                "An approved registration protects the deal for the tier's protection days.",
            ),
        ],
        [
            (
                "When should a partner register a deal?",
                S,
                [
                    ("Before sending the first quote", True),
                    ("After the customer signs", False),
                    ("Only for deals above 1 million", False),
                ],
            ),
            (
                "Which figures matter most to procurement in a campus refresh?",
                S,
                [
                    ("Five-year total cost of ownership", True),
                    ("The number of LEDs per switch", False),
                    ("The vendor's logo colour", False),
                ],
            ),
            (
                "Which of these are typical campus switching buyers? (choose all)",
                M,
                [
                    ("IT infrastructure manager", True),
                    ("Procurement", True),
                    ("The building's cleaning contractor", False),
                ],
            ),
            (
                "交换机项目中，客户最关心的是什么？",
                S,
                [("稳定运行与简单运维", True), ("设备颜色", False), ("包装尺寸", False)],
            ),
            (
                "What does an approved deal registration give the partner?",
                S,
                [
                    ("Protection from channel conflict for a period", True),
                    ("A guaranteed win", False),
                    ("Free hardware", False),
                ],
            ),
            (
                "PoE budget matters when the customer deploys… (choose all)",
                M,
                [
                    ("Wi-Fi access points", True),
                    ("IP phones and cameras", True),
                    ("Printers on mains", False),
                ],
            ),
        ],
    ),
    (
        "Solution selling for data centres",
        Track.SALES,
        Level.SENIOR,
        [
            (
                "Value-based proposals",
                "Start from the customer's business outcome: faster releases, lower risk.\n\n"
                "Tie each line of the bill of materials to an outcome.",
            ),
        ],
        [
            (
                "A value-based proposal starts from…",
                S,
                [
                    ("the customer's business outcome", True),
                    ("the price list", False),
                    ("the competitor's datasheet", False),
                ],
            ),
            (
                "Which stakeholders usually sign off a data-centre fabric? (choose all)",
                M,
                [("CIO", True), ("Head of infrastructure", True), ("Receptionist", False)],
            ),
            (
                "大型数据中心项目中，合作伙伴应如何应对价格压力？",
                S,
                [("强调整体价值与风险降低", True), ("立即降价一半", False), ("放弃项目", False)],
            ),
            (
                "What does a spine-leaf fabric give the customer?",
                S,
                [
                    ("Predictable east-west latency", True),
                    ("Fewer power sockets", False),
                    ("No need for cabling", False),
                ],
            ),
            (
                "Good qualification questions for a data-centre deal include… (choose all)",
                M,
                [
                    ("Budget and timeline", True),
                    ("Decision process", True),
                    ("The customer's favourite food", False),
                ],
            ),
        ],
    ),
    (
        "Presales discovery workshop",
        Track.PRESALES,
        Level.MID,
        [
            (
                "Running discovery",
                "Map the current topology, traffic and pain points before proposing.\n\n"
                "Write down measurable success criteria with the customer.",
            ),
            ("Proof of concept", "Limit a PoC to three success criteria and two weeks."),
        ],
        [
            (
                "A proof of concept should be limited to…",
                S,
                [
                    ("a few agreed success criteria and a fixed time", True),
                    ("whatever the customer wants", False),
                    ("one year", False),
                ],
            ),
            (
                "What belongs in a discovery workshop? (choose all)",
                M,
                [("Current topology", True), ("Pain points", True), ("Final discount", False)],
            ),
            (
                "售前方案中，成功标准应当：",
                S,
                [
                    ("可衡量并与客户共同确认", True),
                    ("由销售单方面决定", False),
                    ("保密不告诉客户", False),
                ],
            ),
            (
                "Which tool best shows traffic patterns during discovery?",
                S,
                [
                    ("Flow telemetry (NetFlow/sFlow)", True),
                    ("A spreadsheet of list prices", False),
                    ("The org chart", False),
                ],
            ),
            (
                "What makes a presales demo convincing? (choose all)",
                M,
                [
                    ("It uses the customer's own use case", True),
                    ("It is rehearsed", True),
                    ("It shows every feature", False),
                ],
            ),
        ],
    ),
    (
        "Routing fundamentals",
        Track.TECHNICAL,
        Level.JUNIOR,
        [
            (
                "IP addressing",
                "An IPv4 /24 network has 256 addresses, 254 of them usable for hosts.",
            ),
            (
                "Static and dynamic routing",
                "OSPF is a link-state protocol; BGP is a path-vector protocol.",
            ),
        ],
        [
            (
                "How many usable host addresses does an IPv4 /24 have?",
                S,
                [("254", True), ("256", False), ("24", False)],
            ),
            (
                "OSPF is a…",
                S,
                [
                    ("link-state protocol", True),
                    ("path-vector protocol", False),
                    ("distance-vector protocol", False),
                ],
            ),
            (
                "BGP is a…",
                S,
                [
                    ("path-vector protocol", True),
                    ("link-state protocol", False),
                    ("layer-2 protocol", False),
                ],
            ),
            (
                "Which are private IPv4 ranges? (choose all)",
                M,
                [("10.0.0.0/8", True), ("192.168.0.0/16", True), ("8.8.8.0/24", False)],
            ),
            (
                "默认路由的写法是：",
                S,
                [("0.0.0.0/0", True), ("255.255.255.255/32", False), ("127.0.0.1/8", False)],
            ),
            (
                "Which protocols are interior gateway protocols? (choose all)",
                M,
                [("OSPF", True), ("IS-IS", True), ("BGP", False)],
            ),
        ],
    ),
    (
        "Campus wireless design",
        Track.TECHNICAL,
        Level.MID,
        [
            ("RF basics", "The 5 GHz band offers more non-overlapping channels than 2.4 GHz."),
            ("Roaming", "802.11r fast transition shortens roaming for voice clients."),
        ],
        [
            (
                "How many non-overlapping 20 MHz channels does 2.4 GHz offer in most regions?",
                S,
                [("3", True), ("11", False), ("24", False)],
            ),
            (
                "Which standard speeds up roaming for voice clients?",
                S,
                [("802.11r", True), ("802.3af", False), ("802.1D", False)],
            ),
            (
                "Why prefer 5 GHz for dense areas? (choose all)",
                M,
                [
                    ("More channels", True),
                    ("Less interference", True),
                    ("Longer range through walls", False),
                ],
            ),
            (
                "无线勘测的主要目的是：",
                S,
                [("确定 AP 位置与覆盖", True), ("确定交换机价格", False), ("选择机柜颜色", False)],
            ),
            (
                "WPA3 brings… (choose all)",
                M,
                [
                    ("SAE instead of PSK", True),
                    ("Protected management frames", True),
                    ("Open networks without encryption only", False),
                ],
            ),
        ],
    ),
    (
        "Data-centre fabric architecture",
        Track.TECHNICAL,
        Level.SENIOR,
        [
            (
                "Spine-leaf",
                "Every leaf connects to every spine; any two leaves are two hops apart.",
            ),
            (
                "EVPN-VXLAN",
                "EVPN carries MAC and IP reachability in BGP; VXLAN carries the frames over UDP.",
            ),
        ],
        [
            (
                "In a spine-leaf fabric, two leaves are how many hops apart?",
                S,
                [("2", True), ("1", False), ("4", False)],
            ),
            ("VXLAN encapsulates frames in…", S, [("UDP", True), ("TCP", False), ("ICMP", False)]),
            (
                "EVPN advertises… (choose all)",
                M,
                [("MAC addresses", True), ("IP prefixes", True), ("Licence keys", False)],
            ),
            (
                "VXLAN 网络标识（VNI）的长度是：",
                S,
                [("24 位", True), ("12 位", False), ("32 位", False)],
            ),
            (
                "Which improve fabric resilience? (choose all)",
                M,
                [("ECMP", True), ("Multi-homing with ESI", True), ("A single spine", False)],
            ),
            (
                "What is the typical underlay protocol in a large EVPN fabric?",
                S,
                [("eBGP", True), ("RIP", False), ("STP", False)],
            ),
        ],
    ),
    (
        "Partner programme essentials",
        Track.SALES,
        Level.MID,
        [
            (
                "Tiers",
                "Silver, Gold and Diamond tiers need certified staff and revenue.\n\nCertifications last 24 months.",
            ),
        ],
        [
            (
                "How long is a certification valid?",
                S,
                [("24 months", True), ("6 months", False), ("Forever", False)],
            ),
            (
                "Which count for tier requirements? (choose all)",
                M,
                [
                    ("Trailing revenue", True),
                    ("Valid certifications", True),
                    ("Number of office plants", False),
                ],
            ),
            (
                "钻石级合作伙伴至少需要多少名认证人员？",
                S,
                [("10 名", True), ("2 名", False), ("1 名", False)],
            ),
            (
                "What is the pass mark of a certification exam?",
                S,
                [("70%", True), ("50%", False), ("100%", False)],
            ),
            (
                "MDF stands for…",
                S,
                [
                    ("Market development funds", True),
                    ("Main distribution frame only", False),
                    ("Monthly discount fee", False),
                ],
            ),
        ],
    ),
]

# partner domain -> (certified staff needed, of which senior)
CERTIFIED = {"huadong": (11, 3), "zhilian": (5, 1), "northwind": (2, 0)}


def _seed_courses() -> dict[tuple[str, str], Course]:
    courses = {}
    for title, track, level, modules, questions in COURSES:
        course, created = Course.objects.get_or_create(
            title=title,
            defaults={
                "title_zh": TITLES_ZH.get(title, ""),
                "track": track,
                "level": level,
                "description": "",
            },
        )
        courses[(track, level)] = course
        if not created:
            continue
        Module.objects.bulk_create(
            Module(course=course, position=i, title=t, body=b)
            for i, (t, b) in enumerate(modules, start=1)
        )
        exam = Exam.objects.create(course=course, question_count=min(5, len(questions)))
        for text, kind, options in questions:
            question = Question.objects.create(exam=exam, text=text, kind=kind)
            Option.objects.bulk_create(
                Option(question=question, text=o, is_correct=ok) for o, ok in options
            )
    return courses


def _holders(partner: Partner, domain: str, needed: int) -> list:
    existing = list(partner.users.filter(is_active=True).order_by("pk"))
    language = "en" if partner.contract_currency == "EUR" else "zh-hans"
    n = 1
    while len(existing) < needed:
        user = demo_user(
            f"sales{n}@{domain}.demo",
            f"{domain.title()} Sales {n}",
            Role.PARTNER_SALES,
            partner=partner,
            language=language,
        )
        if user not in existing:
            existing.append(user)
        n += 1
    return existing[:needed]


@transaction.atomic
def seed(*, stdout=None) -> None:
    courses = _seed_courses()
    today = timezone.localdate()
    senior_course = courses[(Track.TECHNICAL, Level.SENIOR)]
    others = [c for key, c in courses.items() if key[1] != Level.SENIOR]
    for domain, (needed, senior) in CERTIFIED.items():
        partner = Partner.objects.filter(users__email=f"admin@{domain}.demo").first()
        if partner is None:
            continue
        for i, user in enumerate(_holders(partner, domain, needed)):
            course = senior_course if i < senior else others[i % len(others)]
            if Certification.objects.filter(user=user, course=course).exists():
                continue
            # One holder per company is inside the 60-day reminder window, to show it.
            issued = today - (
                relativedelta(months=23) if i == needed - 1 else timedelta(days=30 + i)
            )
            Certification.objects.create(
                user=user,
                partner=partner,
                course=course,
                track=course.track,
                level=course.level,
                code=f"DEMO{domain[:4].upper()}{i:04d}",
                issued_on=issued,
                expires_on=issued + relativedelta(months=24),
            )
    if stdout:
        stdout.write(
            f"training: {Course.objects.count()} courses, {Certification.objects.count()} certifications"
        )
