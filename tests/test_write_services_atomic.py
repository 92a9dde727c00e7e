"""Every public write service runs in its own transaction, and is proven to outside a test one.

Two guards. (a) Each public function of every app's services module (and of core's write modules)
is either wrapped in `transaction.atomic` (as a decorator, or a body that is one
`with transaction.atomic()` block) or listed in NOT_ATOMIC with the reason it is not: a read, a
pure helper, a single-row write, or a batch job that commits unit by unit. A new service without
that decision fails here. (b) Each write service is called at least once on its happy path in a
transactional test (real commits, autocommit outside `atomic`, as in production), where a row lock
or an advisory transaction lock taken outside a transaction raises `TransactionManagementError`.
"""

from __future__ import annotations

import ast
import datetime
import importlib
import importlib.util
import inspect
import io
import pkgutil
import textwrap
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.db.transaction import Atomic, TransactionManagementError
from django.utils import timezone

from accounts.choices import Role
from core import (
    audit,
    idempotency,
    import_batches,
    import_jobs,
    imports,
    jobs,
    locks,
    notifications,
    outbox,
    saved_views,
    transitions,
)
from core.models import AuditEvent, ChunkState, FxRate, ImportBatch, JobChunk, JobRun
from core.periods import Quarter
from deals import services as deals
from deals.models import Deal, DealLine, DealSettings, Lead
from funds import services as funds
from funds.defaults import ensure_default_matrix
from funds.models import ApprovalRule
from inventory import services as inventory
from inventory.models import FamilyAlertLimit, InventoryFlag
from inventory.services import stock as inventory_stock
from partners import services as partners
from partners.models import CreditLimitProposal, TierEvaluation
from rebates import services as rebates
from rebates.models import Programme, QuarterClose
from settlement import services as settlement
from settlement.models import (
    ReconciliationAnomaly,
    ReconciliationRun,
    SettlementPolicy,
    Statement,
)
from training import services as training

from .deals.factories import DealFactory, ProductFactory
from .factories import PartnerFactory, PartnerUserFactory, staff, tier
from .funds.factories import allocation, pdf
from .inventory.factories import InventoryReportFactory, SellThroughLineFactory
from .partners.factories import (
    PartnerApplicationFactory,
    agreement_in,
    credit_code,
    licence_pdf,
    signed_pdf,
)
from .partners.programme import Q3, answers, certify, revenue
from .rebates.factories import PERIOD as REBATE_PERIOD
from .rebates.factories import line as sale
from .settlement.factories import queue_entry
from .settlement.recon_factories import order as recon_order
from .settlement.recon_factories import payment
from .training.factories import CertificationFactory, ModuleFactory, exam_with_bank, right_answers

# core keeps its writes by concern instead of in one services module.
CORE_WRITE_MODULES = (
    "core.audit",
    "core.import_batches",
    "core.import_jobs",
    "core.imports",
    "core.jobs",
    "core.locks",
    "core.notifications",
    "core.outbox",
    "core.idempotency",
    "core.saved_views",
    "core.transitions",
)

READ = "read only"
PURE = "pure function"
CHUNKED = "batch job committed unit by unit (each unit atomic); a rerun is idempotent"
ONE_ROW = "writes one row, no lock"
LOCK_HELPER = "session lock helper (tests/core/test_jobs.py)"

# Public functions deliberately not atomic as a whole, with why. Everything else is atomic.
NOT_ATOMIC: dict[str, str] = {
    # inventory reports
    "inventory.services.reports.inventory_may_report": READ + " (who sends reports)",
    "inventory.services.reports.inventory_may_report_for": READ + " (who may report for whom)",
    "inventory.services.reports.inventory_reportable_partner_ids": READ
    + " (the partners a user reports for)",
    # core
    "core.audit.audit_record": ONE_ROW + " (inside the caller's transaction)",
    "core.audit.audit_read": ONE_ROW + " (one row per read request)",
    "core.audit.audit_record_many": "one INSERT of a batch's rows, no lock (inside the caller's "
    "transaction)",
    "core.audit.audit_event_list": READ,
    "core.audit.audit_reads_recorded": PURE + " (collects the reads logged inside it)",
    "core.audit.audit_reads_replay": ONE_ROW + " per recorded read (a cached answer's reads)",
    "core.audit.diff": PURE,
    "core.audit.snapshot": PURE,
    "core.imports.importer_for": READ,
    # --- inventory flags: who may review or decide, and the penalty count (reads)
    "inventory.services.flags.flag_may_review": READ,
    "inventory.services.flags.penalty_may_decide": PURE,
    "inventory.services.flags.policy_may_edit": PURE,
    "inventory.services.flags.penalty_rank": READ,
    # --- end of inventory flags
    "core.imports.importers_for": READ,
    "core.imports.parse_currency": PURE,
    "core.imports.parse_date": PURE,
    "core.imports.parse_decimal": PURE,
    "core.imports.parse_int": PURE,
    "core.imports.parse_text": PURE,
    "core.imports.read_table": READ + " (a file)",
    "core.imports.register": PURE + " (registers an importer class)",
    "core.imports.import_batch_run": CHUNKED
    + ": progress commits while rows are read; rows, outcome and job end commit together",
    "core.imports.csv_encoding": READ + " (a file)",
    "core.imports.uses_decimal_comma": READ + " (a file)",
    "core.imports.xlsx_check": READ + " (a file)",
    "core.imports.decimal_parser": PURE,
    "core.imports.import_limits": PURE,
    "core.imports.copy_csv": "one COPY inside the caller's transaction",
    "core.imports.open_as_csv": READ + " (a file)",
    "core.imports.rows_as_csv": PURE,
    "core.imports.staged_errors": PURE,
    "core.imports.staged_header": PURE,
    "core.jobs.key_ranges": READ,
    "core.locks.lock_key": PURE,
    "core.locks.advisory_lock": LOCK_HELPER + ": a session lock outlives transactions",
    "core.locks.advisory_xact_lock": "a transaction lock, inside the caller's transaction",
    "core.transitions.transition_record": "audit row, notifications and after-commit work "
    "inside the caller's transaction",
    "core.jobs.single_flight": LOCK_HELPER + ": holds a session lock around a task",
    "core.jobs.job_create": ONE_ROW,
    "core.jobs.job_get_for": READ,
    "core.jobs.job_kind": READ,
    "core.jobs.job_kind_roles": READ,
    "core.jobs.job_list_for": READ,
    "core.notifications.partner_audiences": READ,
    "core.notifications.partner_recipients": READ,
    "core.jobs.job_started": ONE_ROW + ", visible to progress pages at once",
    "core.jobs.job_progress": ONE_ROW + ", visible to progress pages at once",
    "core.jobs.job_succeeded": ONE_ROW + ", visible to progress pages at once",
    "core.jobs.job_failed": ONE_ROW + ", must survive the failed job's rollback",
    "core.notifications.notify": "its notifications and their e-mails' outbox rows in one "
    "block, inside the caller's transaction",
    "core.outbox.outbox_enqueue": "outbox rows inside the transaction of their record (asserted)",
    "core.outbox.outbox_enqueue_many": "outbox rows inside the transaction of their record "
    "(asserted)",
    "core.outbox.outbox_dispatch": CHUNKED + ": each batch commits its sent marks",
    "core.outbox.outbox_waiting": READ,
    "core.outbox.outbox_pending_count": READ,
    "core.outbox.outbox_purge_sent": "one DELETE statement",
    "core.outbox.queued_notice": READ + " (a message to the user after commit)",
    "core.idempotency.new_key": PURE,
    "core.idempotency.key_is_valid": PURE,
    "core.idempotency.fingerprint_of": PURE,
    "core.idempotency.idempotency_claim": "one INSERT inside the creating transaction (asserted)",
    "core.idempotency.idempotency_store": ONE_ROW + " (inside the creating transaction)",
    "core.idempotency.idempotency_release": ONE_ROW + " (inside the creating transaction)",
    "core.idempotency.idempotency_purge_old": "one DELETE statement",
    "core.idempotency.idempotent_form": PURE + " (a view decorator; the view runs in its block)",
    "core.jobs.job_can_resume": READ,
    "core.jobs.job_on_abandon": PURE + " (registers a hook)",
    "core.import_jobs.register_job_hooks": PURE + " (registers a hook)",
    "core.import_jobs.import_stopped_message": PURE,
    "core.jobs.single_flight_lock": LOCK_HELPER + ": a session lock and its lease around a task",
    "core.jobs.heartbeat": LOCK_HELPER + ": beats for a lease, job or chunk from its own thread",
    "core.jobs.job_running": "claims the job in its own transaction, then runs the caller's "
    "block outside it (a task body commits its own units)",
    "core.jobs.job_fan_out": "records the chunks in one transaction, sends them once committed",
    "core.jobs.job_chunk_run": CHUNKED + ": claim, body and count each commit on their own",
    "core.jobs.job_reap": CHUNKED + ": one transaction per stalled job or chunk",
    "core.jobs.job_wait_for_lock": ONE_ROW + " (fails the job) or a task retry",
    "core.notifications.notification_mark_read": "one UPDATE statement",
    "core.saved_views.saved_views_for": READ,
    "core.saved_views.saved_view_url": PURE,
    "core.notifications.unread_count": READ,
    "core.notifications.notification_latest_for": READ,
    "core.notifications.notification_preferences_for": READ,
    "core.notifications.notification_delivery": READ,
    "core.notifications.notification_kinds": READ,
    "core.notifications.notification_kinds_for": READ,
    "core.notifications.notification_kind": PURE + " (declares a notification kind)",
    "core.notifications.choice_label": PURE,
    "core.notifications.notification_digest_send": CHUNKED
    + ": one transaction per person's digest, its rows locked and marked e-mailed",
    # partners
    "partners.services.partner.partner_parent_validate": READ,
    "partners.services.scorecards.scorecard_figures_for": READ,
    "partners.services.scorecards.scorecard_yearly_ranges": READ,
    "partners.services.programme.tier_evaluation_run": CHUNKED,
    "partners.services.scorecards.scorecard_evaluate_yearly": CHUNKED,
    "partners.services.agreements.agreement_activate_due": CHUNKED,
    "partners.services.agreements.agreement_expire_due": CHUNKED,
    "partners.services.agreements.agreement_reminder_threshold": PURE,
    "partners.services.agreements.agreement_reminder_windows": PURE,
    "partners.services.agreements.agreement_send_reminders": CHUNKED,
    "partners.services.exits.partner_exits_deactivate_due": CHUNKED,
    "partners.services.risk.credit_rating_run": CHUNKED,
    "partners.services.risk.nps_warning_run": CHUNKED,
    # deals
    "deals.services.conflicts.conflict_sql": PURE,
    "deals.services.conflicts.deal_conflict_find": READ,
    "deals.services.jobs.deal_expire_stale": CHUNKED,
    "deals.services.jobs.deal_warn_expiring": CHUNKED,
    "deals.services.jobs.deal_escalate_overdue": CHUNKED,
    "deals.services.leads.lead_open_due": CHUNKED,
    "deals.services.handover.handover_target_refusal": READ,
    "deals.services.handover.open_deals_of": READ,
    "deals.services.handover.lead_offers_open_of": READ,
    "deals.services.price_lists.price_change_errors": PURE,
    # rebates
    "rebates.services.partner_chunks": READ,
    "rebates.services.quarter_close_check": READ,
    "rebates.services.clawback_for_line": READ,
    "rebates.services.contract_revenue_add_new_lines": CHUNKED,
    "rebates.services.clawbacks_queue": CHUNKED,
    "rebates.services.sales_lines_from_won_deals": "one INSERT … SELECT statement",
    "rebates.services.quarter_close_before_statements": "a read, then the atomic quarter_close",
    # settlement
    "settlement.services.statements.statement_totals": PURE,
    "settlement.services.statements.required_approvals_for": READ,
    "settlement.services.statements.open_review_round": READ,
    "settlement.services.statements.settlement_entry_queue": ONE_ROW
    + " (its INSERT in its own savepoint)",
    "settlement.services.statements.statement_build_period": CHUNKED,
    "settlement.services.statements.statements_unsettled_of": READ,
    "settlement.services.reconciliation.reconciliation_run_fan_out": CHUNKED,
    "settlement.services.reconciliation.reconciliation_chunk_run": CHUNKED,
    "settlement.services.reconciliation.reconciliation_run_job_id": READ,
    "settlement.services.reconciliation.reconciliation_run_progress": ONE_ROW,
    # training
    "training.services.attempts_in_window": READ,
    "training.services.module_complete": ONE_ROW + " (get_or_create)",
    "training.services.certifications_attached_of": READ,
    # funds
    "funds.services.claims.claim_deadline": PURE,
    "funds.services.claims.claim_reimbursement": PURE,
    "funds.services.requests.fund_request_can_approve": READ,
    "funds.services.claims.claim_to_statement": ONE_ROW + " (a settlement entry)",
    "funds.services.ledger.mdf_accrue_all": CHUNKED,
    "funds.services.ledger.mdf_expire_all": CHUNKED,
    "funds.services.requests.fund_request_release_unclaimed": CHUNKED,
    "funds.services.requests.fund_requests_open_of": READ,
    # inventory stock
    "inventory.services.stock.may_set_alert_limits": READ,
}


