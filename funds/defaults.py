"""The default MDF approval matrix (DESIGN §7); administrators edit it afterwards in the admin.

Limits are CNY-equivalent and inclusive: ≤ 10,000 a channel manager (or anyone senior); ≤ 100,000
a channel director or the CFO; above that two distinct people, one of them the CFO.
"""

from decimal import Decimal

# up to (CNY, None = no limit), roles that may approve, roles that must be among them, approvers
DEFAULT_RULES = [
    (Decimal("10000.00"), ["channel_manager", "channel_director", "cfo"], [], 1),
    (Decimal("100000.00"), ["channel_director", "cfo"], [], 1),
    (None, ["cfo", "channel_director", "admin"], ["cfo"], 2),
]


def ensure_default_matrix(rule_model) -> None:
    """Create the default rows when the matrix is empty; never touch an edited matrix."""
    if rule_model.objects.exists():
        return
    for limit, roles, required, count in DEFAULT_RULES:
        rule_model.objects.create(
            max_amount_cny=limit,
            approver_roles=roles,
            required_roles=required,
            approvals_required=count,
        )
