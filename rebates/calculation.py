"""The accrual calculation (DESIGN §5.1, §5.2): two set-based SQL statements per programme and chunk.

First one scan of the quarter's lines into per-contract sums, then the rules and one upsert.

For each partner with a target in the quarter: eligible lines converted to the contract currency at
the FX rate of the quarter's last day, revenue R, attainment A = R ÷ T, base rebate B (retroactive
bracket, marginal brackets, or base + share), effective rate e = B ÷ R, per-contract rebate with the
strategic bonus, tier multiplier and NPS modifier, the 20% cap per contract, the sum rounded once
(half away from zero) and floored at 0. Rows are upserted only when their inputs changed, so a run
is idempotent and a re-run after a crash converges to the same rows.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import connection

from core.fx import FxRateMissing, fx_rate
from core.money import MINOR_UNITS
from core.periods import Quarter

from .models import Programme, Target


def partner_nps_sql() -> str:
    """A relation (partner_id, nps) of each partner's latest NPS; none recorded → neutral modifier.

    The NPS is computed by the partners app from its survey answers (DESIGN §2.4).
    """
    from partners.selectors import partner_nps_sql as surveyed_nps_sql

    return surveyed_nps_sql()


def _fx_candidates(
    period: Quarter, partner_range: tuple[int, int]
) -> list[tuple[str, str, Decimal]]:
    """The quarter-end rate of every supported currency into each contract currency of the chunk.

    Pairs without a rate are left out; a line that needs one is caught after the scan.
    """
    quotes = (
        Target.objects.filter(
            period=str(period), partner_id__gte=partner_range[0], partner_id__lte=partner_range[1]
        )
        .values_list("partner__contract_currency", flat=True)
        .distinct()
        .order_by("partner__contract_currency")
    )
    rows = []
    for quote in quotes:
        for base in sorted(MINOR_UNITS):
            if base == quote:
                continue
            try:
                rows.append((base, quote, fx_rate(base, quote, period.end)))
            except FxRateMissing:
                continue
    return rows


def _raise_missing_fx(period: Quarter) -> None:
    """A contract summed a line without a rate: name the pair (fx_rate raises FxRateMissing)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT DISTINCT s.currency, p.contract_currency
            FROM rebates_calc_contract c
            JOIN partners_partner p ON p.id = c.partner_id
            JOIN rebates_salesline s ON s.partner_id = c.partner_id
            WHERE c.fx_missing AND s.invoice_date BETWEEN %s AND %s
              AND s.currency <> p.contract_currency
            ORDER BY 1, 2
            """,
            [period.start, period.end],
        )
        for base, quote in cursor.fetchall():
            fx_rate(base, quote, period.end)
    raise FxRateMissing(str(period))


# Step 1: one scan of the quarter's lines into per-contract sums in the contract currency. It is
# a CREATE TABLE AS, so PostgreSQL may use parallel workers (it never does inside an INSERT).
_CONTRACT_SQL = """
CREATE TEMP TABLE rebates_calc_contract ON COMMIT DROP AS
SELECT partner_id, contract,
       cents / 10000.0 + coalesce(foreign_net, 0) AS net,
       coalesce(strategic_cents, 0) / 10000.0 + coalesce(foreign_strategic, 0) AS strategic_net,
       foreign_net IS NOT NULL AS foreign_lines,
       fx_missing > 0 AS fx_missing
