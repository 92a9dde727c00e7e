"""Celery queues by workload (DESIGN §10): heavy batch work cannot starve interactive tasks.

- `interactive`: what a person waits for or what keeps the system moving: e-mail, notifications,
  the outbox dispatcher, the job reaper, the dashboard figures' refresh, pings. Short: each task's
  hard limit is capped at `PRM_INTERACTIVE_TIME_LIMIT`.
- `batch`: rebates, reconciliation, statements and their PDFs, imports, exports, the nightly scans
  over every deal, certification, fund or agreement, tiers and scorecards, the purges. Each keeps
  its own limit (the `PRM_*_TIME_LIMIT` settings for the job kinds, its decorator's otherwise),
  capped at `PRM_BATCH_TIME_LIMIT`.

The rule, in order: a task named in `INTERACTIVE_TASKS` or `BATCH_TASKS` goes there; any other
task whose name contains one of `BATCH_WORDS` goes to batch; everything else (Celery's own tasks,
a task nobody classified) goes to interactive, whose short limit keeps a misfiled slow task from
holding it for long. A message sent with an explicit `queue=` keeps it (a job sent again goes back
to the queue it came from, `core.jobs`).

Queue names come from settings (`PRM_INTERACTIVE_QUEUE`, `PRM_BATCH_QUEUE`) so two deployments can
share a broker; the workers are started with `-Q` and those names (Makefile, docker-compose.yml).
"""

from __future__ import annotations

from typing import Any

INTERACTIVE = "interactive"
BATCH = "batch"

INTERACTIVE_TASKS = frozenset(
    {
        "core.tasks.notification_email_task",
        "core.tasks.job_reap_task",
        "core.tasks.ping_task",
        # Every minute, bounded by its own 50 s limit; a long batch run must not leave the
        # dashboards without their figures.
        "core.tasks.precomputed_figures_refresh_task",
        "core.outbox.outbox_dispatch_task",
    }
)

BATCH_TASKS = frozenset(
    {
        # Scans over every row of a table, once a day or less.
        "deals.tasks.deal_expire_stale_task",
        "deals.tasks.deal_escalate_overdue_task",
        "deals.tasks.deal_warn_expiring_task",
        "deals.tasks.lead_open_due_task",
        "funds.tasks.mdf_accrue_all_task",
        "funds.tasks.mdf_expire_all_task",
        "funds.tasks.fund_request_release_unclaimed_task",
        "partners.tasks.agreement_daily_task",
        "training.tasks.certification_send_expiry_reminders_task",
        "settlement.tasks.statement_deem_confirmed_task",
        # Purges: bulk deletes nobody waits for.
        "core.tasks.notification_purge_old_task",
        "core.outbox.outbox_purge_sent_task",
        "core.idempotency.idempotency_key_purge_task",
        "core.tasks.import_batch_abandoned_reject_task",
    }
)

# Words that mark a task as batch work when it is in neither list.
BATCH_WORDS = (
    "batch",
    "rebate",
    "reconcil",
    "statement",
    "import",
    "export",
    "scan",
    "scorecard",
    "tier",
    "pdf",
    "accrue",
)


def workload(name: str) -> str:
    """`INTERACTIVE` or `BATCH`: the workload of the task called `name` (the rule above)."""
    if name in INTERACTIVE_TASKS:
        return INTERACTIVE
    if name in BATCH_TASKS:
        return BATCH
    lowered = name.lower()
    if any(word in lowered for word in BATCH_WORDS):
        return BATCH
    return INTERACTIVE


def queue_name(kind: str) -> str:
    """The broker queue of a workload (settings: several deployments may share one broker)."""
    from django.conf import settings

    if kind == BATCH:
        return settings.PRM_BATCH_QUEUE
    return settings.PRM_INTERACTIVE_QUEUE


def route_task(name: str, args: Any, kwargs: Any, options: dict, task: Any = None, **kw: Any):
    """Celery router (CELERY_TASK_ROUTES): every task lands on the queue of its workload."""
    return {"queue": queue_name(workload(name))}


def _limits(hard: int) -> dict[str, int]:
    """A hard limit (the process is killed) and a soft one a tenth earlier (at least 1 s), where
    the task gets an exception it turns into a retry or a failure with a reason."""
    return {"time_limit": hard, "soft_time_limit": max(1, hard - max(1, hard // 10))}


class QueueTimeLimits:
    """Celery annotation (CELERY_TASK_ANNOTATIONS): every task's limits, from the worker's settings.

    A job task named in `PRM_TASK_TIME_LIMITS` gets that limit; any other keeps its decorator's
    (or, without one, its queue's cap); either way no more than its queue's cap. So every task
    has a hard limit, and the longest is known from the settings alone (the broker's visibility
    timeout must exceed it).
    """

    def annotate(self, task) -> dict[str, int]:
        from django.conf import settings

        cap = (
            settings.PRM_BATCH_TIME_LIMIT
            if workload(task.name) == BATCH
            else settings.PRM_INTERACTIVE_TIME_LIMIT
        )
        hard = settings.PRM_TASK_TIME_LIMITS.get(task.name) or task.time_limit or cap
        hard = min(hard, cap)
        if hard == task.time_limit and task.soft_time_limit and task.soft_time_limit < hard:
            return {"time_limit": hard, "soft_time_limit": task.soft_time_limit}
        return _limits(hard)
