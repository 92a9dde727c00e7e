"""Pure functions on accruals: the readable trace and the what-if (DESIGN §5.3)."""

from __future__ import annotations

from decimal import Decimal, localcontext

from django.utils.translation import gettext as _

from core.money import format_money, format_percent

from .choices import ProgrammeMode, RevenueSource


def _dec(value) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def _pct(value, places: int = 2) -> str:
    return format_percent(_dec(value), places)


def trace_facts(trace: dict) -> list[tuple[str, str]]:
    """The trace as (label, value) lines, in the active language."""
    currency = trace.get("currency", "CNY")

    def money(key: str) -> str:
        value = _dec(trace.get(key))
        return "—" if value is None else format_money(value, currency)

    nps = trace.get("nps")
    facts = [
        (_("Programme"), trace.get("programme", "")),
        # Traces written before programmes had a choice counted sell-in.
        (_("Revenue from"), str(RevenueSource(trace.get("revenue_source", "sell_in")).label)),
        (_("Eligible revenue counted"), money("revenue")),
        (_("Target"), money("target")),
        (_("Attainment"), _pct(trace.get("attainment"))),
    ]
    if trace.get("mode") == ProgrammeMode.BASE_SHARE:
        facts.append((_("Rule"), _("Base plus share of revenue above target")))
    else:
        facts.append((_("Bracket rate"), _pct(trace.get("bracket_rate"))))
        if trace.get("mode") == ProgrammeMode.MARGINAL:
            facts.append((_("Rule"), _("Marginal: each bracket's rate on the revenue inside it")))
    facts += [
        (_("Base rebate"), money("base_rebate")),
        (_("Effective rate"), _pct(trace.get("effective_rate"), 4)),
        (_("Strategic product revenue"), money("strategic_revenue")),
        (_("Strategic product bonus"), _pct(trace.get("strategic_bonus"))),
        (_("Tier multiplier"), f"× {trace.get('multiplier')}"),
        (
            _("NPS modifier"),
            f"× {trace.get('modifier')}"
            + (f" (NPS {nps})" if nps is not None else " " + _("(no NPS recorded)")),
        ),
        (
            _("Cap per contract"),
            _("%(cap)s of the contract's revenue; applied to %(n)s of %(total)s contract(s)")
            % {
                "cap": _pct(trace.get("contract_cap"), 0),
                "n": trace.get("capped_contracts", 0),
                "total": trace.get("contract_count", 0),
            },
        ),
    ]
    before_cap, unrounded = _dec(trace.get("before_cap")), _dec(trace.get("unrounded"))
    if before_cap is not None and unrounded is not None and before_cap > unrounded:
        facts.append((_("Removed by the cap"), format_money(unrounded - before_cap, currency)))
    facts.append((_("Before rounding"), money("unrounded")))
    if trace.get("floored"):
        facts.append((_("Floor"), _("Returns exceeded sales: the quarter earns nothing.")))
    for base, rate in sorted((trace.get("fx") or {}).items()):
        facts.append((_("FX rate %(base)s → %(quote)s") % {"base": base, "quote": currency}, rate))
    facts.append((_("Accrued rebate"), money("amount")))
    return facts


def trace_summary(trace: dict) -> str:
    """The trace in one line for a statement: revenue, attainment, rate, tier, cap (DESIGN §6.3)."""
    if not trace:
        return ""
    currency = trace.get("currency", "CNY")
    revenue = _dec(trace.get("revenue"))
    rate_key = "effective_rate" if trace.get("mode") == ProgrammeMode.BASE_SHARE else "bracket_rate"
    parts = [
        _("Revenue %(revenue)s, attainment %(attainment)s, rate %(rate)s, tier × %(multiplier)s")
        % {
            "revenue": "—" if revenue is None else format_money(revenue, currency),
            "attainment": format_percent(_dec(trace.get("attainment"))),
            "rate": format_percent(_dec(trace.get(rate_key))),
            "multiplier": trace.get("multiplier", "1"),
        }
    ]
    if trace.get("capped_contracts"):
        parts.append(
            _("capped at %(cap)s of the contract's revenue on %(n)s of %(total)s contract(s)")
            % {
                "cap": format_percent(_dec(trace.get("contract_cap")), 0),
                "n": trace["capped_contracts"],
                "total": trace.get("contract_count", 0),
            }
        )
    if trace.get("revenue_source") == RevenueSource.SELL_THROUGH:
        parts.append(_("revenue from sell-through"))
    return "; ".join(parts)


def contract_rebate(*, trace: dict, net: Decimal, strategic_net: Decimal) -> dict:
    """One contract's rebate exactly as the calculation made it: rate, bonus, factors, then cap.

    `rate` is the contract's effective rate after everything (rebate ÷ net; 0 when net ≤ 0).
    """
    with localcontext() as ctx:
        ctx.prec = 60
        rate = Decimal(trace.get("effective_rate") or 0)
        bonus = Decimal(trace.get("strategic_bonus") or 0)
        factor = Decimal(trace.get("multiplier") or 0) * Decimal(trace.get("modifier") or 1)
        raw = (net * rate + strategic_net * bonus) * factor
        cap = max(Decimal(trace.get("contract_cap") or 0) * net, Decimal(0))
        rebate = min(raw, cap)
        return {
            "revenue": net,
            "strategic_revenue": strategic_net,
            "rebate": rebate,
            "cap": cap,
            "capped": raw > cap,
            "rate": rebate / net if net > 0 else Decimal(0),
        }


def what_if(*, accrual, brackets: list[tuple[Decimal, Decimal | None, Decimal]]) -> dict | None:
    """Revenue still needed to reach the next bracket, and what the base rebate would be there.

    Estimated before strategic bonus and cap, with today's tier multiplier and NPS modifier.
    """
    trace = accrual.trace
    if trace.get("mode") == ProgrammeMode.BASE_SHARE or accrual.target <= 0:
        return None
    attainment_pct = accrual.attainment * 100
    upcoming = sorted(b for b in brackets if b[0] > attainment_pct)
    if not upcoming:
        return None
    lower, _upper, rate = upcoming[0]
    revenue_at = lower / 100 * accrual.target
    if trace.get("mode") == ProgrammeMode.MARGINAL:
        base = sum(
            (
                r
                * max(
                    Decimal(0),
                    min(revenue_at, (u / 100 * accrual.target) if u else revenue_at)
                    - lo / 100 * accrual.target,
                )
                for lo, u, r in brackets
            ),
            Decimal(0),
        )
    else:
        base = revenue_at * rate
    factor = Decimal(str(trace.get("multiplier", "1"))) * Decimal(str(trace.get("modifier", "1")))
    return {
        "bracket_from": lower,
        "rate": rate,
        "revenue_needed": revenue_at - accrual.revenue,
        "would_pay": base * factor,
        # A tier whose multiplier is 0 (Registered) earns nothing in any bracket: say so
        # rather than "about CNY 0.00".
        "tier_earns_nothing": factor == 0,
    }
