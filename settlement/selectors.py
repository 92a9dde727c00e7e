"""Reads of statements, always starting from what the user may see (DESIGN §1, §6)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import connection
from django.db.models import Count, F, OuterRef, Prefetch, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404

from accounts.choices import FINANCE_ROLES
from accounts.scoping import Action
from deals.selectors import won_revenue_by_currency
from partners.models import Partner

from .choices import (
    PARTNER_VISIBLE_STATES,
    DisputeState,
    MatchMethod,
    ReviewOutcome,
    StatementState,
)
from .line_details import line_details
from .models import (
    Dispute,
    DisputeEvidence,
    Order,
    PartnerTaxProfile,
    Payment,
    ReconciliationAnomaly,
    ReconciliationRun,
    ReviewRound,
    Statement,
    StatementApproval,
    StatementLine,
)
from .rules import PAYMENT_BEHAVIOUR_LOOKBACK_DAYS, PAYMENT_TERMS_DAYS


def _may_see_all(user) -> bool:
    return user.is_authenticated and (user.is_admin or user.role in FINANCE_ROLES)


def statement_list_base_for(*, user) -> QuerySet[Statement]:
    """The statements of the list (`settlement.lists.STATEMENT_LIST` filters and sorts them);
    the open disputes are counted for the page only (`statement_open_disputes_attach`)."""
    return statement_list_for(user=user, annotate=False)


def statement_open_disputes_attach(statements: list[Statement]) -> list[Statement]:
    """Set `open_disputes` on one page of statements the user may already see."""
    counts = dict(
        Dispute.objects.unrestricted("counts the disputes of a page of scoped statements")
        .filter(statement_id__in=[s.pk for s in statements], state=DisputeState.OPEN)
        .values("statement_id")
        .annotate(n=Count("pk"))
        .values_list("statement_id", "n")
    )
    for statement in statements:
        statement.open_disputes = counts.get(statement.pk, 0)
    return statements


def statement_list_for(
    *, user, filters: dict | None = None, action: Action = "view", annotate: bool = True
) -> QuerySet[Statement]:
    """Finance sees (and acts on) every statement; a partner user whose role sees company finance
    its company's published ones, and a distributor its dealers' read-only (DESIGN §1, §6)."""
    if _may_see_all(user):
        statements = Statement.objects.unrestricted("finance works on every partner's statements")
    elif user.is_authenticated and user.is_partner_user:
        statements = Statement.objects.restrict(user, action).filter(
            state__in=PARTNER_VISIBLE_STATES
        )
    else:
        return Statement.objects.none()
    # A correlated count, evaluated for the page's rows only: a Count over a join would group
    # every statement before the page is cut (80,000 a year at full scale).
    open_disputes = (
        Dispute.objects.unrestricted("correlated to statements already scoped")
        .filter(statement=OuterRef("pk"), state=DisputeState.OPEN)
        .order_by()
        .values("statement")
        .annotate(n=Count("pk"))
        .values("n")
    )
    statements = statements.select_related("partner")
    if annotate:
        statements = statements.annotate(open_disputes=Coalesce(Subquery(open_disputes), 0))
    statements = statements.order_by("-period", "partner__legal_name", "-revision", "pk")
    filters = filters or {}
    if filters.get("period"):
        statements = statements.filter(period=filters["period"])
    if filters.get("state"):
        statements = statements.filter(state=filters["state"])
    if filters.get("currency"):
        statements = statements.filter(currency=filters["currency"])
    if filters.get("partner"):
        statements = statements.filter(partner__legal_name__icontains=filters["partner"])
    return statements


def statement_search_for(*, user, text: str, limit: int) -> list[Statement]:
    """Statements the user may read whose number is, or starts with, `text` (case aside): the
    unique b-tree index on the number serves both (the database collates bytewise)."""
    number = text.replace(" ", "").upper()
    return list(statement_list_for(user=user).filter(number__startswith=number)[:limit])


def statement_get_for(*, user, pk, action: Action = "view") -> Statement:
    """One statement the user may read, or with action="manage" act on; otherwise a 404."""
    try:
        return statement_list_for(user=user, action=action).get(pk=pk)
    except (Statement.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def dispute_evidence_get_for(*, user, pk) -> DisputeEvidence:
    """One evidence file of a dispute on a statement the user may read; otherwise a 404."""
    try:
        return DisputeEvidence.objects.unrestricted(
            "narrowed to the statements the user reads"
        ).get(
            pk=pk, dispute__statement__in=statement_list_for(user=user, annotate=False).values("pk")
        )
    except (DisputeEvidence.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def statement_revisions_for(*, user, statement: Statement) -> dict:
    """The statement's neighbours in its revision chain as the user may see them (DESIGN §6.2):
    `previous`, the statement it supersedes, and `successor`, the revision that supersedes it.
    A revision still with finance is not the partner's to open: only its number is given."""
    linked = [pk for pk in (statement.revision_of_id,) if pk]
    successor = None
    if statement.state == StatementState.SUPERSEDED:  # only these have a successor
        successor = (
            Statement.objects.unrestricted("the number of a revision of a statement the user reads")
            .filter(revision_of=statement)
            .only("pk", "number", "revision", "state")
            .first()
        )
    if successor is not None:
        linked.append(successor.pk)
    visible = (
        set(
            statement_list_for(user=user, annotate=False)
            .filter(pk__in=linked)
            .values_list("pk", flat=True)
        )
        if linked
        else set()
    )
    previous = None
    if statement.revision_of_id in visible:
        previous = (
            Statement.objects.unrestricted("visible to the user, checked above")
            .only("pk", "number", "revision")
            .get(pk=statement.revision_of_id)
        )
    return {
        "previous": previous,
        "successor": successor,
        "successor_visible": successor is not None and successor.pk in visible,
    }