FROM (
    SELECT s.partner_id,
           coalesce(nullif(s.deal_reference, ''), s.order_number) AS contract,
           sum(CASE WHEN s.currency = t.currency THEN signed.cents ELSE 0 END) AS cents,
           sum(signed.cents) FILTER (
               WHERE s.currency = t.currency AND s.product_code = ANY(%(strategic)s::text[])
           ) AS strategic_cents,
           sum(signed.net * fx.rate) FILTER (WHERE s.currency <> t.currency) AS foreign_net,
           sum(signed.net * fx.rate) FILTER (
               WHERE s.currency <> t.currency AND s.product_code = ANY(%(strategic)s::text[])
           ) AS foreign_strategic,
           count(*) FILTER (WHERE s.currency <> t.currency AND fx.rate IS NULL) AS fx_missing
    FROM rebates_salesline s
    JOIN (
        SELECT tg.partner_id, pa.contract_currency AS currency
        FROM rebates_target tg JOIN partners_partner pa ON pa.id = tg.partner_id
        WHERE tg.programme_id = %(programme)s AND tg.period = %(period)s
          AND tg.partner_id BETWEEN %(lo)s AND %(hi)s
    ) t ON t.partner_id = s.partner_id
    LEFT JOIN (VALUES {fx_values}) fx(base, quote, rate)
      ON fx.base = s.currency AND fx.quote = t.currency
    CROSS JOIN LATERAL (
        SELECT CASE WHEN s.kind = 'return' THEN -s.net_amount ELSE s.net_amount END AS net,
               -- Exact: net_amount has 4 decimals. Integer sums are far cheaper than numeric.
               (CASE WHEN s.kind = 'return' THEN -s.net_amount ELSE s.net_amount END
                * 10000)::bigint AS cents
    ) signed
    WHERE s.invoice_date BETWEEN %(start)s AND %(end)s
      AND s.partner_id BETWEEN %(lo)s AND %(hi)s
      AND (cardinality(%(eligible)s::text[]) = 0 OR s.product_code = ANY(%(eligible)s::text[]))
    GROUP BY 1, 2
) sums
"""

# Step 2: the rules per partner, each contract's rebate and cap, the sum rounded once, one upsert.
_CALCULATION_SQL = """
WITH
prog AS (
    SELECT * FROM rebates_programme WHERE id = %(programme)s
),
fx(base, quote, rate) AS (
    SELECT base::text, quote::text, rate::numeric FROM (VALUES {fx_values}) v(base, quote, rate)
),
minor(currency, places) AS (
    SELECT * FROM (VALUES {minor_values}) v(currency, places)
),
nps AS ({nps_sql}),
partner AS (
    SELECT t.partner_id, t.amount AS target, pa.contract_currency AS currency,
           tier.rebate_multiplier AS multiplier, nps.nps,
           CASE WHEN nps.nps < prog.nps_low_below THEN prog.nps_low_factor
                WHEN nps.nps >= prog.nps_high_from THEN prog.nps_high_factor
                ELSE 1 END AS modifier
    FROM rebates_target t
    JOIN prog ON prog.id = t.programme_id
    JOIN partners_partner pa ON pa.id = t.partner_id
    JOIN partners_tier tier ON tier.id = pa.tier_id
    LEFT JOIN nps ON nps.partner_id = t.partner_id
    WHERE t.period = %(period)s AND t.partner_id BETWEEN %(lo)s AND %(hi)s
),
revenue AS (
    SELECT partner.*, coalesce(r.revenue, 0) AS revenue,
           coalesce(r.strategic_revenue, 0) AS strategic_revenue,
           coalesce(r.contract_count, 0) AS contract_count,
           coalesce(r.foreign_lines, false) AS foreign_lines,
           coalesce(r.revenue, 0) / partner.target AS attainment
    FROM partner
    LEFT JOIN (SELECT partner_id, sum(net) AS revenue, sum(strategic_net) AS strategic_revenue,
                      count(*) AS contract_count, bool_or(foreign_lines) AS foreign_lines
               FROM rebates_calc_contract GROUP BY partner_id) r
      ON r.partner_id = partner.partner_id
),
bracketed AS (
    SELECT r.*,
        CASE WHEN prog.mode <> 'base_share' THEN (
                SELECT b.rate FROM rebates_bracket b
                WHERE b.programme_id = prog.id AND r.attainment * 100 >= b.lower
                  AND (b.upper IS NULL OR r.attainment * 100 < b.upper)
                ORDER BY b.lower DESC LIMIT 1) END AS bracket_rate
    FROM revenue r CROSS JOIN prog
),
base AS (
    SELECT r.*,
        CASE prog.mode
            WHEN 'retroactive' THEN greatest(r.revenue, 0) * coalesce(r.bracket_rate, 0)
            WHEN 'marginal' THEN coalesce((
                SELECT sum(b.rate * greatest(0,
                    least(r.revenue, coalesce(b.upper / 100 * r.target, r.revenue))
                    - b.lower / 100 * r.target))
                FROM rebates_bracket b WHERE b.programme_id = prog.id), 0)
            ELSE CASE WHEN r.attainment >= 1
                      THEN prog.base_amount + prog.share_rate * (r.revenue - r.target)
                      ELSE 0 END
        END AS base_rebate,
        CASE WHEN prog.mode <> 'base_share' AND r.attainment >= 1
             THEN prog.strategic_bonus ELSE 0 END AS bonus
    FROM bracketed r CROSS JOIN prog
),
rated AS (
    SELECT b.*, CASE WHEN b.revenue > 0 THEN b.base_rebate / b.revenue ELSE 0 END AS rate
    FROM base b
),
total AS (
    SELECT x.partner_id,
           sum(least(x.raw, x.cap)) AS unrounded,
           jsonb_agg(jsonb_build_object(
               'contract', x.contract,
               'revenue', round(x.net, 4)::text,
               'before_cap', round(x.raw, 6)::text,
               'cap', round(x.cap, 6)::text
           ) ORDER BY x.contract) FILTER (WHERE x.raw > x.cap) AS capped
    FROM (
        SELECT c.partner_id, c.contract, c.net,
               (c.net * r.rate + c.strategic_net * r.bonus) * r.multiplier * r.modifier AS raw,
               greatest(prog.contract_cap * c.net, 0) AS cap
        FROM rebates_calc_contract c JOIN rated r ON r.partner_id = c.partner_id CROSS JOIN prog
    ) x
    GROUP BY x.partner_id
),
result AS (
    SELECT r.partner_id, r.currency, r.revenue, r.target, r.attainment, r.rate,
           greatest(round(coalesce(t.unrounded, 0), minor.places), 0) AS amount,
           jsonb_build_object(
               'programme', prog.name,
               'mode', prog.mode,
               'period', %(period)s,
               'currency', r.currency,
               'revenue', round(r.revenue, 4)::text,
               'strategic_revenue', round(r.strategic_revenue, 4)::text,
               'target', r.target::text,
               'attainment', round(r.attainment, 6)::text,
               'bracket_rate', r.bracket_rate::text,
               'base_rebate', round(r.base_rebate, 6)::text,
               'effective_rate', r.rate::text,
               'strategic_bonus', r.bonus::text,
               'multiplier', r.multiplier::text,
               'nps', r.nps,
               'modifier', r.modifier::text,
               'contract_cap', prog.contract_cap::text,
               'contract_count', r.contract_count,
               'capped_contracts', jsonb_array_length(coalesce(t.capped, '[]'::jsonb)),
               'capped', coalesce(t.capped, '[]'::jsonb),
               'unrounded', round(coalesce(t.unrounded, 0), 6)::text,
               'floored', round(coalesce(t.unrounded, 0), minor.places) < 0,
               'amount', greatest(round(coalesce(t.unrounded, 0), minor.places), 0)::text,
               'fx', CASE WHEN r.foreign_lines THEN (
                        SELECT coalesce(jsonb_object_agg(fx.base, fx.rate::text), '{{}}'::jsonb)
                        FROM fx WHERE fx.quote = r.currency)
                     ELSE '{{}}'::jsonb END
           ) AS trace
    FROM rated r
    LEFT JOIN total t ON t.partner_id = r.partner_id
    JOIN minor ON minor.currency = r.currency
    CROSS JOIN prog
)
INSERT INTO rebates_accrual AS a (
    partner_id, programme_id, period, amount, currency, revenue, target, attainment,
    effective_rate, trace, inputs_hash, calculated_at
)
SELECT partner_id, %(programme)s, %(period)s, amount, currency, round(revenue, 4), target,
       round(attainment, 6), round(rate, 8), trace, md5(trace::text), now()
