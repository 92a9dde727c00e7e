"""The set-based refresh of the precomputed inventory figures and the alerts they raise.

`inventory_figures_refresh(partner_ids)` is what the report import calls after a report is
accepted (and the nightly job with every partner): it rebuilds, in SQL and chunk by chunk of
partners, the `InventoryFigure` rows of the last 13 months, then the `InventoryRollup` rows of those
months, then raises the month's ageing and stock-out alerts. Each step deletes and inserts its own
rows in one transaction, so running it twice gives the same rows (definitions in
`inventory.models_figures`). Raw SQL reads inventory's own tables only; the product's family and
the partner's regions are copied in through the ORM.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import CharField, F, OuterRef, Subquery, Value
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from core.notifications import notify
from deals.models import Product, ProductFamily
from partners.models import Partner

from .models import FamilyAlertLimit
from .models_figures import InventoryFigure, InventoryRollup, RollupDimension

CHUNK_PARTNERS = 500
TREND_MONTHS = 12
DEFAULT_AGEING_DAYS = FamilyAlertLimit._meta.get_field("ageing_days").default
DEFAULT_STOCK_OUT_DAYS = FamilyAlertLimit._meta.get_field("stock_out_days").default
ROLLUP_LOCK = 7_341_101  # one rollup rebuild at a time (advisory lock key)


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def month_add(month: datetime.date, months: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


FIGURES_SQL = """
WITH months AS (
    SELECT generate_series(%(start)s::date, %(through)s::date, interval '1 month')::date AS month
), pairs AS (
    SELECT partner_id, product_id FROM inventory_inventorysnapshot
     WHERE is_current AND partner_id = ANY(%(ids)s) AND as_of < %(end)s
    UNION
    SELECT partner_id, product_id FROM inventory_sellthroughline
     WHERE is_current AND partner_id = ANY(%(ids)s) AND sold_on >= %(sales_from)s
       AND sold_on < %(end)s
)
INSERT INTO inventory_inventoryfigure
    (partner_id, product_id, partner_regions, partner_name, month, as_of, on_hand, sold_month, sold_90d,
     sold_12m, avg_on_hand_12m, avg_daily, days_of_inventory, turnover, ageing, stock_out)
SELECT p.partner_id, p.product_id, '{}', '', m.month, s.as_of, s.on_hand,
       COALESCE(sm.qty, 0), COALESCE(s90.qty, 0), COALESCE(s12.qty, 0), ROUND(a.avg_on_hand, 2),
       ROUND(COALESCE(s90.qty, 0) / 90.0, 4),
       CASE WHEN s.on_hand IS NULL THEN NULL
            WHEN s.on_hand = 0 THEN 0
            WHEN COALESCE(s90.qty, 0) = 0 THEN NULL
            ELSE ROUND(s.on_hand * 90.0 / s90.qty, 1) END,
       CASE WHEN a.avg_on_hand > 0 THEN ROUND(COALESCE(s12.qty, 0) / a.avg_on_hand, 2) END,
       false, false
FROM pairs p CROSS JOIN months m
LEFT JOIN LATERAL (
    SELECT x.on_hand, x.as_of FROM inventory_inventorysnapshot x
     WHERE x.is_current AND x.partner_id = p.partner_id AND x.product_id = p.product_id
       AND x.as_of < m.month + interval '1 month'
     ORDER BY x.as_of DESC LIMIT 1
) s ON true
CROSS JOIN LATERAL (
    SELECT COALESCE(s.as_of, (m.month + interval '1 month' - interval '1 day')::date) AS ref
) r
LEFT JOIN LATERAL (
    SELECT SUM(l.quantity) AS qty FROM inventory_sellthroughline l
     WHERE l.is_current AND l.partner_id = p.partner_id AND l.product_id = p.product_id
       AND l.sold_on >= m.month AND l.sold_on < m.month + interval '1 month'
) sm ON true
LEFT JOIN LATERAL (
    SELECT SUM(l.quantity) AS qty FROM inventory_sellthroughline l
     WHERE l.is_current AND l.partner_id = p.partner_id AND l.product_id = p.product_id
       AND l.sold_on > r.ref - 90 AND l.sold_on <= r.ref
) s90 ON true
LEFT JOIN LATERAL (
    SELECT SUM(l.quantity) AS qty FROM inventory_sellthroughline l
     WHERE l.is_current AND l.partner_id = p.partner_id AND l.product_id = p.product_id
       AND l.sold_on >= m.month - interval '11 months' AND l.sold_on < m.month + interval '1 month'
) s12 ON true
LEFT JOIN LATERAL (
    SELECT AVG(x.on_hand) AS avg_on_hand FROM inventory_inventorysnapshot x
     WHERE x.is_current AND x.partner_id = p.partner_id AND x.product_id = p.product_id
       AND x.as_of >= m.month - interval '11 months' AND x.as_of < m.month + interval '1 month'
) a ON true
WHERE s.as_of IS NOT NULL OR s12.qty IS NOT NULL
"""

FLAGS_SQL = """
UPDATE inventory_inventoryfigure f SET
    ageing = COALESCE(f.on_hand, 0) > 0
             AND (f.days_of_inventory IS NULL OR f.days_of_inventory > lim.ageing_days),
    stock_out = f.on_hand IS NOT NULL AND f.sold_90d > 0
                AND (f.on_hand = 0 OR f.days_of_inventory < lim.stock_out_days)