def statement_open_dispute(*, statement: Statement) -> Dispute | None:
    """The open dispute of a statement the caller already may act on."""
    return (
        Dispute.objects.unrestricted("a dispute of a statement already scoped")
        .filter(statement=statement, state=DisputeState.OPEN)
        .order_by("pk")
        .first()
    )


def review_rounds_for(*, user, statement: Statement) -> list[ReviewRound]:
    """The statement's review rounds with their approvals, oldest first (three queries).

    Finance sees every round, returned ones and their notes included; anyone else who may see
    the statement sees only the round that approved it.
    """
    rounds = (
        ReviewRound.objects.filter(statement=statement)
        .select_related("submitted_by", "ended_by")
        .prefetch_related(
            Prefetch(
                "approvals",
                queryset=StatementApproval.objects.select_related("approver").order_by(
                    "created_at", "pk"
                ),
            )
        )
        .order_by("number")
    )
    if not _may_see_all(user):
        rounds = rounds.filter(outcome=ReviewOutcome.APPROVED)
    return list(rounds)


def _counted_approvals() -> QuerySet[StatementApproval]:
    return (
        StatementApproval.objects.exclude(review_round__outcome=ReviewOutcome.RETURNED)
        .select_related("approver")
        .order_by("created_at", "pk")
    )


def statement_counted_approvals(*, statement: Statement) -> QuerySet[StatementApproval]:
    """The approvals that count: those of the open or approving round, never of a returned one."""
    return _counted_approvals().filter(statement=statement)


def statement_pdf_batch(*, ids: list[int]) -> list[Statement]:
    """A chunk of a batch export (a job's, which finance started for the whole period): the
    statements with partner, lines (with their entries) and counted approvals
    (`counted_approvals`) in three queries, and the lines' calculation summaries
    (`line_details`) in one more per source type, whatever the number of statements."""
    statements = list(
        Statement.objects.unrestricted("a batch export finance started for the whole period")
        .filter(pk__in=ids)
        .select_related("partner")
        .prefetch_related(
            Prefetch("lines", StatementLine.objects.select_related("entry")),
            Prefetch("approvals", _counted_approvals(), to_attr="counted_approvals"),
        )
        .order_by("number")
    )
    # How each line was calculated, one query per source type for the whole chunk.
    details = line_details(line for statement in statements for line in statement.lines.all())
    for statement in statements:
        statement.line_details = details
    return statements