FROM result
ORDER BY partner_id
ON CONFLICT (partner_id, programme_id, period) DO UPDATE SET
    amount = EXCLUDED.amount,
    currency = EXCLUDED.currency,
    revenue = EXCLUDED.revenue,
    target = EXCLUDED.target,
    attainment = EXCLUDED.attainment,
    effective_rate = EXCLUDED.effective_rate,
    trace = EXCLUDED.trace,
    inputs_hash = EXCLUDED.inputs_hash,
    calculated_at = EXCLUDED.calculated_at
WHERE a.inputs_hash IS DISTINCT FROM EXCLUDED.inputs_hash
"""


def _values(prefix: str, rows: list[tuple], casts: tuple[str, ...]) -> tuple[str, dict]:
    """A VALUES list with named placeholders, so every value goes through the driver's quoting."""
    params: dict = {}
    tuples = []
    for i, row in enumerate(rows):
        cells = []
        for j, (value, cast) in enumerate(zip(row, casts, strict=True)):
            params[f"{prefix}{i}_{j}"] = value
            cells.append(f"%({prefix}{i}_{j})s::{cast}")
        tuples.append("(" + ", ".join(cells) + ")")
    return ", ".join(tuples), params


def accruals_calculate_chunk(*, period: Quarter, partner_range: tuple[int, int]) -> int:
    """Compute and upsert the accruals of every active programme for partners in the id range.

    Call inside a transaction. Returns how many accrual rows were inserted or changed.
    """
    minor_sql, minor_params = _values("mu", list(MINOR_UNITS.items()), ("text", "int"))
    fx_rows = _fx_candidates(period, partner_range) or [("", "", Decimal(1))]
    fx_sql, fx_params = _values("fx", fx_rows, ("text", "text", "numeric"))
    base_params = {
        **minor_params,
        **fx_params,
        "period": str(period),
        "start": period.start,
        "end": period.end,
        "lo": partner_range[0],
        "hi": partner_range[1],
    }
    contract_sql = _CONTRACT_SQL.format(fx_values=fx_sql)
    sql = _CALCULATION_SQL.format(
        fx_values=fx_sql, minor_values=minor_sql, nps_sql=partner_nps_sql()
    )
    written = 0
    programmes = Programme.objects.filter(is_active=True).order_by("pk")
    with connection.cursor() as cursor:
        # The per-contract sums of a chunk fit in memory; spilling them to disk doubles the time.
        cursor.execute("SET LOCAL work_mem = '256MB'")
        # The scan is one big aggregation: worth parallel workers even when the planner doubts it.
        cursor.execute("SET LOCAL parallel_setup_cost = 0")
        # Compiling these statements costs seconds and saves nothing on a run this shape.
        cursor.execute("SET LOCAL jit = off")
        for programme in programmes:
            cursor.execute("DROP TABLE IF EXISTS rebates_calc_contract")
            cursor.execute(
                contract_sql,
                {
                    **base_params,
                    "programme": programme.pk,
                    "eligible": list(programme.eligible_product_codes),
                    "strategic": list(programme.strategic_product_codes),
                },
            )
            cursor.execute("SELECT EXISTS (SELECT 1 FROM rebates_calc_contract WHERE fx_missing)")
            if cursor.fetchone()[0]:
                _raise_missing_fx(period)
            cursor.execute("ANALYZE rebates_calc_contract")
            cursor.execute(sql, {**base_params, "programme": programme.pk})
            written += cursor.rowcount
        cursor.execute("DROP TABLE IF EXISTS rebates_calc_contract")
    return written