# --- discovery and the atomic detector -------------------------------------------------------


def _project_apps() -> list[str]:
    root = Path(settings.BASE_DIR).resolve()
    return [
        config.name
        for config in apps.get_app_configs()
        if Path(config.path).resolve().parent == root
    ]


def service_modules() -> Iterator[ModuleType]:
    """`<app>.services` of every project app (with a package's submodules), then core's writers."""
    for app in _project_apps():
        if importlib.util.find_spec(f"{app}.services") is None:
            continue
        module = importlib.import_module(f"{app}.services")
        yield module
        for info in pkgutil.iter_modules(getattr(module, "__path__", [])):
            yield importlib.import_module(f"{module.__name__}.{info.name}")
    for name in CORE_WRITE_MODULES:
        yield importlib.import_module(name)


def public_services() -> dict[str, Callable]:
    """{dotted name: function} of the public functions defined (not imported) in those modules."""
    found = {}
    for module in service_modules():
        for name, obj in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(obj):
                continue
            if obj.__module__ == module.__name__:
                found[f"{module.__name__}.{name}"] = obj
    return found


def _decorated_atomic(func: Callable) -> bool:
    # `@transaction.atomic` wraps the function in a closure over an `Atomic` instance.
    while func is not None:
        for cell in func.__closure__ or ():
            try:
                if isinstance(cell.cell_contents, Atomic):
                    return True
            except ValueError:  # an empty cell
                continue
        func = getattr(func, "__wrapped__", None)
    return False


def _is_atomic_call(node: ast.expr) -> bool:
    target = node.func if isinstance(node, ast.Call) else node
    return (isinstance(target, ast.Attribute) and target.attr == "atomic") or (
        isinstance(target, ast.Name) and target.id == "atomic"
    )


