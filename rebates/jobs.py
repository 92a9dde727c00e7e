"""Rebates' background jobs and who may see them besides the person who started them."""

from accounts.choices import Role
from core.jobs import job_kind

# The figures cover every partner's accruals: the people who may run the calculation see them.
CALCULATE = job_kind("rebates.calculate", roles={Role.FINANCE, Role.CFO})
QUARTER_CLOSE = job_kind("rebates.close", roles={Role.FINANCE, Role.CFO})
