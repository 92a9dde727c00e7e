"""Settlement's background jobs and who may see them besides the person who started them."""

from accounts.choices import Role
from core.jobs import job_kind

# The zip holds every partner's statement of a period: finance's, and the CFO's who approves payouts.
STATEMENT_EXPORT = job_kind("settlement.statement_export", roles={Role.FINANCE, Role.CFO})
RECONCILIATION = job_kind("settlement.reconciliation", roles={Role.FINANCE, Role.CFO})