FROM (
    SELECT g.id, COALESCE(l.ageing_days, %(ageing)s) AS ageing_days,
           COALESCE(l.stock_out_days, %(stock_out)s) AS stock_out_days
      FROM inventory_inventoryfigure g
      LEFT JOIN inventory_familyalertlimit l ON l.family_id = g.family_id
     WHERE g.month BETWEEN %(start)s AND %(through)s {where}
) lim
WHERE lim.id = f.id
"""

# Sums of one group; DOI and turnover from the sums (never an average of ratios).
ROLLUP_COLUMNS = """
    COUNT(*), COUNT(f.on_hand), SUM(COALESCE(f.on_hand, 0)), SUM(f.sold_month), SUM(f.sold_90d),
    SUM(f.sold_12m), SUM(COALESCE(f.avg_on_hand_12m, 0)),
    CASE WHEN COUNT(f.on_hand) = 0 THEN NULL
         WHEN SUM(f.sold_90d) > 0 THEN ROUND(SUM(COALESCE(f.on_hand, 0)) * 90.0 / SUM(f.sold_90d), 1)
         WHEN SUM(COALESCE(f.on_hand, 0)) = 0 THEN 0 END,
    CASE WHEN SUM(COALESCE(f.avg_on_hand_12m, 0)) > 0
         THEN ROUND(SUM(f.sold_12m) / SUM(COALESCE(f.avg_on_hand_12m, 0)), 2) END,
    SUM(f.ageing::int), SUM(f.stock_out::int)
"""
ROLLUP_INSERT = """
INSERT INTO inventory_inventoryrollup
    (dimension, partner_id, product_id, family_id, region, partner_regions, label, month,
     positions, reported, on_hand, sold_month, sold_90d, sold_12m, avg_on_hand_12m, days_of_inventory,
     turnover, ageing_count, stock_out_count)
