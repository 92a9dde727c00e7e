"""Default programme data shipped with the portal (DESIGN §2.3); administrators edit it afterwards."""

from decimal import Decimal

# code, rank, revenue, certified, senior, nps, multiplier, protection days, lead hours, mdf rate
DEFAULT_TIERS = [
    ("registered", 0, "0", 0, 0, None, "0.0", 60, 0, "0"),
    ("silver", 1, "1000000", 2, 0, 0, "1.0", 60, 0, "0.01"),
    ("gold", 2, "5000000", 5, 1, 20, "1.1", 90, 48, "0.02"),
    ("diamond", 3, "20000000", 10, 3, 40, "1.2", 120, 48, "0.03"),
]


def ensure_default_tiers(tier_model) -> None:
    """Create the four tiers where missing; never overwrite an administrator's changes."""
    for code, rank, revenue, certified, senior, nps, multiplier, days, hours, mdf in DEFAULT_TIERS:
        tier_model.objects.get_or_create(
            code=code,
            defaults={
                "rank": rank,
                "min_revenue": Decimal(revenue),
                "min_certified_staff": certified,
                "min_senior_certified_staff": senior,
                "min_nps": nps,
                "rebate_multiplier": Decimal(multiplier),
                "protection_days": days,
                "lead_exclusive_hours": hours,
                "mdf_rate": Decimal(mdf),
            },
        )
