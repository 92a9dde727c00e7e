"""The accrual calculation (DESIGN §5.1, §5.2): set-based SQL over per-contract revenue.

Sales lines are summed per contract as they arrive (`ContractRevenue`: added after each import, and
before each run adds whatever is left), so a run never groups the quarter's lines again. A
programme that takes its revenue from sell-through (§11) sums the partners' current sell-through
lines instead (inventory's `inventory_sell_through_v`; the end customer is the contract): new
reports add their lines, a corrected report (which replaces lines) rebuilds the quarter. For each active programme and chunk of
partners with a target in the quarter:

1. sums per partner and line currency: one scan of the chunk's contract revenue;
2. the rules per partner: revenue R in the contract currency at the FX rate of the quarter's last
   day, attainment A = R ÷ T, base rebate B (retroactive bracket, marginal brackets, or base +
   share), effective rate r = B ÷ R, strategic bonus b (at A ≥ 100%), factor k = tier multiplier ×
   NPS modifier, cap share q;
3. the cap per contract: a contract with net revenue n and strategic revenue s earns
   min((n·r + s·b)·k, max(q·n, 0)). For a *plain* contract (n > 0, 0 ≤ s ≤ n, in the contract
   currency) the cap binds exactly when r·k − q + (s ÷ n)·b·k > 0, and s ÷ n lies in [0, 1]. So
   when r·k − q + max(0, b·k) ≤ 0 no plain contract is capped and together they earn (N·r + S·b)·k;
   when r·k − q + min(0, b·k) > 0 every one is capped and they earn q·N. Only the other contracts
   (returns above sales, more strategic than total, other currencies) and the plain contracts of
   partners in between are evaluated one by one. Numeric arithmetic is exact, so this is the same
   sum as contract by contract;
4. the sum rounded once (half away from zero), floored at 0, and one upsert of the rows whose
   inputs changed, so a run is idempotent and a re-run after a crash converges to the same rows.
   A partner whose figures do not fit the accrual (a poison sales line: revenue beyond numeric
   (22,4), an attainment of a million percent) is recorded as an `AccrualFailure` with the
   figures it reached instead; the others are computed as usual.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import connection

from core.fx import fx_rate
from core.locks import advisory_xact_lock
from core.money import MINOR_UNITS
from core.periods import Quarter
from partners.selectors import partner_nps_sql as surveyed_nps_sql

from .choices import RevenueSource
from .models import Programme


def partner_nps_sql() -> str:
    """A relation (partner_id, nps) of each partner's latest NPS; none recorded → neutral modifier.

    The NPS is computed by the partners app from its survey answers (DESIGN §2.4).
    """
    return surveyed_nps_sql()


# Net revenue of a sales line (a return subtracts): the SQL spelling of `selectors.NET_AMOUNT`.
_SIGNED_NET = "CASE WHEN s.kind = 'return' THEN -s.net_amount ELSE s.net_amount END"

# A programme quarter's lines summed per contract; `after`/`upto` bound the line ids added.
_ADD_LINES_SQL = f"""
INSERT INTO rebates_contractrevenue AS t
    (programme_id, period, partner_id, contract, currency, net, strategic_net)
SELECT p.id, %(period)s, s.partner_id,
       coalesce(nullif(s.deal_reference, ''), s.order_number) COLLATE "C", s.currency,
       sum({_SIGNED_NET}),
       coalesce(sum({_SIGNED_NET}) FILTER (WHERE s.product_code = ANY(p.strategic_product_codes)),
                0)
FROM rebates_salesline s
JOIN rebates_programme p ON p.id = %(programme)s
WHERE s.id > %(after)s AND s.id <= %(upto)s
  AND s.invoice_date BETWEEN %(start)s AND %(end)s
  AND (cardinality(p.eligible_product_codes) = 0 OR s.product_code = ANY(p.eligible_product_codes))
GROUP BY 1, 2, 3, 4, 5
-- In key order, each row lands next to its neighbours in the key's index.
ORDER BY 1, 2, 3, 4, 5
ON CONFLICT (programme_id, period, partner_id, contract, currency) DO UPDATE
    SET net = t.net + EXCLUDED.net, strategic_net = t.strategic_net + EXCLUDED.strategic_net