SELECT {keys}, '', f.month, {columns}
FROM inventory_inventoryfigure f {unnest}
WHERE f.month = ANY(%(months)s)
GROUP BY f.month{group}
"""
UNNEST = "CROSS JOIN LATERAL unnest(f.partner_regions) AS r(code)"
# (dimension, keys: partner, product, family, region, partner_regions; unnest; group by)
ROLLUP_GROUPS = (
    ("total", "NULL::int, NULL::int, NULL::int, '', '{}'::varchar[]", "", ""),
    ("partner", "f.partner_id, NULL::int, NULL::int, '', f.partner_regions", "", ", 2, 6"),
    ("partner", "f.partner_id, NULL::int, f.family_id, '', f.partner_regions", "", ", 2, 4, 6"),
    ("product", "NULL::int, f.product_id, f.family_id, '', '{}'::varchar[]", "", ", 3, 4"),
    (
        "product",
        "NULL::int, f.product_id, f.family_id, r.code, '{}'::varchar[]",
        UNNEST,
        ", 3, 4, 5",
    ),
    ("family", "NULL::int, NULL::int, f.family_id, '', '{}'::varchar[]", "", ", 4"),
    ("family", "NULL::int, NULL::int, f.family_id, r.code, '{}'::varchar[]", UNNEST, ", 4, 5"),
    ("region", "NULL::int, NULL::int, NULL::int, r.code, '{}'::varchar[]", UNNEST, ", 5"),
    ("region", "NULL::int, NULL::int, f.family_id, r.code, '{}'::varchar[]", UNNEST, ", 4, 5"),
)


def _chunks(ids: list[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _partner_ids_with_data() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT partner_id FROM inventory_inventoryreport WHERE is_current"
            " ORDER BY partner_id"
        )
        return [row[0] for row in cursor.fetchall()]


def _figures_rebuild(ids: list[int], start: datetime.date, through: datetime.date) -> int:
    end = month_add(through, 1)
    params = {
        "ids": ids,
        "start": start,
        "through": through,
        "end": end,
        "sales_from": month_add(start, -12),
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM inventory_inventoryfigure"
            " WHERE partner_id = ANY(%(ids)s) AND month BETWEEN %(start)s AND %(through)s",
            params,
        )
        cursor.execute(FIGURES_SQL, params)
        count = cursor.rowcount
        rows = InventoryFigure.objects.unrestricted("refresh of the figures it just wrote").filter(
            partner_id__in=ids, month__range=(start, through)
        )
        rows.update(
            family_id=Subquery(
                Product.objects.filter(pk=OuterRef("product_id")).values("family_id")[:1]
            ),
            partner_regions=Subquery(
                Partner.objects.unrestricted("the refresh copies every partner's regions")
                .filter(pk=OuterRef("partner_id"))
                .values("regions")[:1]
            ),
            partner_name=Subquery(
                Partner.objects.unrestricted("the refresh copies every partner's name")
                .filter(pk=OuterRef("partner_id"))
                .values("legal_name")[:1]
            ),
        )
        figures_flags_update(start=start, through=through, partner_ids=ids)
    return count


def figures_flags_update(
    *,
    start: datetime.date,
    through: datetime.date,
    partner_ids: list[int] | None = None,
    family_id: int | None = None,
) -> None:
    """Mark ageing and stock-out figures by their family's limits (also after a limit changes)."""
    where, params = (
        "",
        {
            "start": start,
            "through": through,
            "ageing": DEFAULT_AGEING_DAYS,
            "stock_out": DEFAULT_STOCK_OUT_DAYS,
        },
    )
    if partner_ids is not None:
        where += " AND g.partner_id = ANY(%(ids)s)"
        params["ids"] = partner_ids
    if family_id is not None:
        where += " AND g.family_id = %(family)s"
        params["family"] = family_id
    with connection.cursor() as cursor:
        cursor.execute(FLAGS_SQL.format(where=where), params)


def rollups_rebuild(months: list[datetime.date]) -> int:
    """Rebuild every group's sums of `months` (all partners), in one transaction."""
    count = 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ROLLUP_LOCK])
        cursor.execute(
            "DELETE FROM inventory_inventoryrollup WHERE month = ANY(%(months)s)",
            {"months": months},
        )
        for dimension, keys, unnest, group in ROLLUP_GROUPS:
            sql = ROLLUP_INSERT.format(
                keys=f"'{dimension}', {keys}", columns=ROLLUP_COLUMNS, unnest=unnest, group=group
            )
            cursor.execute(sql, {"months": months})
            count += cursor.rowcount
        rollups = InventoryRollup.objects.unrestricted("vendor-side sums").filter(month__in=months)
        rollups.filter(dimension=RollupDimension.PARTNER).update(
            label=Subquery(
                Partner.objects.unrestricted("labels of the partner sums")
                .filter(pk=OuterRef("partner_id"))
                .values("legal_name")[:1]
            )
        )
        rollups.filter(dimension=RollupDimension.PRODUCT).update(
            label=Subquery(
                Product.objects.filter(pk=OuterRef("product_id"))
                .annotate(text=Concat("sku", Value(" "), "name", output_field=CharField()))
                .values("text")[:1]
            )
        )
        rollups.filter(dimension=RollupDimension.FAMILY).update(
            label=Subquery(
                ProductFamily.objects.filter(pk=OuterRef("family_id")).values("name")[:1]
            )
        )
        # A region row is labelled by its code (the page shows the name in the reader's language).
        rollups.filter(dimension=RollupDimension.REGION).update(label=F("region"))
    return count