def contract_sums(
    *,
    accrual,
    contracts: list[str] | None = None,
    line_watermark: int | None = None,
    limit: int | None = None,
) -> list[tuple[str, Decimal, Decimal]]:
    """(contract, eligible net, strategic net) of an accrual's partner and quarter, in its currency.

    The same sums the calculation made, converted with the FX rates its trace recorded; restricted
    to some contracts and to lines up to a watermark when given (a closed quarter's lines).
    """
    programme = accrual.programme
    period = Quarter.parse(accrual.period)
    rates = {k: Decimal(v) for k, v in (accrual.trace.get("fx") or {}).items()}
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT coalesce(nullif(s.deal_reference, ''), s.order_number) AS contract, s.currency,
                   sum(CASE WHEN s.kind = 'return' THEN -s.net_amount ELSE s.net_amount END),
                   coalesce(sum(CASE WHEN s.kind = 'return' THEN -s.net_amount
                                     ELSE s.net_amount END)
                            FILTER (WHERE s.product_code = ANY(%(strategic)s::text[])), 0)
            FROM rebates_salesline s
            WHERE s.partner_id = %(partner)s AND s.invoice_date BETWEEN %(start)s AND %(end)s
              AND (cardinality(%(eligible)s::text[]) = 0
                   OR s.product_code = ANY(%(eligible)s::text[]))
              AND (%(watermark)s::bigint IS NULL OR s.id <= %(watermark)s::bigint)
              AND (%(all)s OR coalesce(nullif(s.deal_reference, ''), s.order_number)
                              = ANY(%(contracts)s::text[]))
            GROUP BY 1, 2
            ORDER BY 1, 2
            """,
            {
                "partner": accrual.partner_id,
                "start": period.start,
                "end": period.end,
                "eligible": list(programme.eligible_product_codes),
                "strategic": list(programme.strategic_product_codes),
                "watermark": line_watermark,
                "all": contracts is None,
                "contracts": contracts or [],
            },
        )
        rows = cursor.fetchall()
    sums: dict[str, list[Decimal]] = {}
    for contract, currency, net, strategic in rows:
        rate = Decimal(1) if currency == accrual.currency else rates.get(currency, Decimal(1))
        total = sums.setdefault(contract, [Decimal(0), Decimal(0)])
        total[0] += net * rate
        total[1] += strategic * rate
    ordered = sorted(sums.items())
    if limit is not None:
        ordered = ordered[:limit]
    return [(contract, net, strategic) for contract, (net, strategic) in ordered]