"""  # noqa: S608 (constant SQL)

# A build's fingerprint of what its rows were made from: the product codes, and for a sell-through
# programme the source too (a programme that changes source is rebuilt).
_BUILD_KEY = """
CASE WHEN p.revenue_source = 'sell_through'
     THEN md5(rebates_products_key(p.eligible_product_codes, p.strategic_product_codes)
              || '/sell_through')
     ELSE rebates_products_key(p.eligible_product_codes, p.strategic_product_codes) END
"""

_STATE_SQL = f"""
SELECT b.line_watermark, b.products_key IS NOT DISTINCT FROM {_BUILD_KEY}, p.revenue_source
FROM rebates_programme p
LEFT JOIN rebates_contractrevenuebuild b ON b.programme_id = p.id AND b.period = %(period)s
WHERE p.id = %(programme)s
"""  # noqa: S608 (constant SQL)

_BUILD_SQL = f"""
INSERT INTO rebates_contractrevenuebuild
    (programme_id, period, products_key, line_watermark, built_at, updated_at)
SELECT p.id, %(period)s, {_BUILD_KEY}, %(upto)s, now(), now()
FROM rebates_programme p WHERE p.id = %(programme)s
ON CONFLICT (programme_id, period) DO UPDATE SET
    products_key = EXCLUDED.products_key,
    line_watermark = EXCLUDED.line_watermark,
    built_at = CASE WHEN %(built)s THEN EXCLUDED.built_at
                    ELSE rebates_contractrevenuebuild.built_at END,
    updated_at = EXCLUDED.updated_at
"""  # noqa: S608 (constant SQL)

# A sell-through programme's quarter, from the partners' current sell-through lines (inventory's
# view, inventory/migrations/0002_sell_through_view.py) of the reports whose ids lie in
# (`after`, `upto`]: all sales, nothing to subtract. The contract, for the cap, is the end
# customer (tax ID, else name).
_SELL_THROUGH_SQL = """
INSERT INTO rebates_contractrevenue AS t
    (programme_id, period, partner_id, contract, currency, net, strategic_net)
SELECT p.id, %(period)s, v.partner_id,
       left(coalesce(nullif(v.customer_tax_id, ''), v.customer_name), 60) COLLATE "C", v.currency,
       sum(v.amount),
       coalesce(sum(v.amount) FILTER (WHERE v.product_sku = ANY(p.strategic_product_codes)), 0)
FROM inventory_sell_through_v v
JOIN rebates_programme p ON p.id = %(programme)s
WHERE v.sold_on BETWEEN %(start)s AND %(end)s
  AND v.report_id > %(after)s AND v.report_id <= %(upto)s
  AND (cardinality(p.eligible_product_codes) = 0 OR v.product_sku = ANY(p.eligible_product_codes))
GROUP BY 1, 2, 3, 4, 5
ORDER BY 1, 2, 3, 4, 5
ON CONFLICT (programme_id, period, partner_id, contract, currency) DO UPDATE
    SET net = t.net + EXCLUDED.net, strategic_net = t.strategic_net + EXCLUDED.strategic_net