def _body_in_atomic(func: Callable) -> bool:
    """The whole body (after the docstring, before a final `return`) is one atomic block."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(inspect.unwrap(func))))
    body = tree.body[0].body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    if len(body) == 2 and isinstance(body[1], ast.Return):
        body = body[:1]
    return (
        len(body) == 1
        and isinstance(body[0], ast.With)
        and any(_is_atomic_call(item.context_expr) for item in body[0].items)
    )


def is_atomic(func: Callable) -> bool:
    return _decorated_atomic(func) or _body_in_atomic(func)


def write_services() -> set[str]:
    """The services that write: every one but the reads, pure helpers and lock helpers."""
    return {
        name
        for name in public_services()
        if not NOT_ATOMIC.get(name, "").startswith((READ, PURE, LOCK_HELPER))
    }


# --- (a) every service has a decision --------------------------------------------------------


def test_the_detector_tells_atomic_from_not():
    @transaction.atomic
    def decorated():
        return 1

    @transaction.atomic(durable=False)
    def decorated_with_arguments():
        return 1

    def body_in_block():
        """Docstring."""
        with transaction.atomic():
            value = 1
        return value

    def block_inside_a_loop():
        for _ in range(2):
            with transaction.atomic():
                pass

    def plain():
        return 1

    assert is_atomic(decorated) and is_atomic(decorated_with_arguments)
    assert is_atomic(body_in_block)
    assert not is_atomic(block_inside_a_loop)
    assert not is_atomic(plain)


def test_discovery_finds_every_app_with_services():
    # given the project apps; when the services are discovered; then each domain is covered
    modules = {name.rsplit(".", 1)[0] for name in public_services()}
    for expected in (
        "partners.services.partner",
        "partners.services.programme",
        "partners.services.agreements",
        "partners.services.credit",
        "partners.services.reports",
        "partners.services.visits",
        "deals.services.registration",
        "deals.services.conflicts",
        "deals.services.leads",
        "deals.services.jobs",
        "rebates.services",
        "settlement.services.statements",
        "settlement.services.disputes",
        "settlement.services.reconciliation",
        "training.services",
        "funds.services.ledger",
        "funds.services.requests",
        "funds.services.claims",
        "funds.services.results",
        *CORE_WRITE_MODULES,
    ):
        assert expected in modules


def test_every_public_service_is_atomic_or_says_why_not():
    # given every public service; then each is atomic or listed with the reason it is not
    undecided = sorted(
        name
        for name, func in public_services().items()
        if not is_atomic(func) and name not in NOT_ATOMIC
    )
    assert undecided == [], (
        "Wrap these in @transaction.atomic, or list them in NOT_ATOMIC with the reason: "
        f"{undecided}"
    )


def test_the_not_atomic_list_names_existing_services_that_are_not_atomic():
    services = public_services()
    stale = sorted(name for name in NOT_ATOMIC if name not in services)
    atomic = sorted(name for name in NOT_ATOMIC if name in services and is_atomic(services[name]))
    assert stale == [], f"no such service: {stale}"
    assert atomic == [], f"atomic now, remove from NOT_ATOMIC: {atomic}"


# --- (b) every write service runs on its happy path outside a test transaction ---------------

FLOWS: dict[str, set[str]] = {}


def _name(func: Callable) -> str:
    return f"{func.__module__}.{func.__name__}"


def exercises(*funcs: Callable) -> Callable:
    """Declare the services a flow test calls (checked against the calls it makes)."""

    def decorate(test: Callable) -> Callable:
        FLOWS[test.__name__] = {_name(func) for func in funcs}
        return test

    return decorate


class Calls:
    """Calls services and records which ran, to check a flow against its declaration."""

    def __init__(self, expected: set[str]) -> None:
        self.expected = expected
        self.ran: set[str] = set()

    def __call__(self, func: Callable, /, *args, **kwargs):
        result = func(*args, **kwargs)
        self.ran.add(_name(func))
        return result

    def check(self) -> None:
        assert self.ran == self.expected


@pytest.fixture
def call(transactional_db, request) -> Iterator[Calls]:
    with connection.execute_wrapper(refuse_transaction_locks_outside_atomic):
        yield Calls(FLOWS[request.node.originalname])


def refuse_transaction_locks_outside_atomic(execute, sql, params, many, context):
    """A transaction-level advisory lock taken in autocommit is released at once, silently:
    make it as loud as a row lock outside a transaction."""
    if "pg_advisory_xact_lock" in sql and not context["connection"].in_atomic_block:
        raise TransactionManagementError(
            "pg_advisory_xact_lock outside a transaction protects nothing"
        )
    return execute(sql, params, many, context)


def test_a_transaction_lock_outside_atomic_is_refused_in_the_flows():
    # given the statement wrapper of the flows and a connection outside any atomic block
    def execute(sql, params, many, context):
        return "ran"

    context = {"connection": connection}
    lock = "SELECT pg_advisory_xact_lock_shared(%s)"
    # when / then: the lock is refused, other statements run
    with pytest.raises(TransactionManagementError):
        refuse_transaction_locks_outside_atomic(execute, lock, [1], False, context)
    assert refuse_transaction_locks_outside_atomic(execute, "SELECT 1", [], False, context) == "ran"


def test_every_write_service_is_exercised_by_a_flow():
    # given the services each flow declares (and checks it called); then no write service is missed
    missing = sorted(write_services() - set().union(*FLOWS.values()))
    assert missing == [], f"Call these in a flow below (happy path) and declare them: {missing}"


# --- partners --------------------------------------------------------------------------------


@exercises(
    partners.partner_update,
    partners.partner_user_invite,
    partners.partner_user_role_change,
    partners.partner_user_deactivate,
    partners.application_submit,
    partners.application_assess,
    partners.application_advance,
    partners.application_reject,
    partners.compliance_violation_create,
    partners.compliance_violation_draft_create,
    partners.compliance_violation_set_status,
    partners.partner_freeze,
    partners.partner_unfreeze_approve,
)
def test_partner_profile_users_applications_and_compliance(call):
    # given a partner with its administrator, channel staff and a new application
    tier("registered")
    manager, director = staff(Role.CHANNEL_MANAGER), staff(Role.CHANNEL_DIRECTOR)
    partner = PartnerFactory(channel_manager=manager)
    admin = PartnerUserFactory(partner=partner, role=Role.PARTNER_ADMIN)
    application = PartnerApplicationFactory()
    # when each write runs outside a test transaction
    call(partners.partner_update, partner=partner, actor=manager, legal_name="Renamed Co., Ltd.")
    colleague = call(
        partners.partner_user_invite,
        partner=partner,
        email="colleague@partner.example",
        full_name="Colleague",
        role=Role.PARTNER_SALES,
        actor=admin,
    )
    call(
        partners.partner_user_role_change,
        partner=partner,
        user=colleague,
        role=Role.PARTNER_FINANCE,
        actor=admin,
    )
    call(partners.partner_user_deactivate, partner=partner, user=colleague, actor=admin)
    submitted = call(
        partners.application_submit,
        data={
            "legal_name": "Prospect Co., Ltd.",
            "tax_id": credit_code(77),
            "country": "CN",
            "regions": ["CN-SH"],
            "partner_type": "reseller",
            "business_scope": "Networks",
            "contact_name": "Li Wei",
            "contact_email": "li@prospect.example",
            "contact_phone": "123",
            "revenue_band": "1m-5m",
            "technical_staff": 3,
            "business_licence": licence_pdf(),
        },
    )
    call(partners.application_reject, application=submitted, actor=manager, reason="Too small")
    while application.status != "active":
        if application.status == "assessment":
            call(
                partners.application_assess,
                application=application,
                actor=manager,
                qualification=80,
                business=70,
                resources=60,
                willingness=90,
            )
        application = call(partners.application_advance, application=application, actor=manager)
    violation = call(
        partners.compliance_violation_create,
        partner=partner,
        kind="below_floor",
        description="Sold below floor",
        actor=manager,
    )
    call(
        partners.compliance_violation_set_status,
        violation=violation,
        status="closed",
        actor=manager,
    )
    call(
        partners.compliance_violation_draft_create,
        partner=partner,
        kind="cross_region",
        description="Outside territory",
    )
    call(partners.partner_freeze, partner=partner, actor=manager, reason="Investigation")
    call(partners.partner_unfreeze_approve, partner=partner, actor=manager)
    call(partners.partner_unfreeze_approve, partner=partner, actor=director)
    # then every write committed
    partner.refresh_from_db()
    colleague.refresh_from_db()
    assert (partner.legal_name, partner.status) == ("Renamed Co., Ltd.", "active")
    assert (colleague.role, colleague.is_active) == (Role.PARTNER_FINANCE, False)
    assert application.partner is not None
    call.check()


@exercises(
    partners.tier_evaluation_run,
    partners.tier_proposal_confirm,
    partners.tier_proposal_reject,
    partners.scorecard_weights_update,
    partners.scorecard_weight_set_save,
    partners.scorecard_evaluate,
    partners.scorecard_evaluate_yearly,
    partners.nps_response_record,
)
def test_tiers_scorecards_and_nps(call):
    # given two partners that qualify for an upgrade
    manager, admin = staff(Role.CHANNEL_MANAGER), staff(Role.ADMIN)
    upgraded, kept = (
        PartnerFactory(tier=tier("registered"), channel_manager=manager) for _ in "ab"
    )
    for partner in (upgraded, kept):
        revenue(partner, "1000000")
        certify(partner, total=2)
    # when
    summary = call(partners.tier_evaluation_run, quarter=Q3)
    proposals = {e.partner_id: e for e in TierEvaluation.objects.filter(status="pending")}
    call(partners.tier_proposal_confirm, evaluation=proposals[upgraded.pk], actor=manager)
    call(
        partners.tier_proposal_reject,
        evaluation=proposals[kept.pk],
        actor=manager,
        reason="One-off",
    )
    call(partners.nps_response_record, partner=kept, quarter="2026Q3", score=9, actor=manager)
    call(partners.scorecard_weights_update, actor=admin, weight_revenue=30, weight_team=20)
    call(
        partners.scorecard_weight_set_save,
        actor=admin,
        name="Resellers",
        partner_types=["reseller"],
        regions=[],
        weight_revenue=40,
        weight_marketing=15,
        weight_satisfaction=20,
        weight_compliance=15,
        weight_team=10,
    )
    call(
        partners.scorecard_evaluate,
        partner=kept,
        actor=manager,
        kind="on_demand",
        reason="Incident review",
    )
    yearly = call(partners.scorecard_evaluate_yearly, year=2026)
    # then
    assert summary["evaluated"] == 2 and yearly["evaluated"] == 2
    upgraded.refresh_from_db()
    assert upgraded.tier.code != "registered"
    call.check()


@exercises(
    partners.agreement_create,
    partners.agreement_update,
    partners.agreement_submit,
    partners.agreement_review,
    partners.agreement_sign,
    partners.agreement_activate,
    partners.agreement_amend,
    partners.agreement_terminate,
    partners.agreement_activate_due,
    partners.agreement_expire_due,
    partners.agreement_send_reminders,
)
def test_agreements(call):
    # given a managed partner, a legal reviewer and agreements due for the daily jobs
    manager, legal = staff(Role.CHANNEL_MANAGER), staff(Role.LEGAL)
    partner = PartnerFactory(channel_manager=manager)
    today = timezone.localdate()
    agreement_in(
        "signed",
        partner=partner,
        start_date=today - datetime.timedelta(days=3),
        end_date=today + datetime.timedelta(days=200),
    )
    agreement_in("active", partner=partner, end_date=today - datetime.timedelta(days=1))
    agreement_in("active", partner=partner, end_date=today + datetime.timedelta(days=20))
    # when an agreement goes through its life
    agreement = call(
        partners.agreement_create,
        partner=partner,
        actor=manager,
        title="Distribution agreement",
        start_date=today - datetime.timedelta(days=30),
        end_date=today + datetime.timedelta(days=335),
    )
    call(partners.agreement_update, agreement=agreement, actor=manager, terms="Net 60")
    call(partners.agreement_submit, agreement=agreement, actor=manager)
    call(partners.agreement_review, agreement=agreement, actor=legal, decision="approved")
    call(partners.agreement_review, agreement=agreement, actor=manager, decision="approved")
    call(
        partners.agreement_sign,
        agreement=agreement,
        actor=manager,
        document=signed_pdf(),
        signed_on=today - datetime.timedelta(days=1),
    )
    call(partners.agreement_activate, agreement=agreement, actor=manager)
    call(partners.agreement_amend, agreement=agreement, actor=manager)
    call(partners.agreement_terminate, agreement=agreement, actor=manager, reason="breach")
    activated = call(partners.agreement_activate_due)
    expired = call(partners.agreement_expire_due)
    reminded = call(partners.agreement_send_reminders)
    # then
    agreement.refresh_from_db()
    assert agreement.status == "terminated"
    assert (activated, expired, reminded) == (1, 1, 1)
    call.check()


@exercises(
    partners.credit_application_submit,
    partners.credit_application_approve,
    partners.credit_application_reject,
    partners.credit_application_withdraw,
    partners.business_report_submit,
    partners.business_report_review,
    partners.business_report_resubmit,
    partners.visit_plan,
    partners.visit_record,
    partners.visit_cancel,
)
def test_credit_reports_and_visits(call):
    # given a managed partner with its finance and sales users
    manager, finance = staff(Role.CHANNEL_MANAGER), staff(Role.FINANCE)
    partner = PartnerFactory(channel_manager=manager)
    partner_finance = PartnerUserFactory(partner=partner, role=Role.PARTNER_FINANCE)
    sales = PartnerUserFactory(partner=partner, role=Role.PARTNER_SALES)
    today = timezone.localdate()

    def apply(amount: str):
        return call(
            partners.credit_application_submit,
            partner=partner,
            actor=partner_finance,
            kind="normal",
            amount=Decimal(amount),
            justification="Growth",
        )

    # when
    call(partners.credit_application_approve, application=apply("250000"), actor=finance)
    call(partners.credit_application_reject, application=apply("300000"), actor=finance, note="No")
    call(partners.credit_application_withdraw, application=apply("350000"), actor=partner_finance)
    report = call(
        partners.business_report_submit,
        partner=partner,
        actor=sales,
        month=today.replace(day=1) - datetime.timedelta(days=1),
        pipeline="12 opportunities",
    )
    call(
        partners.business_report_review, report=report, actor=manager, comment="More", accept=False
    )
    call(partners.business_report_resubmit, report=report, actor=sales, pipeline="14 deals")
    visit = call(
        partners.visit_plan, partner=partner, actor=manager, kind="review", planned_on=today
    )
    call(partners.visit_record, visit=visit, actor=manager, visited_on=today, summary="Review")
    planned = call(
        partners.visit_plan,
        partner=partner,
        actor=manager,
        kind="review",
        planned_on=today + datetime.timedelta(days=7),
    )
    call(partners.visit_cancel, visit=planned, actor=manager)
    # then
    partner.refresh_from_db()
    assert partner.credit_limit == Decimal("250000.00")
    call.check()


@exercises(
    partners.partner_exit_start,
    partners.exit_item_run,
    partners.exit_item_done,
    partners.partner_exit_deactivate_users,
    partners.partner_exits_deactivate_due,
    partners.partner_exit_complete,
    deals.deal_hand_over,
    deals.lead_offers_withdraw,
    funds.fund_requests_release_at_exit,
    training.certifications_detach,
    settlement.statement_build_final,
)
def test_partner_exit(call):
    # given a managed partner with an open registration and a certification
    manager, finance = staff(Role.CHANNEL_MANAGER), staff(Role.FINANCE)
    partner = PartnerFactory(channel_manager=manager)
    receiver = PartnerFactory(channel_manager=manager)
    seller = PartnerUserFactory(partner=partner, role=Role.PARTNER_SALES)
    deal = DealFactory(partner=partner, registered_by=seller)
    deals.deal_submit(deal=deal, actor=seller)
    CertificationFactory(user=seller)
    today = timezone.localdate()
    # when the exit runs through its checklist outside a test transaction
    partner_exit = call(
        partners.partner_exit_start,
        partner=partner,
        actor=manager,
        kind="termination",
        reason="Breach",
        exit_date=today,
    )
    items = {item.step: item for item in partner_exit.items.all()}
    call(deals.deal_hand_over, deal=deal, actor=manager, to_partner=receiver)
    call(partners.exit_item_done, item=items["deals"], actor=manager)
    call(partners.exit_item_run, item=items["leads"], actor=manager)
    call(funds.fund_requests_release_at_exit, partner=partner, actor=manager)
    call(training.certifications_detach, partner=partner, actor=manager)
    call(settlement.statement_build_final, partner=partner, actor=finance)
    call(deals.lead_offers_withdraw, partner=partner, actor=manager)
    call(partners.partner_exits_deactivate_due, today=today)
    call(partners.partner_exit_deactivate_users, partner_exit=partner_exit, today=today)
    for key in ("mdf", "certifications", "materials"):
        call(partners.exit_item_done, item=items[key], actor=manager)
    call(partners.exit_item_done, item=items["final_statement"], actor=finance)
    call(partners.partner_exit_complete, partner_exit=partner_exit, actor=manager)
    # then
    partner.refresh_from_db()
    assert partner.status == "terminated"
    call.check()


@exercises(
    partners.credit_rating_run,
    partners.credit_rating_evaluate,
    partners.credit_limit_proposal_approve,
    partners.credit_limit_proposal_reject,
    partners.partner_credit_limit_set,
    partners.nps_warning_run,
)
def test_credit_rating_and_nps_warnings(call):
    # given two partners whose overdue orders exceed their limits, and a falling NPS
    manager, finance = staff(Role.CHANNEL_MANAGER), staff(Role.FINANCE)
    lowered, kept = (
        PartnerFactory(channel_manager=manager, credit_limit=Decimal("1000.00")) for _ in "ab"
    )
    for partner in (lowered, kept):
        recon_order(partner, "1500.00", on=Q3.end - datetime.timedelta(days=40))
    answers(kept, "2026Q2", [10, 10])
    answers(kept, "2026Q3", [0, 10])
    # when
    summary = call(partners.credit_rating_run, quarter=Q3)
    call(partners.credit_rating_evaluate, partner=lowered, actor=finance)
    proposals = {p.partner_id: p for p in CreditLimitProposal.objects.all()}
    call(partners.credit_limit_proposal_approve, proposal=proposals[lowered.pk], actor=finance)
    call(
        partners.credit_limit_proposal_reject, proposal=proposals[kept.pk], actor=finance, note="Ok"
    )
    call(partners.partner_credit_limit_set, partner=kept, actor=finance, amount=Decimal("2000"))
    warnings = call(partners.nps_warning_run, quarter=Q3)
    # then
    lowered.refresh_from_db()
    assert summary["proposals"] == 2 and lowered.credit_limit < Decimal("1000.00")
    assert warnings["red"] == 1
    call.check()


@exercises(
    deals.price_list_entry_schedule,
    deals.price_list_import,
    deals.price_list_current_refresh,
)
def test_price_lists(call):
    # given a product and a finance user
    finance = staff(Role.FINANCE)
    product = ProductFactory()
    soon = timezone.localdate() + datetime.timedelta(days=2)
    # when a price is scheduled, a file of prices stored and the nightly step runs on its day
    call(
        deals.price_list_entry_schedule,
        actor=finance,
        product=product,
        change=deals.PriceChange(
            level="guide", valid_from=soon, price=Decimal("1100"), currency="CNY"
        ),
    )
    call(
        deals.price_list_import,
        actor=finance,
        rows=[
            (
                2,
                product,
                deals.PriceChange(
                    level="floor", valid_from=soon, price=Decimal("700"), currency="CNY"
                ),
            )
        ],
    )
    changed = call(deals.price_list_current_refresh, on=soon)
    # then the product's current prices are the new ones
    product.refresh_from_db()
    assert changed == 1 and (product.list_price, product.floor_price) == (1100, 700)
    call.check()


# --- deals -----------------------------------------------------------------------------------


@exercises(
    deals.deal_draft_save,
    deals.deal_submit,
    deals.deal_approve,
    deals.deal_reject,
    deals.deal_extension_request,
    deals.deal_extension_decide,
    deals.deal_close_won,
    deals.deal_close_lost,
    deals.deal_warn_expiring,
    deals.deal_expire_stale,
    deals.deal_escalate_overdue,
)
def test_deal_registrations(call):
    # given a partner's seller, a channel director and a product
    director = staff(Role.CHANNEL_DIRECTOR)
    seller = PartnerUserFactory(role=Role.PARTNER_SALES)
    product = ProductFactory()
    now = timezone.now()

    def line() -> dict:
        return {"product": product, "quantity": 2, "unit_price": Decimal("900.00")}

    def submitted(**fields) -> Deal:
        deal = DealFactory(partner=seller.partner, registered_by=seller, **fields)
        return call(deals.deal_submit, deal=deal, actor=seller)

    def approved(**fields) -> Deal:
        return call(deals.deal_approve, deal=submitted(**fields), actor=director, reason="ok")

    # when a draft is created and edited, and registrations go through every decision
    draft = call(
        deals.deal_draft_save,
        actor=seller,
        data={
            "customer_name": "Acme Trading Ltd",
            "customer_region": "CN-SH",
            "project_name": "Core network",
            "currency": "CNY",
            "expected_close_date": timezone.localdate() + datetime.timedelta(days=60),
        },
        lines=[line()],
    )
    call(deals.deal_draft_save, actor=seller, data={"notes": "edited"}, lines=[line()], deal=draft)
    call(deals.deal_reject, deal=submitted(), actor=director, reason="duplicate")
    won = call(
        deals.deal_extension_request, deal=approved(), actor=seller, justification="tender late"
    )
    call(deals.deal_extension_decide, deal=won, actor=director, approve=True)
    call(
        deals.deal_close_won,
        deal=won,
        actor=seller,
        order_number="PO-1",
        closed_on=timezone.localdate(),
        lines=[line()],
    )
    call(deals.deal_close_lost, deal=approved(), actor=seller, reason="budget cut")
    expiring, stale = approved(), approved()
    Deal.objects.filter(pk=expiring.pk).update(protection_ends_at=now + datetime.timedelta(days=3))
    Deal.objects.filter(pk=stale.pk).update(protection_ends_at=now - datetime.timedelta(days=1))
    overdue = submitted()
    Deal.objects.filter(pk=overdue.pk).update(sla_due_at=now - datetime.timedelta(hours=1))
    swept = (
        call(deals.deal_warn_expiring),
        call(deals.deal_expire_stale),
        call(deals.deal_escalate_overdue),
    )
    # then
    draft.refresh_from_db()
    won.refresh_from_db()
    assert (draft.notes, won.status) == ("edited", "won")
    assert swept == (1, 1, 1)
    call.check()


@exercises(
    deals.lead_publish,
    deals.lead_accept,
    deals.lead_decline,
    deals.lead_withdraw,
    deals.lead_open_due,
)
def test_leads(call):
    # given a Gold partner covering Shanghai and a channel manager publishing leads
    manager = staff(Role.CHANNEL_MANAGER)
    gold = PartnerFactory(tier=tier("gold"), regions=["CN-SH"])
    seller = PartnerUserFactory(partner=gold, role=Role.PARTNER_SALES)

    def publish(name: str):
        data = {
            "customer_name": name,
            "customer_region": "CN-SH",
            "project_name": "Warehouse Wi-Fi",
            "estimated_value": Decimal("380000.00"),
            "currency": "CNY",
        }
        return call(deals.lead_publish, actor=manager, data=data)

    # when
    deal = call(deals.lead_accept, lead_id=publish("Acme Logistics").pk, actor=seller)
    call(deals.lead_decline, lead_id=publish("Beta Logistics").pk, actor=seller)
    call(deals.lead_withdraw, lead_id=publish("Gamma Logistics").pk, actor=manager)
    due = publish("Delta Logistics")
    Lead.objects.filter(pk=due.pk).update(
        exclusive_until=timezone.now() - datetime.timedelta(minutes=1)
    )
    opened = call(deals.lead_open_due)
    # then
    assert deal.partner == gold and opened == 1
    call.check()


# --- rebates ---------------------------------------------------------------------------------


@exercises(
    rebates.programme_save,
    rebates.programme_ensure_default,
    rebates.target_set,
    rebates.accruals_calculate,
    rebates.contract_revenue_add_new_lines,
    rebates.sales_lines_from_won_deals,
    rebates.quarter_close,
    rebates.clawbacks_queue,
)
def test_rebate_calculation_close_and_clawback(call):
    # given a Gold partner selling in 2026Q3 (ended), with a won deal closed in the quarter
    finance = staff(Role.FINANCE)
    partner = PartnerFactory(tier=tier("gold"))
    won = DealFactory(partner=partner)
    Deal.objects.filter(pk=won.pk).update(
        status="won", closed_on=datetime.date(2026, 8, 3), order_number="PO-9"
    )
    DealLine.objects.filter(deal=won).update(final=True)
    sale(partner, 950_000)
    # when the quarter is calculated, then closed, then a late return arrives
    prog = call(
        rebates.programme_save,
        actor=finance,
        programme=Programme(name="Core"),
        brackets=rebates.DEFAULT_BRACKETS,
    )
    call(rebates.programme_ensure_default)
    call(
        rebates.target_set,
        actor=finance,
        programme=prog,
        partner=partner,
        period="2026Q3",
        amount=Decimal(1_000_000),
    )
    call(rebates.accruals_calculate, period=REBATE_PERIOD, partner_range=(0, 2**62))
    sale(partner, 100_000)
    added = call(rebates.contract_revenue_add_new_lines)
    from_deals = call(rebates.sales_lines_from_won_deals, period=REBATE_PERIOD)
    close = call(rebates.quarter_close, period=REBATE_PERIOD, actor=finance)
    sale(partner, 11_500, kind="return", day="2026-09-28")
    clawbacks = call(rebates.clawbacks_queue)
    # then
    assert added and from_deals == 1
    assert close.accruals_queued == 1 and clawbacks == 1
    call.check()


@exercises(rebates.quarter_close_before_statements)
def test_a_statement_run_closes_the_ended_rebate_quarter_once(call):
    # given a rebate programme and an ended quarter nobody closed
    rebates.programme_ensure_default()
    # when the statement run's preparer runs twice
    call(rebates.quarter_close_before_statements, REBATE_PERIOD)
    call(rebates.quarter_close_before_statements, REBATE_PERIOD)
    # then the quarter is closed, once
    assert QuarterClose.objects.filter(period=str(REBATE_PERIOD)).count() == 1
    call.check()


# --- settlement ------------------------------------------------------------------------------


@exercises(
    settlement.settlement_entry_queue,
    settlement.statement_build_period,
    settlement.statement_build,
    settlement.statement_submit,
    settlement.statement_approve,
    settlement.statement_return,
    settlement.statement_publish,
    settlement.statement_confirm,
    settlement.statement_mark_paid,
    settlement.statement_close,
    settlement.statement_dispute,
    settlement.dispute_resolve,
    settlement.statement_deem_confirmed,
)
def test_statements(call):
    # given four partners with an amount queued each
    preparer, checker, finance = (staff(Role.FINANCE) for _ in "abc")
    paid, returned, disputed, silent = (PartnerFactory() for _ in "abcd")
    admins = {
        p.pk: PartnerUserFactory(partner=p, role=Role.PARTNER_ADMIN) for p in (paid, disputed)
    }
    for number, partner in enumerate((paid, returned, disputed, silent)):
        call(
            settlement.settlement_entry_queue,
            partner=partner,
            kind="rebate_accrual",
            amount=Decimal("100.00"),
            currency="CNY",
            description="Q3 rebate",
            source_type="tests.source",
            source_id=number,
            period="2026Q3",
        )

    def published(statement):
        call(settlement.statement_submit, statement=statement, actor=preparer)
        call(settlement.statement_approve, statement=statement, actor=checker)
        return call(settlement.statement_publish, statement=statement, actor=finance)

    # when the statements are built and go through their states
    built = {s.partner_id: s for s in call(settlement.statement_build_period, period="2026Q3")}
    late = PartnerFactory()
    queue_entry(late, "50.00")
    call(settlement.statement_build, partner=late, period="2026Q3")
    statement = published(built[paid.pk])
    call(settlement.statement_confirm, statement=statement, actor=admins[paid.pk])
    call(settlement.statement_mark_paid, statement=statement, actor=finance)
    call(settlement.statement_close, statement=statement, actor=finance)
    call(settlement.statement_submit, statement=built[returned.pk], actor=preparer)
    call(settlement.statement_return, statement=built[returned.pk], actor=checker, note="FX")
    statement = published(built[disputed.pk])
    dispute = call(
        settlement.statement_dispute,
        statement=statement,
        actor=admins[disputed.pk],
        line_ids=[statement.lines.get().pk],
        reason="Missing deal",
    )
    call(settlement.dispute_resolve, dispute=dispute, actor=finance, answer="Agreed")
    published(built[silent.pk])
    deemed = call(
        settlement.statement_deem_confirmed, now=timezone.now() + datetime.timedelta(days=30)
    )
    # then
    states = dict(Statement.objects.values_list("partner_id", "state"))
    assert (states[paid.pk], states[returned.pk], states[silent.pk]) == (
        "closed",
        "draft",
        "confirmed",
    )
    assert deemed == 1
    call.check()


@exercises(
    settlement.reconciliation_run_start,
    settlement.reconciliation_run_fan_out,
    settlement.reconciliation_chunk_run,
    settlement.reconciliation_run_finish,
    settlement.anomaly_resolve,
)
def test_reconciliation(call):
    # given a payment that matches no order
    finance = staff(Role.FINANCE)
    partner = PartnerFactory()
    payment(partner, "12.00", reference="NOWHERE")
    # when a run goes chunk by chunk (what its tasks do) and finance resolves the anomaly
    run = ReconciliationRun.objects.create()
    for chunk in call(settlement.reconciliation_run_fan_out, run_id=run.pk, chunks=2):
        call(settlement.reconciliation_chunk_run, run_id=run.pk, partner_range=tuple(chunk))
    call(settlement.reconciliation_run_finish, run_id=run.pk)
    anomaly = ReconciliationAnomaly.objects.get(run=run)
    call(settlement.anomaly_resolve, anomaly=anomaly, actor=finance, action="accepted", note="ok")
    # and finance starts another run (its tasks run in-process once it commits)
    second = call(
        settlement.reconciliation_run_start,
        actor=finance,
        chunks=2,
    )
    # then
    run.refresh_from_db()
    second.refresh_from_db()
    anomaly.refresh_from_db()
    assert run.finished_at is not None and second.finished_at is not None
    assert anomaly.state == "resolved"
    call.check()


@exercises(
    settlement.settlement_policy_update,
    settlement.partner_tax_rate_set,
    deals.deal_settings_update,
)
def test_settings(call):
    # given finance, an administrator and a partner
    finance, admin = staff(Role.FINANCE), staff(Role.ADMIN)
    partner = PartnerFactory()
    # when each settings service runs outside a test transaction
    call(
        settlement.settlement_policy_update,
        actor=finance,
        values={"countersign_threshold": Decimal("250000"), "amount_tolerance": Decimal("0.01")},
    )
    call(settlement.partner_tax_rate_set, actor=finance, partner=partner, tax_rate=Decimal("0.06"))
    call(deals.deal_settings_update, actor=admin, values={"sla_business_days": 3})
    # then each took effect
    assert SettlementPolicy.current().countersign_threshold == Decimal("250000")
    assert partner.tax_profile.tax_rate == Decimal("0.06")
    assert DealSettings.current().sla_business_days == 3
    call.check()


# --- training --------------------------------------------------------------------------------


@exercises(
    training.module_complete,
    training.question_create,
    training.attempt_start,
    training.attempt_submit,
    training.certification_award,
    training.certification_send_expiry_reminders,
    training.partner_coverage_refresh,
)
def test_training(call):
    # given a partner seller, a course module, an exam bank and a certificate expiring soon
    seller = PartnerUserFactory(role=Role.PARTNER_SALES)
    module = ModuleFactory()
    exam = exam_with_bank()
    other_exam = exam_with_bank()
    today = timezone.localdate()
    CertificationFactory(
        user=seller,
        issued_on=today - datetime.timedelta(days=700),
        expires_on=today + datetime.timedelta(days=60),
    )
    # when
    call(training.module_complete, user=seller, module=module)
    call(
        training.question_create,
        exam=exam,
        text="Which port?",
        kind="single",
        options=[("22", False), ("443", True)],
        actor=staff(Role.ADMIN),
    )
    attempt = call(training.attempt_start, user=seller, exam=exam)
    passed = call(
        training.attempt_submit, attempt=attempt, user=seller, answers=right_answers(attempt)
    )
    started = call(training.attempt_start, user=seller, exam=other_exam)
    awarded = call(training.certification_award, attempt=started, on=today)
    reminded = call(training.certification_send_expiry_reminders, today=today)
    counted = call(training.partner_coverage_refresh, today=today)
    # then
    assert passed.certification is not None and awarded.code
    assert reminded == 1
    assert counted >= 1
    call.check()


# --- inventory reports -----------------------------------------------------------------------


@exercises(inventory.inventory_report_submit, inventory.inventory_lines_load)
def test_inventory_reports_in(call):
    # given a dealer and a product
    from inventory.models import InventoryReport

    dealer = PartnerFactory()
    user = PartnerUserFactory(partner=dealer, role=Role.PARTNER_ADMIN)
    product = ProductFactory()
    line = {
        "sold_on": "2026-11-02",
        "sku": product.sku,
        "quantity": "1",
        "unit_price": "10.00",
        "currency": "CNY",
        "customer_name": "End customer",
        "customer_region": "CN-SH",
    }
    # when its November report comes by API, then a corrected file by import
    call(
        inventory.inventory_report_submit,
        partner=dealer,
        kind="sell_through",
        month=datetime.date(2026, 11, 1),
        lines=[line],
        actor=user,
    )
    csv_text = "sold_on,sku,quantity,unit_price,currency,customer_name,customer_region\n"
    csv_text += f"2026-11-03,{product.sku},2,10.00,CNY,End customer,CN-SH\n"
    call(inventory.inventory_lines_load, io.StringIO(csv_text), kind="sell_through", user=user)
    # then two versions, the second current
    assert list(
        InventoryReport.objects.order_by("version").values_list("version", "is_current")
    ) == [(1, False), (2, True)]
    call.check()


# --- funds -----------------------------------------------------------------------------------


@exercises(
    funds.mdf_accrue,
    funds.mdf_accrue_all,
    funds.mdf_allocate,
    funds.mdf_expire,
    funds.mdf_expire_all,
    funds.fund_request_submit,
    funds.fund_request_approve,
    funds.fund_request_reject,
    funds.claim_submit,
    funds.claim_to_statement,
    funds.claim_validate,
    funds.claim_reject,
    funds.activity_result_record,
    funds.deal_activity_set,
    funds.fund_request_release,
    funds.fund_request_release_unclaimed,
)
def test_market_development_funds(call, time_machine):
    # given the approval matrix, Gold partners with 2026Q3 revenue, and money left from 2026Q1
    ensure_default_matrix(ApprovalRule)
    admin, director, finance = staff(Role.ADMIN), staff(Role.CHANNEL_DIRECTOR), staff(Role.FINANCE)
    accrued, batch = PartnerFactory(tier=tier("gold")), PartnerFactory(tier=tier("gold"))
    for partner in (accrued, batch):
        sale(partner, "100000.00", day="2026-08-01")
    expired, expired_in_batch = PartnerFactory(), PartnerFactory()
    for partner in (expired, expired_in_batch):
        allocation(partner, "1000.00", quarter="2026Q1")
    partner = PartnerFactory()
    user = PartnerUserFactory(partner=partner, role=Role.PARTNER_ADMIN)
    q4, q2 = Quarter.parse("2026Q4"), Quarter.parse("2026Q2")
    # when the ledger jobs run
    call(funds.mdf_accrue, partner=accrued, quarter=q4)
    accruals = call(funds.mdf_accrue_all, quarter=q4)
    call(funds.mdf_expire, partner=expired, quarter=q2)
    expiries = call(funds.mdf_expire_all, quarter=q2)
    # and requests go through approval, claims and release
    time_machine.move_to(datetime.datetime(2026, 2, 1, 1, 0, tzinfo=datetime.UTC))
    call(funds.mdf_allocate, partner=partner, amount=Decimal("50000"), reason="Launch", actor=admin)

    def request(amount: str):
        return call(
            funds.fund_request_submit,
            partner=partner,
            actor=user,
            title="Technical salon",
            activity_type="technical_salon",
            start_date=datetime.date(2026, 3, 2),
            end_date=datetime.date(2026, 3, 3),
            total_budget=Decimal(amount) * 2,
            requested_amount=Decimal(amount),
        )

    def approved(amount: str):
        return call(funds.fund_request_approve, fund_request=request(amount), actor=director)

    claimed, refused, released, unclaimed = (approved(a) for a in ("8000", "3000", "2000", "1000"))
    call(funds.fund_request_reject, fund_request=request("500"), actor=director, note="Scope")
    time_machine.move_to(datetime.datetime(2026, 3, 10, 1, 0, tzinfo=datetime.UTC))

    def claim(fund_request):
        return call(
            funds.claim_submit,
            fund_request=fund_request,
            actor=user,
            actual_spend=Decimal("9000.00"),
            leads_generated=4,
            attachments=[pdf()],
        )

    validated = call(funds.claim_validate, claim=claim(claimed), actor=finance)
    call(funds.claim_reject, claim=claim(refused), actor=finance, note="No invoices")
    call(funds.claim_to_statement, claim=validated)
    call(
        funds.activity_result_record,
        fund_request=claimed,
        actor=director,
        leads_count=4,
        deal_revenue=Decimal("20000"),
    )
    call(funds.deal_activity_set, deal=DealFactory(partner=partner), fund_request=claimed)
    time_machine.move_to(datetime.datetime(2026, 5, 20, 1, 0, tzinfo=datetime.UTC))
    call(funds.fund_request_release, fund_request=released)
    released_later = call(funds.fund_request_release_unclaimed)
    # then
    assert (accruals, expiries) == (1, 1)
    unclaimed.refresh_from_db()
    assert unclaimed.status == "released" and released_later == 2
    call.check()


# --- core ------------------------------------------------------------------------------------


@exercises(
    audit.audit_record,
    audit.audit_record_many,
    audit.audit_read,
    audit.audit_reads_replay,
    notifications.notify,
    notifications.notification_mark_read,
    notifications.notification_preferences_update,
    notifications.notification_email_send,
    notifications.notification_digest_send,
    jobs.job_create,
    jobs.job_started,
    jobs.job_progress,
    jobs.job_succeeded,
    jobs.job_failed,
    import_batches.import_batch_create,
    imports.import_batch_run,
    imports.import_batch_abandoned_reject,
)
def test_core_audit_notifications_jobs_and_imports(call):
    # given a finance user and two FX-rate files
    finance = staff(Role.FINANCE)

    def rates(name: str, pair: str) -> SimpleUploadedFile:
        text = f"date,from,to,rate\n2026-09-30,{pair},CNY,7.1\n"
        return SimpleUploadedFile(name, text.encode(), content_type="text/csv")

    # when
    call(audit.audit_record, actor=finance, action="tests.checked", obj=finance)
    call(
        audit.audit_record_many,
        actor=finance,
        action="tests.checked_many",
        events=[(finance, {"checked": True})],
    )
    with audit.audit_reads_recorded() as reads:
        call(
            audit.audit_read,
            actor=finance,
            action="tests.listed",
            model=FxRate,
            ids=[1, 2],
            partner_id=None,
            context={"door": "page"},
        )
    call(audit.audit_reads_replay, actor=finance, recorded=reads)
    call(notifications.notify, recipients=[finance], kind="tests.note", title="Hello", email=False)
    read = call(notifications.notification_mark_read, user=finance)
    call(
        notifications.notification_preferences_update,
        user=finance,
        changes={"statement.disputed": "digest"},
    )
    (mailed,) = notifications.notify(recipients=[finance], kind="statement.confirmed", title="x")
    (digested,) = notifications.notify(recipients=[finance], kind="statement.disputed", title="y")
    # (its e-mail left once the notification committed: never a second time)
    assert call(notifications.notification_email_send, notification_id=mailed.pk) is False
    assert call(notifications.notification_digest_send) == 1
    job = call(jobs.job_create, kind="tests.job", label="Test job", user=finance)
    call(jobs.job_started, job, total=2)
    call(jobs.job_progress, job, done=1)
    call(jobs.job_succeeded, job)
    failed = call(jobs.job_create, kind="tests.job", label="Failing job", user=finance)
    call(jobs.job_failed, failed, message="boom")
    # (its import task runs in-process once the upload commits)
    uploaded = call(
        import_batches.import_batch_create,
        kind="fx_rates",
        upload=rates("a.csv", "USD"),
        user=finance,
    )
    queued = ImportBatch.objects.create(
        kind="fx_rates", file=rates("b.csv", "EUR"), original_name="b.csv", uploaded_by=finance
    )
    imported = call(imports.import_batch_run, queued.pk)
    abandoned = call(imports.import_batch_abandoned_reject)
    # then
    uploaded.refresh_from_db()
    assert (uploaded.status, imported.status, abandoned) == ("imported", "imported", 0)
    assert read == 1 and FxRate.objects.count() == 2
    assert AuditEvent.objects.filter(action="tests.listed").count() == 2
    assert set(JobRun.objects.values_list("status", flat=True)) >= {"succeeded", "failed"}
    call.check()


@exercises(
    jobs.job_running,
    jobs.job_fan_out,
    jobs.job_chunk_run,
    jobs.job_reap,
    jobs.job_wait_for_lock,
    jobs.job_resume,
    import_jobs.import_batch_stopped,
    settlement.reconciliation_run_progress,
)
def test_core_job_runs_chunks_the_reaper_and_resume(call, settings):
    from rebates.tasks import rebate_calculate_task

    # given a finance user and a chunk task (its runs are in-process here)
    finance = staff(Role.FINANCE)
    task = rebate_calculate_task.name
    period = str(REBATE_PERIOD)
    # when a job runs and fans out one chunk (which runs, and finishes the job)
    job = jobs.job_create(kind="tests.job", label="Chunked", user=finance)
    with call(jobs.job_running, job.pk) as run:
        assert run
        call(jobs.job_fan_out, job, task_name=task, chunk_args=[[period, [1, 2], job.pk]])
    chunk = JobChunk.objects.get(job=job)
    # and the same chunk comes again: it is done, so nothing runs
    again = call(jobs.job_chunk_run, chunk.pk, lambda: 1 / 0)
    # and a chunk whose worker stopped is reaped and sent again
    stalled = jobs.job_create(kind="tests.job", label="Stalled", user=finance)
    JobRun.objects.filter(pk=stalled.pk).update(status="running")
    JobChunk.objects.create(
        job=stalled,
        index=0,
        task_name=task,
        task_args=[period, [1, 2], stalled.pk],
        state=ChunkState.RUNNING,
        attempts=1,
        heartbeat_at=timezone.now()
        - datetime.timedelta(seconds=settings.PRM_JOB_STALL_SECONDS + 1),
    )
    reaped = call(jobs.job_reap)
    # and a job whose lock stays busy fails with the reason, then finance resumes it
    busy = jobs.job_create(kind="tests.job", label="Busy", user=finance)
    JobChunk.objects.create(job=busy, index=0, task_name=task, task_args=[period, [1, 2], busy.pk])
    call(jobs.job_wait_for_lock, busy.pk, "tests.lock")
    assert JobRun.objects.get(pk=busy.pk).resumable
    call(jobs.job_resume, job=JobRun.objects.get(pk=busy.pk), actor=finance)
    # and an import stopped at its time limit is rejected
    batch = ImportBatch.objects.create(
        kind="fx_rates",
        file=SimpleUploadedFile("c.csv", b"date,from,to,rate\n"),
        original_name="c.csv",
        uploaded_by=finance,
        job=jobs.job_create(kind="import.fx_rates", label="FX", user=finance),
    )
    stopped = call(import_jobs.import_batch_stopped, batch_id=batch.pk)
    # and a reconciliation run's progress is copied from its job
    run_job = jobs.job_create(kind="tests.job", label="Run", user=finance)
    JobRun.objects.filter(pk=run_job.pk).update(done=3)
    recon = ReconciliationRun.objects.create(job=run_job, chunks=4)
    call(settlement.reconciliation_run_progress, run_id=recon.pk)
    # then
    assert not again.ran and again.job_complete
    assert reaped == {"chunks": 1, "jobs": 0}
    statuses = JobRun.objects.filter(pk__in=[job.pk, stalled.pk, busy.pk]).values_list(
        "status", flat=True
    )
    assert set(statuses) == {"succeeded"}
    assert stopped.status == "rejected"
    assert ReconciliationRun.objects.get(pk=recon.pk).chunks_done == 3
    call.check()


@exercises(locks.advisory_xact_lock, transitions.transition_record, imports.copy_csv)
def test_core_helpers_that_write_inside_the_callers_transaction(call):
    # given a finance user and a transaction of the caller
    finance = staff(Role.FINANCE)
    with transaction.atomic():
        # when each helper runs inside it
        call(locks.advisory_xact_lock, "tests.flow", "1")
        event = call(
            transitions.transition_record,
            finance,
            actor=finance,
            action="tests.transitioned",
            notice=transitions.Notice(
                recipients=[finance], kind="tests.note", title="Moved", email=False
            ),
        )
        with connection.cursor() as cursor:
            cursor.execute("CREATE TEMP TABLE tests_stage (a text) ON COMMIT DROP")
            call(
                imports.copy_csv,
                cursor,
                table="tests_stage",
                header=["a"],
                stream=io.StringIO("x\ny\n"),
            )
            cursor.execute("SELECT count(*) FROM tests_stage")
            staged = cursor.fetchone()[0]
    # then the audit row and the notice are committed and the rows were staged
    assert event.action == "tests.transitioned" and staged == 2
    assert finance.notifications.filter(kind="tests.note").exists()
    call.check()


@exercises(
    outbox.outbox_enqueue,
    outbox.outbox_enqueue_many,
    outbox.outbox_dispatch,
    outbox.outbox_purge_sent,
    idempotency.idempotency_claim,
    idempotency.idempotency_store,
    idempotency.idempotency_release,
    idempotency.idempotency_purge_old,
)
def test_core_outbox_and_idempotency_keys(call):
    # given a finance user, and a job with its queued task written in one transaction
    finance = staff(Role.FINANCE)
    with transaction.atomic():
        job = jobs.job_create(kind="tests.ping", label="Ping", user=finance)
        call(outbox.outbox_enqueue, "core.tasks.ping_task", args=[job.pk], job=job)
        call(outbox.outbox_enqueue_many, [("core.tasks.ping_task", [job.pk], {})], job=job)
    # (without a broker the after-commit dispatch ran them in-process)
    sent_again = call(outbox.outbox_dispatch)
    purged = call(outbox.outbox_purge_sent)
    # and a key claimed, answered, then another claimed and released, in creating transactions
    with transaction.atomic():
        first = call(idempotency.idempotency_claim, user=finance, key="k1", fingerprint="f")
        call(idempotency.idempotency_store, user=finance, key="k1", status_code=201, body={})
    with transaction.atomic():
        again = idempotency.idempotency_claim(user=finance, key="k1", fingerprint="f")
        idempotency.idempotency_claim(user=finance, key="k2", fingerprint="f")
        call(idempotency.idempotency_release, user=finance, key="k2")
    old = call(idempotency.idempotency_purge_old)
    # then
    assert JobRun.objects.get(pk=job.pk).status == "succeeded"
    assert (sent_again, purged, old) == (0, 0, 0)
    assert first is None and again.status_code == 201
    call.check()


@exercises(saved_views.saved_view_save, saved_views.saved_view_delete)
def test_saved_views_of_a_list(call):
    # given a manager, when they save a view of the deal list and delete it
    manager = staff()
    view = call(
        saved_views.saved_view_save, user=manager, list_key="deals", name="Mine", query="q=x"
    )
    deleted = call(saved_views.saved_view_delete, user=manager, pk=view.pk)
    # then the view was stored and is gone
    assert deleted is True
    call.check()


# --- inventory flags (DESIGN §11) ------------------------------------------------------------


def _inventory_flag(partner, month: int) -> InventoryFlag:
    report = InventoryReportFactory(partner=partner, month=datetime.date(2026, month, 1))
    line = SellThroughLineFactory(report=report, partner=partner, customer_region="CN-BJ")
    return InventoryFlag.objects.create(partner=partner, line=line, kind="cross_region")


@exercises(
    inventory.flag_confirm,
    inventory.flag_dismiss,
    inventory.penalty_freeze_decide,
    inventory.flag_policy_update,
)
def test_inventory_flags(call):
    # given a partner with four flags, a director and finance
    partner, director = PartnerFactory(), staff(Role.CHANNEL_DIRECTOR)
    flags = [_inventory_flag(partner, month) for month in (8, 9, 10, 11)]
    # when finance sets the deduction, three flags are confirmed and one dismissed, and the
    # director declines the freeze proposal, each outside a test transaction
    call(inventory.flag_policy_update, actor=staff(Role.FINANCE), values={"deduction_amount": 1})
    steps = [
        call(inventory.flag_confirm, flag=flag, actor=director, reason="Beijing").step
        for flag in flags[:3]
    ]
    call(inventory.flag_dismiss, flag=flags[3], actor=director, reason="Moved")
    proposal = partner.inventory_penalties.get(step="freeze_proposal")
    call(
        inventory.penalty_freeze_decide,
        penalty=proposal,
        actor=director,
        decision="declined",
        reason="Seasonal",
    )
    # then the penalties were graduated and the proposal decided
    assert steps == ["warning", "deduction", "freeze_proposal"]
    call.check()


# --- end of inventory flags
# --- inventory stock -------------------------------------------------------------------------


@exercises(inventory_stock.alert_limit_set)
def test_inventory_alert_limits(call):
    # given a product family, when a director sets its limits outside a test transaction
    family = ProductFactory().family
    changes = call(
        inventory_stock.alert_limit_set,
        actor=staff(Role.CHANNEL_DIRECTOR),
        family=family,
        values={"ageing_days": 90, "stock_out_days": 5},
    )
    # then they are stored (and audited)
    assert changes["ageing_days"]["after"] == 90
    assert FamilyAlertLimit.objects.get(family=family).stock_out_days == 5
    call.check()