def inventory_figures_refresh(
    partner_ids: Iterable[int] | None = None,
    *,
    through: datetime.date | None = None,
    months: int = TREND_MONTHS + 1,
    rollup_months: int | None = None,
    alerts: bool = True,
) -> int:
    """Rebuild the figures of `partner_ids` (every partner with reports when None) for the
    `months` months ending with `through` (this month), chunk by chunk, then the group sums of
    the last `rollup_months` months, then raise this month's alerts. Idempotent; returns the
    figure rows written.

    The group sums read every partner's figures: after one report (partner ids given) only the
    last two months are summed again by default, the nightly run (None) sums the trend's 13."""
    through = month_start(through or timezone.localdate())
    start = month_add(through, -(months - 1))
    ids = sorted(set(partner_ids)) if partner_ids is not None else _partner_ids_with_data()
    count = 0
    for chunk in _chunks(ids, CHUNK_PARTNERS):
        count += _figures_rebuild(chunk, start, through)
    if partner_ids is None:  # after rewriting every partner's rows, fresh planner statistics
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE inventory_inventoryfigure")
    if rollup_months is None:
        rollup_months = months if partner_ids is None else min(months, 2)
    rollups_rebuild([month_add(through, -i) for i in range(rollup_months)])
    if alerts:
        inventory_alerts_raise(month=through, partner_ids=ids if partner_ids is not None else None)
    return count


ALERTS_SQL = """
INSERT INTO inventory_inventoryalert
    (partner_id, product_id, kind, month, days_of_inventory, on_hand, created_at)
SELECT f.partner_id, f.product_id, k.kind, f.month, f.days_of_inventory, f.on_hand, now()
FROM inventory_inventoryfigure f
CROSS JOIN LATERAL (
    SELECT 'ageing' AS kind WHERE f.ageing UNION ALL SELECT 'stock_out' WHERE f.stock_out
) k
WHERE f.month = %(month)s AND (f.ageing OR f.stock_out) {where}
ON CONFLICT (partner_id, product_id, kind, month) DO NOTHING
RETURNING partner_id, kind
"""


def inventory_alerts_raise(*, month: datetime.date, partner_ids: list[int] | None = None) -> int:
    """Raise this month's ageing and stock-out alerts once per partner, product and kind, and tell
    each channel manager in one notification how many of their partners' alerts are new."""
    where, params = "", {"month": month_start(month)}
    if partner_ids is not None:
        where, params["ids"] = " AND f.partner_id = ANY(%(ids)s)", list(partner_ids)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(ALERTS_SQL.format(where=where), params)
            raised = cursor.fetchall()
        if raised:
            _alerts_notify(raised, params["month"])
    return len(raised)


def _alerts_notify(raised: list[tuple[int, str]], month: datetime.date) -> None:
    per_partner: dict[int, Counter] = defaultdict(Counter)
    for partner_id, kind in raised:
        per_partner[partner_id][kind] += 1
    managers = (
        Partner.objects.unrestricted("who manages the partners an alert was raised for")
        .filter(pk__in=per_partner, channel_manager__isnull=False)
        .select_related("channel_manager")
        .only("pk", "channel_manager")
    )
    per_manager: dict[int, tuple[object, Counter, int]] = {}
    for partner in managers:
        manager = partner.channel_manager
        _user, counts, partners = per_manager.get(manager.pk, (manager, Counter(), 0))
        per_manager[manager.pk] = (manager, counts + per_partner[partner.pk], partners + 1)
    for manager, counts, partners in per_manager.values():
        if manager.role not in (Role.CHANNEL_MANAGER, Role.CHANNEL_DIRECTOR, Role.ADMIN):
            continue
        notify(
            recipients=[manager],
            kind="inventory.alerts",
            title=_(
                "Inventory alerts for %(month)s: %(ageing)s ageing, %(stock_out)s stock-out"
                " at %(partners)s of your partners"
            ),
            url=f"/inventory/alerts/?month={month:%Y-%m}",
            params={
                "month": f"{month:%Y-%m}",
                "ageing": counts["ageing"],
                "stock_out": counts["stock_out"],
                "partners": partners,
            },
        )


def inventory_limits_apply(family_id: int) -> None:
    """Flag a family's figures again by its new limits and rebuild the trend's group sums (the
    13 months ending with the newest refreshed one)."""
    with transaction.atomic():
        figures_flags_update(
            start=datetime.date.min, through=datetime.date.max, family_id=family_id
        )
    newest = (
        InventoryRollup.objects.unrestricted("the newest refreshed month")
        .filter(dimension=RollupDimension.TOTAL)
        .order_by("-month")
        .values_list("month", flat=True)
        .first()
    )
    if newest is not None:
        rollups_rebuild([month_add(newest, -i) for i in range(TREND_MONTHS + 1)])
