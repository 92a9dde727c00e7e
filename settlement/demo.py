"""Demo data: the last closed quarter settled, a statement of the quarter before re-issued after
a dispute, and a reconciliation run with every anomaly kind.

Idempotent: entries have fixed sources (queued once), statements are built once per partner and
quarter and only moved on from the state they are first created in, imported rows have fixed
numbers (re-imports are skipped) and the run happens only when none exists.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from core.models import FxRate
from core.periods import Quarter
from partners.demo import HUADONG_TAX_ID, NORTHWIND_TAX_ID, YUNQI_TAX_ID, ZHILIAN_TAX_ID
from partners.models import Partner
from partners.services import credit_rating_run

from . import services
from .choices import EntryKind, StatementState
from .importers import DeliveryImporter, OrderImporter, PaymentImporter
from .models import ReconciliationRun, Statement

HUADONG, ZHILIAN, NORTHWIND, YUNQI = (
    HUADONG_TAX_ID,
    ZHILIAN_TAX_ID,
    NORTHWIND_TAX_ID,
    YUNQI_TAX_ID,
)
# The demo rebate programme's names: its lines read "Rebate Standard programme, …" to English
# readers and "返利 标准计划，…" to Chinese ones (settlement.line_descriptions).
STANDARD = {"en": "Standard programme", "zh": "标准计划"}
REBATE = "rebates.accrual"
# tax id, [(kind, amount, description, message key, placeholders)] in the contract currency
ENTRIES = {
    HUADONG: [
        (EntryKind.REBATE_ACCRUAL, "1180000.00", "", REBATE, {"programme": STANDARD}),
        (
            EntryKind.MDF_REIMBURSEMENT,
            "42000.00",
            "",
            "funds.claim",
            {"title": "上海技术沙龙"},
        ),
    ],
    ZHILIAN: [
        (EntryKind.REBATE_ACCRUAL, "86500.00", "", REBATE, {"programme": STANDARD}),
        (EntryKind.ADJUSTMENT, "-1500.00", "上季度退货调整", "", None),
    ],
    NORTHWIND: [(EntryKind.REBATE_ACCRUAL, "4200.00", "", REBATE, {"programme": STANDARD})],
    YUNQI: [(EntryKind.REBATE_ACCRUAL, "12800.00", "", REBATE, {"programme": STANDARD})],
}
RATES = [("USD", "CNY", "7.1200"), ("EUR", "CNY", "7.7800")]


def _user(email: str) -> User | None:
    return User.objects.filter(email=email).first()


def _statements(quarter: Quarter, partners: dict[str, Partner]) -> None:
    for tax_id, entries in ENTRIES.items():
        partner = partners.get(tax_id)
        if partner is None:
            continue
        for n, (kind, amount, description, key, params) in enumerate(entries, start=1):
            services.settlement_entry_queue(
                partner=partner,
                kind=kind,
                amount=Decimal(amount),
                currency=partner.contract_currency,
                description=description,
                description_key=key,
                description_params=params and {**params, "period": str(quarter)},
                source_type="demo",
                source_id=f"{quarter}-{tax_id}-{n}",
                period=str(quarter),
            )
        services.statement_build(partner=partner, period=str(quarter))

    finance = [_user(e) for e in ("finance@prm.demo", "finance2@prm.demo", "finance3@prm.demo")]
    cfo = _user("cfo@prm.demo")
    if None in finance or cfo is None:
        return
    preparer, *approvers = finance

    def advance(tax_id: str, until: str, *, approvers_list=None) -> Statement | None:
        partner = partners.get(tax_id)
        statement = Statement.objects.filter(partner=partner, period=str(quarter)).first()
        if statement is None or statement.state != StatementState.DRAFT:
            return None
        services.statement_submit(statement=statement, actor=preparer)
        if until == StatementState.IN_REVIEW:
            return statement
        statement.refresh_from_db()
        for approver in (approvers_list or approvers)[: statement.required_approvals]:
            services.statement_approve(statement=statement, actor=approver)
        services.statement_publish(statement=statement, actor=preparer)
        return statement

    # Countersigned by three approvers (payable above 1,000,000 CNY), waiting for the partner.
    advance(HUADONG, StatementState.PUBLISHED, approvers_list=[*approvers, cfo])
    # Disputed by the partner on its rebate line.
    zhilian = advance(ZHILIAN, StatementState.DISPUTED)
    partner_finance = _user("finance@zhilian.demo")
    if zhilian is not None and partner_finance is not None:
        services.statement_dispute(
            statement=zhilian,
            actor=partner_finance,
            line_ids=[zhilian.lines.filter(kind=EntryKind.REBATE_ACCRUAL).first().pk],
            reason="返利应按120%达成率档位计算，请核对第三季度退货数据。",
        )
    # Confirmed by the partner and paid.
    northwind = advance(NORTHWIND, StatementState.PAID)
    northwind_finance = _user("finance@northwind.demo")
    if northwind is not None and northwind_finance is not None:
        services.statement_confirm(statement=northwind, actor=northwind_finance)
        services.statement_mark_paid(statement=northwind, actor=preparer)
    # Still with finance.
    advance(YUNQI, StatementState.IN_REVIEW)
    if partner_finance is not None and ZHILIAN in partners:
        _reissued(quarter.previous(), partners[ZHILIAN], preparer, approvers, partner_finance)


def _reissued(
    quarter: Quarter, partner: Partner, preparer: User, approvers: list[User], partner_user: User
) -> None:
    """The quarter before: a statement disputed by the partner and re-issued by finance as
    revision 2 with the agreed adjustment, reviewed again and published (DESIGN §6.2)."""
    services.settlement_entry_queue(
        partner=partner,
        kind=EntryKind.REBATE_ACCRUAL,
        amount=Decimal("64000.00"),
        currency=partner.contract_currency,
        description_key=REBATE,
        description_params={"programme": STANDARD, "period": str(quarter)},
        source_type="demo",
        source_id=f"{quarter}-{partner.tax_id}-1",
        period=str(quarter),
    )
    services.statement_build(partner=partner, period=str(quarter))
    statement = Statement.objects.filter(partner=partner, period=str(quarter), revision=1).first()
    if statement is None or statement.state != StatementState.DRAFT:
        return

    def reviewed_and_published(item: Statement) -> None:
        services.statement_submit(statement=item, actor=preparer)
        item.refresh_from_db()
        for approver in approvers[: item.required_approvals]:
            services.statement_approve(statement=item, actor=approver)
        services.statement_publish(statement=item, actor=preparer)

    reviewed_and_published(statement)
    dispute = services.statement_dispute(
        statement=statement,
        actor=partner_user,
        line_ids=[statement.lines.first().pk],
        reason="漏计了 9 月份两笔项目订单的返利，请补充。",
    )
    services.dispute_resolve(
        dispute=dispute,
        actor=preparer,
        answer="核实无误：补计 3,200.00 元返利，对账单重新开具为第 2 版。",
        adjustment_amount=Decimal("3200.00"),
        reissue=True,
    )
    statement.refresh_from_db()
    reviewed_and_published(statement.successor)


def _reconciliation(quarter: Quarter) -> None:
    day = quarter.start + datetime.timedelta(days=20)

    def on(days: int) -> str:
        return (day + datetime.timedelta(days=days)).isoformat()

    q = str(quarter)
    OrderImporter().save(
        [
            # matched by reference (with its delivery)
            {"partner_tax_id": HUADONG, "order_number": f"SO-{q}-001", "order_date": on(0),
             "amount": "100000.00", "currency": "CNY"},
            # matched by partner, amount and date
            {"partner_tax_id": HUADONG, "order_number": f"SO-{q}-002", "order_date": on(2),
             "amount": "56000.00", "currency": "CNY"},
            # paid twice: duplicate payment, overpaid
            {"partner_tax_id": ZHILIAN, "order_number": f"SO-{q}-003", "order_date": on(4),
             "amount": "23800.00", "currency": "CNY"},
            # paid short: amount deviation, partially paid
            {"partner_tax_id": ZHILIAN, "order_number": f"SO-{q}-004", "order_date": on(6),
             "amount": "80000.00", "currency": "CNY"},
        ],
        None,
    )  # fmt: skip
    DeliveryImporter().save(
        [
            {"partner_tax_id": HUADONG, "delivery_number": f"DN-{q}-001",
             "order_number": f"SO-{q}-001", "delivery_date": on(3), "amount": "100000.00",
             "currency": "CNY"},
            # names an order nobody knows: delivery without an order
            {"partner_tax_id": ZHILIAN, "delivery_number": f"DN-{q}-009",
             "order_number": f"SO-{q}-999", "delivery_date": on(8), "amount": "12000.00",
             "currency": "CNY"},
        ],
        None,
    )  # fmt: skip
    PaymentImporter().save(
        [
            {"partner_tax_id": HUADONG, "transaction_id": f"BK-{q}-0001",
             "reference": f"SO-{q}-001", "payment_date": on(30), "amount": "100000.00",
             "currency": "CNY"},
            {"partner_tax_id": HUADONG, "transaction_id": f"BK-{q}-0002", "reference": "",
             "payment_date": on(5), "amount": "56000.00", "currency": "CNY"},
            {"partner_tax_id": ZHILIAN, "transaction_id": f"BK-{q}-0003",
             "reference": f"SO-{q}-003", "payment_date": on(10), "amount": "23800.00",
             "currency": "CNY"},
            {"partner_tax_id": ZHILIAN, "transaction_id": f"BK-{q}-0004",
             "reference": f"SO-{q}-003", "payment_date": on(12), "amount": "23800.00",
             "currency": "CNY"},
            {"partner_tax_id": ZHILIAN, "transaction_id": f"BK-{q}-0005",
             "reference": f"SO-{q}-004", "payment_date": on(15), "amount": "60000.00",
             "currency": "CNY"},
            # quotes an invoice, matches no order: payment without an order
            {"partner_tax_id": HUADONG, "transaction_id": f"BK-{q}-0006",
             "reference": "INV-77821", "payment_date": on(18), "amount": "3333.00",
             "currency": "CNY"},
        ],
        None,
    )  # fmt: skip
    if ReconciliationRun.objects.exists():
        return
    run = ReconciliationRun.objects.create(started_by=_user("finance@prm.demo"))
    for chunk in services.reconciliation_run_fan_out(run_id=run.pk, chunks=2):
        services.reconciliation_chunk_run(run_id=run.pk, partner_range=(chunk[0], chunk[1]))


def _credit_ratings(quarter: Quarter) -> None:
    """Two quarters of credit ratings (DESIGN §2.6): the quarter before, with nothing due yet,
    then the reconciled quarter, where Zhilian's short payment still unpaid drops its grade and
    proposes a lower limit to finance. Each run skips the partners already rated."""
    credit_rating_run(quarter=quarter.previous())
    credit_rating_run(quarter=quarter)


def seed(*, stdout=None) -> None:
    quarter = Quarter.containing(timezone.localdate()).previous()
    for base, quote, rate in RATES:
        FxRate.objects.get_or_create(
            base_currency=base,
            quote_currency=quote,
            rate_date=quarter.end,
            defaults={"rate": Decimal(rate)},
        )
    partners = {p.tax_id: p for p in Partner.objects.filter(tax_id__in=list(ENTRIES))}
    if len(partners) < len(ENTRIES):
        if stdout:
            stdout.write("settlement: demo partners missing, skipped")
        return
    _statements(quarter, partners)
    _reconciliation(quarter)
    _credit_ratings(quarter)
    if stdout:
        stdout.write(f"settlement: statements and a reconciliation run for {quarter}")