"""

# The highest id of the sell-through reports from the quarter's first month on: a new or corrected
# report that may hold lines sold in the quarter raises it (a late sale may come in a later
# month's report); reports of the months before leave the quarter alone.
_REPORT_WATERMARK_SQL = """
SELECT coalesce(max(id), 0) FROM inventory_sell_through_report_v WHERE month >= %(start)s
"""

# Whether a report arrived since the watermark that corrects an earlier one (a version after the
# first): its predecessor's lines left the view, so the sums cannot just be added to.
_CORRECTED_SQL = """
SELECT EXISTS (
    SELECT 1 FROM inventory_sell_through_report_v
    WHERE month >= %(start)s AND id > %(after)s AND id <= %(upto)s AND version > 1
)
"""


def contract_revenue_refresh(*, programme_id: int, period: Quarter, build: bool = True) -> str:
    """Bring a programme quarter's contract revenue up to the last committed sales line.

    The first time, or after the programme's products changed, it is built from all the quarter's
    lines (unless `build` is false: "stale"); otherwise only lines above its watermark are added.
    Call inside a transaction; while it adds, new lines wait for that transaction. Returns
    "current", "added", "built" or "stale".
    """
    params = {
        "programme": programme_id,
        "period": str(period),
        "start": period.start,
        "end": period.end,
    }
    with connection.cursor() as cursor:
        cursor.execute(_STATE_SQL, params)
        watermark, current, source = cursor.fetchone()
        if source == RevenueSource.SELL_THROUGH:
            return _sell_through_refresh(
                cursor, params, watermark=watermark, current=current, build=build
            )
        if not current and not build:
            return "stale"
        if current:
            cursor.execute(
                "SELECT EXISTS (SELECT 1 FROM rebates_salesline WHERE id > %s)", [watermark]
            )
            if not cursor.fetchone()[0]:
                return "current"
        # One writer per programme quarter; the others wait and then find it current.
        advisory_xact_lock(f"rebates.contract_revenue.{programme_id}.{period}")
        # Inserting transactions finish first and new ones wait: every line id up to the maximum
        # is committed, so no line below the new watermark can appear later.
        cursor.execute("LOCK TABLE rebates_salesline IN SHARE MODE")
        cursor.execute("SELECT coalesce(max(id), 0) FROM rebates_salesline")
        params["upto"] = cursor.fetchone()[0]
        cursor.execute(_STATE_SQL, params)
        watermark, current, _source = cursor.fetchone()
        if current and watermark >= params["upto"]:
            return "current"
        if not current and not build:
            return "stale"
        if current:
            params["after"] = watermark
            cursor.execute(_ADD_LINES_SQL, params)
            outcome = "added"
        else:
            cursor.execute(
                "DELETE FROM rebates_contractrevenue "
                "WHERE programme_id = %(programme)s AND period = %(period)s",
                params,
            )
            params["after"] = 0
            cursor.execute(_ADD_LINES_SQL, params)
            outcome = "built"
        cursor.execute(_BUILD_SQL, params | {"built": outcome == "built"})
        if outcome == "built":
            # Fresh statistics, or the first run plans for the empty table it saw before
            # (through the owner's function: the portal's role owns no table).
            cursor.execute("SELECT rebates_contractrevenue_analyze()")
    return outcome


def _sell_through_refresh(cursor, params: dict, *, watermark, current: bool, build: bool) -> str:
    """`contract_revenue_refresh` of a sell-through programme quarter. New first versions of
    reports (from the quarter's first month on) add their lines; a corrected report replaces lines
    of its predecessor, so the quarter is rebuilt from the current lines ("stale" instead when
    `build` is false, as for a programme whose products changed)."""
    cursor.execute(_REPORT_WATERMARK_SQL, params)
    if current and watermark >= cursor.fetchone()[0]:
        return "current"
    if not current and not build:
        return "stale"
    advisory_xact_lock(f"rebates.contract_revenue.{params['programme']}.{params['period']}")
    # Reports being written finish first and new ones wait: the lines of every report up to the
    # highest id are committed, so the sums and their watermark agree.
    cursor.execute("LOCK TABLE inventory_sell_through_report_v IN SHARE MODE")
    cursor.execute(_REPORT_WATERMARK_SQL, params)
    params = params | {"upto": cursor.fetchone()[0]}
    cursor.execute(_STATE_SQL, params)
    watermark, current, _source = cursor.fetchone()
    if current and watermark >= params["upto"]:
        return "current"
    if current:
        cursor.execute(_CORRECTED_SQL, params | {"after": watermark})
        if not cursor.fetchone()[0]:
            cursor.execute(_SELL_THROUGH_SQL, params | {"after": watermark})
            cursor.execute(_BUILD_SQL, params | {"built": False})
            return "added"
    if not build:
        return "stale"
    cursor.execute(
        "DELETE FROM rebates_contractrevenue "
        "WHERE programme_id = %(programme)s AND period = %(period)s",
        params,
    )
    cursor.execute(_SELL_THROUGH_SQL, params | {"after": 0})
    cursor.execute(_BUILD_SQL, params | {"built": True})
    cursor.execute("SELECT rebates_contractrevenue_analyze()")
    return "built"


# A contract is plain when n > 0 and 0 ≤ s ≤ n (see the module docstring). The condition of the
# partial index `contract_revenue_not_plain` (migration 0008), which the planner matches as text.
NOT_PLAIN = "NOT (net > 0 AND strategic_net >= 0 AND strategic_net <= net)"


# Step 1: sums per partner and line currency. A CREATE TABLE AS over regular tables only, so
# PostgreSQL may scan in parallel workers (never inside an INSERT, nor over temporary tables).
_SUMS_SQL = """
CREATE TEMP TABLE rebates_calc_sums ON COMMIT DROP AS
SELECT partner_id, currency, sum(net) AS net, sum(strategic_net) AS strategic_net,
       count(*) AS contracts
FROM rebates_contractrevenue
WHERE programme_id = %(programme)s AND period = %(period)s
  AND partner_id BETWEEN %(lo)s AND %(hi)s
GROUP BY partner_id, currency
"""

# The contracts that are not plain, one row each (a partner with lines in other currencies is
# evaluated contract by contract anyway): few, found through the partial index
# `contract_revenue_not_plain`, whose condition this must repeat word for word.
_ODD_SQL = f"""
CREATE TEMP TABLE rebates_calc_odd ON COMMIT DROP AS
SELECT partner_id, currency, contract, net, strategic_net
FROM rebates_contractrevenue
WHERE programme_id = %(programme)s AND period = %(period)s
  AND partner_id BETWEEN %(lo)s AND %(hi)s AND {NOT_PLAIN}
"""  # noqa: S608 (constant SQL)

# The line currencies of partners with a target that differ from their contract currency.
_FX_PAIRS_SQL = """
SELECT DISTINCT s.currency, pa.contract_currency
FROM rebates_calc_sums s
JOIN rebates_target t ON t.partner_id = s.partner_id
     AND t.programme_id = %(programme)s AND t.period = %(period)s
JOIN partners_partner_v pa ON pa.id = s.partner_id
WHERE s.currency <> pa.contract_currency
ORDER BY 1, 2
"""

# Step 2: the rules per partner, and which rule settles its plain contracts.
_PARTNER_SQL = """
CREATE TEMP TABLE rebates_calc_partner ON COMMIT DROP AS
WITH
prog AS (
    SELECT * FROM rebates_programme WHERE id = %(programme)s
),
fx(base, quote, rate) AS (
    SELECT base::text, quote::text, rate::numeric FROM (VALUES {fx_values}) v(base, quote, rate)
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
    JOIN partners_partner_v pa ON pa.id = t.partner_id
    JOIN partners_tier_v tier ON tier.id = pa.tier_id
    LEFT JOIN nps ON nps.partner_id = t.partner_id
    WHERE t.period = %(period)s AND t.partner_id BETWEEN %(lo)s AND %(hi)s
),
odd AS (
    SELECT partner_id, currency, sum(net) AS net, sum(strategic_net) AS strategic_net,
           count(*) AS contracts
    FROM rebates_calc_odd GROUP BY partner_id, currency
),
sums AS (
    SELECT s.partner_id,
           sum(CASE WHEN s.currency = p.currency THEN s.net ELSE s.net * fx.rate END) AS revenue,
           sum(CASE WHEN s.currency = p.currency THEN s.strategic_net
                    ELSE s.strategic_net * fx.rate END) AS strategic_revenue,
           bool_or(s.currency <> p.currency) AS foreign_lines,
           jsonb_object_agg(s.currency, fx.rate::text) FILTER (WHERE s.currency <> p.currency)
               AS fx,
           sum(s.contracts) AS contracts,
           sum(s.net - coalesce(o.net, 0)) AS plain_net,
           sum(s.strategic_net - coalesce(o.strategic_net, 0)) AS plain_strategic,
           sum(s.contracts - coalesce(o.contracts, 0)) AS plain_contracts
    FROM rebates_calc_sums s
    JOIN partner p ON p.partner_id = s.partner_id
    LEFT JOIN odd o ON o.partner_id = s.partner_id AND o.currency = s.currency
    LEFT JOIN fx ON fx.base = s.currency AND fx.quote = p.currency
    GROUP BY s.partner_id
),
revenue AS (
    SELECT p.*, coalesce(s.revenue, 0) AS revenue,
           coalesce(s.strategic_revenue, 0) AS strategic_revenue,
           coalesce(s.foreign_lines, false) AS foreign_lines,
           coalesce(s.fx, '{{}}'::jsonb) AS fx,
           coalesce(s.contracts, 0) AS contracts,
           coalesce(s.plain_net, 0) AS plain_net,
           coalesce(s.plain_strategic, 0) AS plain_strategic,
           coalesce(s.plain_contracts, 0) AS plain_contracts,
           coalesce(s.revenue, 0) / p.target AS attainment
    FROM partner p
    LEFT JOIN sums s ON s.partner_id = p.partner_id
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
    SELECT b.*, CASE WHEN b.revenue > 0 THEN b.base_rebate / b.revenue ELSE 0 END AS rate,
           b.multiplier * b.modifier AS factor, prog.contract_cap AS cap
    FROM base b CROSS JOIN prog
)
SELECT r.*,
       CASE WHEN r.foreign_lines THEN 'each'
            WHEN r.rate * r.factor - r.cap + greatest(0, r.bonus * r.factor) <= 0 THEN 'uncapped'
            WHEN r.rate * r.factor - r.cap + least(0, r.bonus * r.factor) > 0 THEN 'capped'
            ELSE 'between' END AS plain_rule
FROM rated r
"""

# The contracts evaluated one by one, in the contract currency:
# - every contract of a partner with lines in other currencies (`each`), summed over currencies;
# - the contracts that are not plain, of the other partners;
# - for partners `between` the rules, only their plain contracts the cap binds (`over_cap`): the
#   others earn their rebate before the cap, already in (N·r + S·b)·k, so these count the cut.
_EACH_SQL = """
CREATE TEMP TABLE rebates_calc_contract ON COMMIT DROP AS
SELECT c.partner_id, c.contract,
       sum(CASE WHEN c.currency = p.currency THEN c.net ELSE c.net * fx.rate END) AS net,
       sum(CASE WHEN c.currency = p.currency THEN c.strategic_net
                ELSE c.strategic_net * fx.rate END) AS strategic_net,
       false AS over_cap
FROM rebates_calc_partner p
JOIN rebates_contractrevenue c ON c.programme_id = %(programme)s AND c.period = %(period)s
     AND c.partner_id = p.partner_id
LEFT JOIN (VALUES {fx_values}) fx(base, quote, rate)
     ON fx.base = c.currency AND fx.quote = p.currency
WHERE p.plain_rule = 'each'
GROUP BY c.partner_id, c.contract
UNION ALL
SELECT o.partner_id, o.contract, o.net, o.strategic_net, false
FROM rebates_calc_odd o
JOIN rebates_calc_partner p ON p.partner_id = o.partner_id AND p.plain_rule <> 'each'
UNION ALL
SELECT c.partner_id, c.contract, c.net, c.strategic_net, true
FROM rebates_calc_partner p
JOIN rebates_contractrevenue c ON c.programme_id = %(programme)s AND c.period = %(period)s
     AND c.partner_id = p.partner_id
WHERE p.plain_rule = 'between' AND NOT {not_plain}
  AND (c.net * p.rate + c.strategic_net * p.bonus) * p.factor > p.cap * c.net
"""

# Step 3 and 4: each contract's rebate and cap, the partner's sum rounded once, each partner's
# result in a temporary table (unbounded numbers), then one upsert of those that fit the accrual.
_RESULT_SQL = """
CREATE TEMP TABLE rebates_calc_result ON COMMIT DROP AS
WITH
prog AS (
    SELECT * FROM rebates_programme WHERE id = %(programme)s
),
minor(currency, places) AS (
    SELECT * FROM (VALUES {minor_values}) v(currency, places)
),
each AS (
    SELECT e.partner_id, count(*) FILTER (WHERE NOT e.over_cap) AS contracts,
           sum(CASE WHEN e.over_cap THEN x.cap - x.raw ELSE least(x.raw, x.cap) END) AS rebate,
           count(*) FILTER (WHERE x.raw > x.cap) AS capped
    FROM rebates_calc_contract e
    JOIN rebates_calc_partner p ON p.partner_id = e.partner_id
    CROSS JOIN LATERAL (
        SELECT (e.net * p.rate + e.strategic_net * p.bonus) * p.factor AS raw,
               greatest(p.cap * e.net, 0) AS cap
    ) x
    GROUP BY e.partner_id
),
total AS (
    SELECT p.*,
           coalesce(e.rebate, 0) + CASE p.plain_rule
               WHEN 'capped' THEN p.cap * p.plain_net
               WHEN 'each' THEN 0
               ELSE (p.plain_net * p.rate + p.plain_strategic * p.bonus) * p.factor END
               AS unrounded,
           coalesce(e.capped, 0)
               + CASE WHEN p.plain_rule = 'capped' THEN p.plain_contracts ELSE 0 END
               AS capped_contracts,
           CASE WHEN p.plain_rule = 'each' THEN coalesce(e.contracts, 0) ELSE p.contracts END
               AS contract_count
    FROM rebates_calc_partner p
    LEFT JOIN each e ON e.partner_id = p.partner_id
),
result AS (
    SELECT t.partner_id, t.currency, t.revenue, t.target, t.attainment, t.rate,
           greatest(round(t.unrounded, minor.places), 0) AS amount,
           jsonb_build_object(
               'programme', prog.name,
               'mode', prog.mode,
               'revenue_source', prog.revenue_source,
               'period', %(period)s,
               'currency', t.currency,
               'revenue', round(t.revenue, 4)::text,
               'strategic_revenue', round(t.strategic_revenue, 4)::text,
               'target', t.target::text,
               'attainment', round(t.attainment, 6)::text,
               'bracket_rate', t.bracket_rate::text,
               'base_rebate', round(t.base_rebate, 6)::text,
               'effective_rate', t.rate::text,
               'strategic_bonus', t.bonus::text,
               'multiplier', t.multiplier::text,
               'nps', t.nps,
               'modifier', t.modifier::text,
               'contract_cap', prog.contract_cap::text,
               'contract_count', t.contract_count,
               'capped_contracts', t.capped_contracts,
               'before_cap',
                   round((t.revenue * t.rate + t.strategic_revenue * t.bonus) * t.factor, 6)::text,
               'unrounded', round(t.unrounded, 6)::text,
               'floored', round(t.unrounded, minor.places) < 0,
               'amount', greatest(round(t.unrounded, minor.places), 0)::text,
               'fx', t.fx
           ) AS trace
    FROM total t
    JOIN minor ON minor.currency = t.currency
    CROSS JOIN prog
),
hashed AS (
    SELECT r.*, md5(r.trace::text) AS inputs_hash FROM result r
)
SELECT h.*,
       -- What the accrual's columns hold (numeric(18,4), (22,4), (12,6), (12,8)): a partner
       -- whose figures do not fit is a failure of its own, never the whole run's.
       h.amount < 1e14 AND abs(round(h.revenue, 4)) < 1e18 AND abs(round(h.attainment, 6)) < 1e6
       AND abs(round(h.rate, 8)) < 1e4 AS fits
FROM hashed h
"""

_ACCRUAL_SQL = """
INSERT INTO rebates_accrual AS a (
    partner_id, programme_id, period, amount, currency, revenue, target, attainment,
    effective_rate, trace, inputs_hash, calculated_at
)
SELECT partner_id, %(programme)s, %(period)s, amount, currency, round(revenue, 4), target,
       round(attainment, 6), round(rate, 8), trace, inputs_hash, now()
FROM rebates_calc_result h
-- An unchanged accrual is left alone rather than locked by the upsert (a write per row).
WHERE h.fits AND NOT EXISTS (
    SELECT 1 FROM rebates_accrual x
    WHERE x.partner_id = h.partner_id AND x.programme_id = %(programme)s
      AND x.period = %(period)s AND x.inputs_hash = h.inputs_hash
)
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

# The partners whose figures do not fit are recorded, with the figures they reached; a partner
# computed this time loses the failure a previous run recorded.
_FAILURES_SQL = """
INSERT INTO rebates_accrualfailure AS f
    (partner_id, programme_id, period, revenue, attainment, amount, recorded_at)
SELECT partner_id, %(programme)s, %(period)s, round(revenue, 4)::text,
       round(attainment, 6)::text, amount::text, now()
FROM rebates_calc_result WHERE NOT fits
ORDER BY partner_id
ON CONFLICT (partner_id, programme_id, period) DO UPDATE SET
    revenue = EXCLUDED.revenue, attainment = EXCLUDED.attainment, amount = EXCLUDED.amount,
    recorded_at = EXCLUDED.recorded_at
"""

_FAILURES_CLEARED_SQL = """
DELETE FROM rebates_accrualfailure f
USING rebates_calc_result r
WHERE f.programme_id = %(programme)s AND f.period = %(period)s
  AND f.partner_id = r.partner_id AND r.fits
"""

_TEMP_TABLES = (
    "rebates_calc_sums",
    "rebates_calc_odd",
    "rebates_calc_partner",
    "rebates_calc_contract",
    "rebates_calc_result",
)


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


def _programme_chunk(
    cursor, *, programme: Programme, period: Quarter, partner_range: tuple[int, int]
) -> int:
    """One programme's accruals for the partners of a chunk; returns the rows written."""
    for table in _TEMP_TABLES:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
    params = {
        "programme": programme.pk,
        "period": str(period),
        "lo": partner_range[0],
        "hi": partner_range[1],
    }
    cursor.execute(_SUMS_SQL, params)
    cursor.execute(_ODD_SQL, params)
    cursor.execute(_FX_PAIRS_SQL, params)
    # The quarter-end rate of each pair in use; a missing one stops the run, naming the pair.
    fx_rows = [(base, quote, fx_rate(base, quote, period.end)) for base, quote in cursor.fetchall()]
    fx_sql, fx_params = _values(
        "fx", fx_rows or [("", "", Decimal(1))], ("text", "text", "numeric")
    )
    params |= fx_params
    cursor.execute(_PARTNER_SQL.format(fx_values=fx_sql, nps_sql=partner_nps_sql()), params)
    cursor.execute("ANALYZE rebates_calc_partner")
    cursor.execute(_EACH_SQL.format(fx_values=fx_sql, not_plain=NOT_PLAIN), params)
    minor_sql, minor_params = _values("mu", list(MINOR_UNITS.items()), ("text", "int"))
    cursor.execute(_RESULT_SQL.format(minor_values=minor_sql), params | minor_params)
    cursor.execute(_ACCRUAL_SQL, params)
    written = cursor.rowcount
    cursor.execute(_FAILURES_SQL, params)
    cursor.execute(_FAILURES_CLEARED_SQL, params)
    return written


def accruals_calculate_chunk(*, period: Quarter, partner_range: tuple[int, int]) -> int:
    """Compute and upsert the accruals of every active programme for partners in the id range.

    Call inside a transaction. Returns how many accrual rows were inserted or changed.
    """
    programmes = list(Programme.objects.filter(is_active=True).order_by("pk"))
    for programme in programmes:
        contract_revenue_refresh(programme_id=programme.pk, period=period)
    written = 0
    with connection.cursor() as cursor:
        # The statements below read the contract revenue one after the other: additions wait
        # until this chunk is done, so all of them see the same revenue.
        cursor.execute("LOCK TABLE rebates_contractrevenue IN SHARE MODE")
        cursor.execute("SET LOCAL work_mem = '256MB'")
        # The scans are big aggregations: worth parallel workers even when the planner doubts it.
        cursor.execute("SET LOCAL parallel_setup_cost = 0")
        # Compiling these statements costs more than it saves on a run this shape.
        cursor.execute("SET LOCAL jit = off")
        for programme in programmes:
            written += _programme_chunk(
                cursor, programme=programme, period=period, partner_range=partner_range
            )
        for table in _TEMP_TABLES:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
    return written


# The contracts of one partner's quarter, as the calculation summed them.
_SELL_IN_CONTRACTS_SQL = f"""
            SELECT coalesce(nullif(s.deal_reference, ''), s.order_number) AS contract, s.currency,
                   sum({_SIGNED_NET}),
                   coalesce(sum({_SIGNED_NET})
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
"""  # noqa: S608 (a constant expression, values as parameters)

# The same contracts as `_SELL_THROUGH_SQL` makes.
_SELL_THROUGH_CONTRACTS_SQL = """
            SELECT left(coalesce(nullif(v.customer_tax_id, ''), v.customer_name), 60)
                       COLLATE "C" AS contract,
                   v.currency, sum(v.amount),
                   coalesce(sum(v.amount)
                            FILTER (WHERE v.product_sku = ANY(%(strategic)s::text[])), 0)
            FROM inventory_sell_through_v v
            WHERE v.partner_id = %(partner)s AND v.sold_on BETWEEN %(start)s AND %(end)s
              AND (cardinality(%(eligible)s::text[]) = 0
                   OR v.product_sku = ANY(%(eligible)s::text[]))
              AND (%(all)s OR left(coalesce(nullif(v.customer_tax_id, ''), v.customer_name), 60)
                              = ANY(%(contracts)s::text[]))
            GROUP BY 1, 2
            ORDER BY 1, 2
"""


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
    if programme.revenue_source == RevenueSource.SELL_THROUGH:
        # No returns, so no watermark of counted lines: the current sell-through lines.
        sql = _SELL_THROUGH_CONTRACTS_SQL
    else:
        sql = _SELL_IN_CONTRACTS_SQL
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
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