def dispute_get_for(*, user, pk) -> Dispute:
    visible = statement_list_for(user=user).values("pk")
    try:
        return (
            Dispute.objects.restrict(user, "view")
            .select_related("statement")
            .get(pk=pk, statement__in=visible)
        )
    except (Dispute.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


# --- reconciliation: finance only (DESIGN §6.4) ---------------------------------------------
def reconciliation_run_list_for(*, user) -> QuerySet[ReconciliationRun]:
    runs = ReconciliationRun.objects.select_related("job", "started_by")
    return runs if _may_see_all(user) else runs.none()


def reconciliation_run_get_for(*, user, pk) -> ReconciliationRun:
    try:
        return reconciliation_run_list_for(user=user).get(pk=pk)
    except (ReconciliationRun.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def reconciliation_run_summary(*, run: ReconciliationRun) -> dict:
    """What a run added (matches by method, anomalies by kind) and, once it finished, the orders
    by status (a full count, so not on every progress poll)."""
    orders = (
        dict(
            Order.objects.unrestricted("finance only: the caller checked the run")
            .values_list("status")
            .annotate(n=Count("pk"))
            .order_by("status")
        )
        if run.is_finished
        else {}
    )
    return {
        # Counted on the run as its chunks commit: no count over the match table.
        "matches": {
            method: n
            for method, n in (
                (MatchMethod.REFERENCE.value, run.matched_by_reference),
                (MatchMethod.WINDOW.value, run.matched_by_window),
            )
            if n
        },
        "anomalies": dict(
            run.anomalies.values_list("kind").annotate(n=Count("pk")).order_by("kind")
        ),
        "orders": orders,
    }


def order_list_for(*, user) -> QuerySet[Order]:
    """The reconciliation results (`settlement.lists.ORDER_LIST` filters and sorts them)."""
    if not _may_see_all(user):
        return Order.objects.none()
    return Order.objects.unrestricted("finance only, checked above").select_related("partner")


def anomaly_list_for(*, user) -> QuerySet[ReconciliationAnomaly]:
    """The finance queue (`settlement.lists.ANOMALY_LIST` filters and sorts it)."""
    if not _may_see_all(user):
        return ReconciliationAnomaly.objects.none()
    anomalies = ReconciliationAnomaly.objects.unrestricted("finance only, checked above")
    return anomalies.select_related(
        "partner",
        "order",
        "payment",
        "related_payment",
        "delivery",
        "resolution__actor",
    )


def anomaly_get_for(*, user, pk) -> ReconciliationAnomaly:
    try:
        return anomaly_list_for(user=user).get(pk=pk)
    except (ReconciliationAnomaly.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def partner_orders_by_currency(*, partner) -> list[tuple[str, object]]:
    """(currency, total) of the partner's orders (DESIGN §2.6): those reconciliation knows
    (imported from the ERP or taken from won deals, DESIGN §6.4) plus won deals it has not taken
    in yet. The credit figure "orders" (registered into `partners.figures`)."""
    orders = Order.objects.unrestricted("the partner was authorised by the caller").filter(
        partner=partner
    )
    known = orders.values("currency").annotate(total=Sum("amount")).values_list("currency", "total")
    not_yet_taken = won_revenue_by_currency(
        partner=partner, exclude_order_numbers=orders.values("reference")
    )
    return [*known, *not_yet_taken]


def partner_payments_by_currency(*, partner) -> list[tuple[str, object]]:
    """(currency, total) of the payments received from the partner, imported for reconciliation
    (figure "payments")."""
    return list(
        Payment.objects.unrestricted("the partner was authorised by the caller")
        .filter(partner=partner)
        .values("currency")
        .annotate(total=Sum("amount"))
        .values_list("currency", "total")
    )


# The columns `payment_behaviour_by_partner` returns per partner and currency.
_BEHAVIOUR_SQL = """
    WITH due AS (
        SELECT o.id, o.partner_id, o.currency, o.amount, o.paid_amount,
               o.order_date + %(terms)s AS due_on
        FROM settlement_order o
        WHERE o.order_date + %(terms)s < %(as_of)s
          AND (o.paid_amount < o.amount OR o.order_date + %(terms)s >= %(since)s)
          {partner_filter}
    ), paid AS (
        SELECT m.order_id, max(p.paid_on) AS last_paid_on
        FROM settlement_reconciliationmatch m
        JOIN settlement_payment p ON p.id = m.payment_id
        WHERE m.order_id IN (SELECT id FROM due) AND p.paid_on <= %(as_of)s
        GROUP BY m.order_id
    ), late AS (
        SELECT due.*,
               CASE
                   WHEN paid_amount >= amount
                       THEN greatest(coalesce(paid.last_paid_on, due_on) - due_on, 0)
                   ELSE %(as_of)s - due_on
               END AS days_late
        FROM due LEFT JOIN paid ON paid.order_id = due.id
    )
    SELECT partner_id, currency,
           count(*) FILTER (WHERE due_on >= %(since)s) AS orders_due,
           count(*) FILTER (WHERE due_on >= %(since)s AND days_late > 0) AS orders_late,
           coalesce(sum(days_late) FILTER (WHERE due_on >= %(since)s AND days_late > 0), 0)
               AS days_late_total,
           coalesce(sum(amount - paid_amount) FILTER (WHERE paid_amount < amount), 0) AS overdue
    FROM late
    GROUP BY partner_id, currency
"""

_DISPUTES_LOST_SQL = """
    SELECT s.partner_id, count(*)
    FROM settlement_dispute d
    JOIN settlement_statement s ON s.id = d.statement_id
    WHERE d.state = %(resolved)s
      AND coalesce(d.adjustment_amount, 0) = 0
      AND d.answered_at::date >= %(since)s AND d.answered_at::date <= %(as_of)s
      {partner_filter}
    GROUP BY s.partner_id
"""


def payment_behaviour_by_partner(*, partner_ids=None, as_of) -> dict[int, dict]:
    """How each partner paid, from reconciliation (DESIGN §2.6, §6.4), set-based: one query over
    orders and one over disputes for any number of partners. The credit figure
    "payment_behaviour" (registered into `partners.figures`).

    An order is due `PAYMENT_TERMS_DAYS` after its date. Over the orders that fell due in the last
    `PAYMENT_BEHAVIOUR_LOOKBACK_DAYS`: how many, how many were paid in full after their due date
    or are still unpaid (late), and their days late (to the last matched payment, or to `as_of`
    while unpaid). The overdue exposure is what is still unpaid of every order past its due date,
    per currency. A dispute is lost when finance answered it without an adjustment.

    {partner id: {"orders_due", "orders_late", "days_late_total", "overdue": {currency: amount},
    "disputes_lost"}}; partners with nothing due and no dispute are absent.
    """
    since = as_of - datetime.timedelta(days=PAYMENT_BEHAVIOUR_LOOKBACK_DAYS)
    params = {
        "as_of": as_of,
        "since": since,
        "terms": PAYMENT_TERMS_DAYS,
        "resolved": DisputeState.RESOLVED,
    }
    ids = None if partner_ids is None else [int(pk) for pk in partner_ids]
    if ids is not None:
        params["ids"] = ids
    result: dict[int, dict] = {}

    def entry(pid: int) -> dict:
        return result.setdefault(
            pid,
            {
                "orders_due": 0,
                "orders_late": 0,
                "days_late_total": 0,
                "overdue": {},
                "disputes_lost": 0,
            },
        )

    with connection.cursor() as cursor:
        cursor.execute(
            _BEHAVIOUR_SQL.format(
                partner_filter="AND o.partner_id = ANY(%(ids)s)" if ids is not None else ""
            ),
            params,
        )
        for pid, currency, due, late, days, overdue in cursor.fetchall():
            row = entry(pid)
            row["orders_due"] += due
            row["orders_late"] += late
            row["days_late_total"] += int(days)
            if overdue:
                row["overdue"][currency] = row["overdue"].get(currency, Decimal("0")) + overdue
        cursor.execute(
            _DISPUTES_LOST_SQL.format(
                partner_filter="AND s.partner_id = ANY(%(ids)s)" if ids is not None else ""
            ),
            params,
        )
        for pid, lost in cursor.fetchall():
            entry(pid)["disputes_lost"] = lost
    return result


def partner_tax_rates() -> QuerySet[PartnerTaxProfile]:
    """Partners with a withholding tax rate set (finance's settings page), by partner name."""
    return (
        PartnerTaxProfile.objects.unrestricted("finance's settings page: every partner's rate")
        .exclude(tax_rate=0)
        .annotate(rate_percent=F("tax_rate") * 100)
        .select_related("partner")
        .order_by("partner__legal_name", "pk")
    )


def partner_for_tax_id(tax_id: str):
    """The partner registered under `tax_id`, or None (finance's tax rate form)."""
    return (
        Partner.objects.unrestricted("finance's settings page: any partner by its tax ID")
        .filter(tax_id=tax_id.strip())
        .first()
    )
