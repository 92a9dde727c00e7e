"""What every route and every API operation answers to whom (DESIGN §1), as one table.

`PAGES` is keyed by URL name, `API` by "METHOD /path/" as the OpenAPI schema spells it. Each entry
says how to build its URL from the shared world (`tests/sweep_world.py`, every object owned by the
home partner), which actors succeed (`ok`) and which a role rule refuses (`denied`, 403 or 404).
The sweep adds by itself: anonymous (302 to the login page / 401 or 403), the user of another
company on every URL that names a home object (404) or on a list that could show one (`marker`
must not appear), and a partner admin on every staff-only route (403 or 404).

A route or operation missing here fails `test_every_route_has_an_entry`: add its entry.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from tests.sweep_world import World

STAFF = ("admin", "manager", "director", "legal", "finance", "cfo")
CHANNEL = ("admin", "manager", "director")
FINANCE = ("admin", "finance", "cfo")
PARTNER = ("partner_admin", "partner_sales", "partner_finance")
PARTNER_FINANCE = ("partner_admin", "partner_finance")


@dataclass(frozen=True)
class Entry:
    ok: tuple[str, ...]
    kwargs: Callable[[World], dict] | None = None
    method: str = "GET"
    data: Callable[[World], dict] | None = None
    denied: tuple[str, ...] = ()
    # False when the URL's object is not a partner's (a course, a programme): no other-company case.
    scoped: bool = True
    public: bool = False
    marker: Callable[[World], str] | None = None
    # Texts a permitted actor's page must still not show (fields of finance, or of a dealer).
    conceal: Mapping[str, Callable[[World], list[str]]] = field(default_factory=dict)

    @property
    def names_object(self) -> bool:
        return self.kwargs is not None and self.scoped

    @property
    def staff_only(self) -> bool:
        return not self.public and not any(actor in PARTNER for actor in self.ok)


def pk(name: str) -> Callable[[World], dict]:
    return lambda w: {"pk": getattr(w, name).pk}


def api_id(name: str) -> Callable[[World], dict]:
    return lambda w: {"id": getattr(w, name).pk}


def home(w: World) -> dict:
    return {"pk": w.home.pk}


def home_name(w: World) -> str:
    return w.home.legal_name


def search_home(w: World) -> dict:
    return {"q": w.home.legal_name}


def other_company_name(w: World) -> list[str]:
    return [w.other_company.legal_name, "Sweep Other Customer Ltd"]


def other_company_id(w: World) -> list[str]:
    """The other company of the home partner's serial clash, as its API ids would show (the
    partner's view carries `other_partner` and `other_line` as null only)."""
    other = w.inventory_flag.other_partner_id
    return [
        f'"other_partner":{other}',
        f'"other_line":{w.inventory_flag.other_line_id}',
        "Sweep Other Customer Ltd",
    ]


def home_link(w: World) -> str:
    return f"/partners/{w.home.pk}/"


def credit_limit(w: World) -> list[str]:
    return [f"{w.home.credit_limit:,.2f}"]


def company_finance(w: World) -> list[str]:
    """Figures only partner finance and admin see: statement, accrual, MDF balance, credit."""
    return [w.statement.number, "1,222.00", "987.65", "100,000.00", "50,000.00"]


def dealer_secrets(w: World) -> list[str]:
    return [w.home.tax_id, *credit_limit(w), f"score {w.scorecard.total}"]


def exit_item(w: World) -> dict:
    return {"pk": w.partner_exit.pk, "item_pk": w.exit_item.pk}


def course(w: World) -> dict:
    return {"course_pk": w.course.pk}


def module(w: World) -> dict:
    return {"course_pk": w.course.pk, "pk": w.module.pk}


# --- price lists (DESIGN §4.4) ---------------------------------------------------------------
PRICE_LISTS = ("admin", "director", "finance")


def _priced_product(w: World):
    return w.deal.lines.first().product


def product_pk(w: World) -> dict:
    return {"pk": _priced_product(w).pk}


def product_sku(w: World) -> str:
    return _priced_product(w).sku


def price_entry_id(w: World) -> dict:
    return {"id": _priced_product(w).price_entries.first().pk}


def price_payload(w: World) -> dict:
    return {
        "product": product_sku(w),
        "level": "guide",
        "price": "1500.00",
        "currency": _priced_product(w).currency,
        "valid_from": (datetime.date.today() + datetime.timedelta(days=30)).isoformat(),
    }


# inventory stock: a product and a family of the world's deal.
def inventory_product(w: World) -> dict:
    return {"pk": w.deal.lines.first().product_id}


def inventory_family(w: World) -> dict:
    return {"id": w.deal.lines.first().product.family_id}


def post(ok, kwargs=None, **extra) -> Entry:
    return Entry(ok=ok, kwargs=kwargs, method="POST", **extra)


# Resolver routes the sweep does not call, with the reason.
SKIPPED = {
    "admin:": "Django admin: its own site, refused to every non-staff user by AdminSite",
    "api-root": "DRF browsable index of the API, lists links only",
    "api-schema": "OpenAPI document, public by design (DESIGN §9)",
    "api-docs": "Swagger UI over the public schema",
    "api-redoc": "ReDoc over the public schema",
}

PAGES: dict[str, Entry] = {
    # core
    # Partner sales' dashboard shows no company finance (DESIGN §1).
    "core:dashboard": Entry(
        ok=(*STAFF, *PARTNER),
        conceal={"partner_sales": company_finance},
    ),
    "core:notification_list": Entry(ok=(*STAFF, *PARTNER)),
    # A notification is its recipient's alone, even inside one company.
    "core:notification_read": post(
        ("partner_admin",), pk("notification"), denied=("partner_sales", "admin")
    ),
    "core:notification_read_all": post((*STAFF, *PARTNER)),
    # The header dropdown and the e-mail preferences: every signed-in person's own.
    "core:notification_menu": Entry(ok=(*STAFF, *PARTNER)),
    "core:notification_preferences": Entry(ok=(*STAFF, *PARTNER)),
    # A saved view is its owner's alone (DESIGN §8.1).
    "core:saved_view_create": post(
        (*STAFF, *PARTNER),
        lambda w: {"key": "deals"},
        data=lambda w: {"name": "Mine", "query": "status=draft"},
        scoped=False,
    ),
    "core:saved_view_delete": post(
        ("partner_admin",), pk("saved_view"), denied=("partner_sales", "admin")
    ),
    "core:job_list": Entry(ok=STAFF),
    # The job was started by the home partner admin; staff access to jobs is not swept here.
    "core:job_detail": Entry(
        ok=("partner_admin", "admin"), kwargs=pk("job"), denied=("partner_sales",)
    ),
    # Resuming a job that is not stalled answers with a message and the job page (302).
    "core:job_resume": post(
        ("partner_admin", "admin"), kwargs=pk("job"), denied=("partner_sales",)
    ),
    "core:job_download": Entry(
        ok=("partner_admin", "admin"), kwargs=pk("job"), denied=("partner_sales",)
    ),
    # An export shows what its list shows: the other company's user gets a file without the deal.
    "core:export": Entry(
        ok=(*STAFF, *PARTNER, "distributor"),
        kwargs=lambda w: {"key": "deals"},
        scoped=False,
        marker=lambda w: w.deal.project_name,
    ),
    # Partners import their inventory reports (DESIGN §11): they see their own uploads only.
    "core:import_list": Entry(ok=(*FINANCE, "manager", *PARTNER), denied=("legal",)),
    "core:import_upload": Entry(
        ok=FINANCE, kwargs=lambda w: {"kind": "sales_lines"}, scoped=False, denied=("manager",)
    ),
    "core:import_detail": Entry(
        ok=FINANCE, kwargs=pk("import_batch"), scoped=False, denied=("manager",)
    ),
    "core:import_error_report": Entry(
        ok=FINANCE, kwargs=pk("import_batch"), scoped=False, denied=("manager",)
    ),
    "core:fxrate_list": Entry(ok=(*FINANCE, "manager", "director"), denied=("legal",)),
    "core:audit_list": Entry(ok=("admin",), denied=("finance", "manager")),
    "core:settings": Entry(ok=FINANCE, denied=("manager", "legal")),
    # The global search finds the home partner by name for whoever may see it, never for another
    # company; the dropdown is the same route asked by htmx.
    "core:search": Entry(ok=(*STAFF, *PARTNER, "distributor"), data=search_home, marker=home_link),
    # accounts: the sign-in flow is public
    "accounts:login": Entry(ok=("anonymous",), public=True),
    "accounts:logout": post(("anonymous", "partner_admin", "admin"), public=True),
    "accounts:password_reset": Entry(ok=("anonymous",), public=True),
    "accounts:password_reset_done": Entry(ok=("anonymous",), public=True),
    "accounts:password_reset_confirm": Entry(
        ok=("anonymous",),
        kwargs=lambda w: {"uidb64": "MQ", "token": "set-password"},
        scoped=False,
        public=True,
    ),
    "accounts:password_reset_complete": Entry(ok=("anonymous",), public=True),
    "accounts:language": post(
        ("anonymous", "partner_admin"), public=True, data=lambda w: {"language": "en"}
    ),
    "accounts:profile": Entry(ok=(*STAFF, *PARTNER)),
    "accounts:token_regenerate": post((*STAFF, *PARTNER)),
    "accounts:token_revoke": post((*STAFF, *PARTNER)),
    # partners
    "partners:partner_list": Entry(ok=STAFF),
    "partners:partner_suggestions": Entry(ok=STAFF),
    # A distributor reads its dealer's profile summary: not its tax ID, credit or scorecard;
    # partner sales sees no credit (DESIGN §1).
    "partners:partner_detail": Entry(
        ok=(*STAFF, *PARTNER, "distributor"),
        kwargs=home,
        conceal={"distributor": dealer_secrets, "partner_sales": credit_limit},
    ),
    "partners:partner_edit": Entry(ok=CHANNEL, kwargs=home, denied=("finance", "legal")),
    "partners:partner_freeze": post(CHANNEL, home, denied=("finance",)),
    "partners:partner_unfreeze": post(CHANNEL, home, denied=("finance",)),
    "partners:violation_create": Entry(ok=CHANNEL, kwargs=home, denied=("finance",)),
    "partners:my_company": Entry(
        ok=(*PARTNER, "distributor"),
        denied=("admin",),
        conceal={"partner_sales": credit_limit},
    ),
    "partners:user_invite": Entry(
        ok=("partner_admin",), denied=("partner_sales", "partner_finance", "admin")
    ),
    "partners:user_deactivate": post(
        ("partner_admin",),
        lambda w: {"user_pk": w.home_user.pk},
        denied=("partner_sales", "admin", "distributor"),
    ),
    "partners:user_role": post(
        ("partner_admin",),
        lambda w: {"user_pk": w.home_user.pk},
        data=lambda w: {"role": "partner_finance"},
        denied=("partner_sales", "admin", "distributor"),
    ),
    "partners:apply": Entry(ok=("anonymous",), public=True),
    "partners:apply_done": Entry(ok=("anonymous",), public=True),
    "partners:application_list": Entry(ok=CHANNEL, denied=("finance",)),
    "partners:application_bulk": post(CHANNEL, denied=("finance",)),
    "partners:application_detail": Entry(
        ok=CHANNEL, kwargs=pk("application"), scoped=False, denied=("finance",)
    ),
    "partners:application_licence": Entry(
        ok=CHANNEL, kwargs=pk("application"), scoped=False, denied=("finance",)
    ),
    "partners:violation_evidence": Entry(ok=STAFF, kwargs=pk("violation")),
    "partners:application_advance": post(
        CHANNEL, pk("application"), scoped=False, denied=("finance",)
    ),
    "partners:application_reject": post(
        CHANNEL,
        pk("application"),
        scoped=False,
        denied=("finance",),
        data=lambda w: {"reason": "Not a fit"},
    ),
    "partners:application_assess": post(
        CHANNEL, pk("application"), scoped=False, denied=("finance",)
    ),
    "partners:tier_proposals": Entry(ok=CHANNEL, denied=("finance",)),
    "partners:tier_proposal_bulk": post(CHANNEL, denied=("finance",)),
    "partners:tier_proposal_confirm": post(CHANNEL, pk("tier_proposal"), denied=("finance",)),
    "partners:tier_proposal_reject": post(
        CHANNEL, pk("tier_proposal"), denied=("finance",), data=lambda w: {"reason": "Not yet"}
    ),
    "partners:scorecard_weights": Entry(ok=("admin",), denied=("manager",)),
    "partners:scorecard_weight_set_create": Entry(ok=("admin",), denied=("manager", "director")),
    "partners:scorecard_weight_set_edit": Entry(
        ok=("admin",), kwargs=pk("weight_set"), scoped=False, denied=("manager", "director")
    ),
    # Distributors see a dealer's profile summary, not its scorecard (DESIGN §1).
    "partners:scorecard_detail": Entry(
        ok=(*STAFF, *PARTNER),
        kwargs=pk("scorecard"),
        denied=("distributor",),
    ),
    "partners:scorecard_evaluate": post(CHANNEL, home, denied=("finance",)),
    "partners:nps_record": Entry(ok=STAFF, kwargs=home),
    "partners:agreement_list": Entry(
        ok=(*STAFF, *PARTNER_FINANCE),
        denied=("partner_sales",),
        marker=lambda w: w.agreement.number,
    ),
    "partners:agreement_create": Entry(ok=CHANNEL, denied=("legal", "finance")),
    "partners:agreement_detail": Entry(
        ok=(*STAFF, *PARTNER_FINANCE),
        kwargs=pk("agreement"),
        denied=("partner_sales", "distributor"),
    ),
    "partners:agreement_edit": Entry(
        ok=(*CHANNEL, "legal"), kwargs=pk("agreement"), denied=("partner_admin",)
    ),
    "partners:agreement_submit": post(CHANNEL, pk("agreement"), denied=("legal", "partner_admin")),
    "partners:agreement_review": post(
        (*CHANNEL, "legal"), pk("agreement"), denied=("partner_admin",)
    ),
    "partners:agreement_sign": post(
        (*CHANNEL, "legal"), pk("agreement"), denied=("partner_admin",)
    ),
    "partners:agreement_activate": post(
        CHANNEL, pk("agreement"), denied=("legal", "partner_admin")
    ),
    "partners:agreement_terminate": post(
        (*CHANNEL, "legal"), pk("agreement"), denied=("partner_admin",)
    ),
    "partners:agreement_amend": post(CHANNEL, pk("agreement"), denied=("legal", "partner_admin")),
    "partners:agreement_document": Entry(
        ok=(*STAFF, *PARTNER_FINANCE),
        kwargs=pk("agreement"),
        denied=("partner_sales", "distributor"),
    ),
    "partners:credit_list": Entry(
        ok=(*STAFF, *PARTNER_FINANCE), denied=("partner_sales",), marker=lambda w: "50,000.00"
    ),
    "partners:credit_apply": Entry(
        ok=("partner_finance",), denied=("partner_sales", "partner_admin", "admin")
    ),
    "partners:credit_detail": Entry(
        ok=(*STAFF, *PARTNER_FINANCE), kwargs=pk("credit"), denied=("partner_sales", "distributor")
    ),
    "partners:credit_decide": post(
        ("admin", "finance", "cfo"), pk("credit"), denied=("manager", "legal")
    ),
    "partners:credit_withdraw": post(
        ("partner_finance",), pk("credit"), denied=("admin", "finance", "distributor")
    ),
    # Credit ratings are the vendor's assessment (DESIGN §2.6): staff read, finance rates and
    # decides; partner users see none of it.
    "partners:credit_rating_history": Entry(ok=STAFF, kwargs=home, denied=("partner_finance",)),
    "partners:credit_rating_rate": post(FINANCE, home, denied=("manager", "legal")),
    "partners:credit_proposal_list": Entry(ok=FINANCE, denied=("manager",)),
    "partners:credit_proposal_decide": post(
        FINANCE, pk("credit_proposal"), denied=("manager", "partner_finance")
    ),
    "partners:nps_warning_list": Entry(ok=CHANNEL, denied=("finance", "legal")),
    "partners:report_list": Entry(
        ok=(*CHANNEL, *PARTNER), denied=("finance",), marker=lambda w: "Three projects"
    ),
    "partners:report_create": Entry(ok=PARTNER, denied=("admin", "manager")),
    "partners:report_detail": Entry(
        ok=(*STAFF, *PARTNER), kwargs=pk("report"), denied=("distributor",)
    ),
    "partners:report_review": post(CHANNEL, pk("report"), denied=("finance",)),
    "partners:report_resubmit": post(PARTNER, pk("report"), denied=("admin", "distributor")),
    "partners:visit_list": Entry(ok=CHANNEL, denied=("finance",)),
    "partners:visit_create": Entry(ok=CHANNEL, denied=("finance",)),
    "partners:visit_detail": Entry(ok=STAFF, kwargs=pk("visit")),
    "partners:visit_record": post(CHANNEL, pk("visit"), denied=("finance",)),
    "partners:visit_cancel": post(CHANNEL, pk("visit"), denied=("finance",)),
    # A partner's exit (DESIGN §2.9): channel staff work on it, the partner admin reads it.
    "partners:exit_list": Entry(ok=STAFF),
    "partners:exit_start": Entry(ok=CHANNEL, kwargs=home, denied=("finance",)),
    "partners:exit_detail": Entry(
        ok=(*STAFF, "partner_admin"),
        kwargs=pk("partner_exit"),
        denied=("partner_sales", "partner_finance"),
    ),
    # The world's exit is complete: the writes answer with a message (302), never a refusal.
    "partners:exit_complete": post(CHANNEL, pk("partner_exit"), denied=("finance",)),
    "partners:exit_item_done": post(CHANNEL, exit_item, denied=("finance",)),
    "partners:exit_item_run": post(CHANNEL, exit_item, denied=("finance",)),
    # training: the catalogue is the vendor's, shared by every partner
    "training:course_list": Entry(ok=(*STAFF, *PARTNER)),
    "training:course_create": Entry(ok=CHANNEL, denied=("finance",)),
    "training:course_detail": Entry(
        ok=(*STAFF, *PARTNER, "other"), kwargs=pk("course"), scoped=False
    ),
    "training:course_edit": Entry(
        ok=CHANNEL, kwargs=pk("course"), scoped=False, denied=("finance",)
    ),
    "training:module_create": Entry(ok=CHANNEL, kwargs=course, scoped=False, denied=("finance",)),
    "training:module_detail": Entry(ok=(*STAFF, *PARTNER, "other"), kwargs=module, scoped=False),
    "training:module_attachment": Entry(
        ok=(*STAFF, *PARTNER, "other"), kwargs=module, scoped=False
    ),
    "training:module_edit": Entry(ok=CHANNEL, kwargs=module, scoped=False, denied=("finance",)),
    "training:module_complete": post((*PARTNER, "other"), module, scoped=False),
    "training:exam_edit": Entry(ok=CHANNEL, kwargs=course, scoped=False, denied=("finance",)),
    "training:question_list": Entry(ok=CHANNEL, kwargs=course, scoped=False, denied=("finance",)),
    "training:exam_start": post((*PARTNER, "other"), course, scoped=False),
    # An attempt is its taker's alone.
    "training:attempt_take": Entry(
        ok=("partner_admin",),
        kwargs=pk("attempt"),
        denied=("partner_sales", "admin", "distributor"),
    ),
    "training:attempt_result": Entry(
        ok=("partner_admin",),
        kwargs=pk("attempt"),
        denied=("partner_sales", "admin", "distributor"),
    ),
    "training:certification_list": Entry(
        ok=(*STAFF, *PARTNER), marker=lambda w: w.certification.code
    ),
    "training:certification_detail": Entry(
        ok=(*STAFF, "partner_admin", "partner_sales"),
        kwargs=pk("certification"),
        denied=("distributor",),
    ),
    "training:certification_pdf": Entry(
        ok=(*STAFF, "partner_admin", "partner_sales"),
        kwargs=pk("certification"),
        denied=("distributor",),
    ),
    "training:coverage": Entry(ok=("partner_admin",), denied=("partner_sales", "admin")),
    "training:coverage_report": Entry(ok=CHANNEL, denied=("finance",)),
    # Public verification of a certificate code: the holder's name is the point of it.
    "training:verify": Entry(
        ok=("anonymous", "other"), kwargs=lambda w: {"code": w.certification.code}, public=True
    ),
    # deals
    "deals:list": Entry(ok=(*STAFF, *PARTNER, "distributor"), marker=lambda w: w.deal.project_name),
    "deals:create": Entry(
        ok=("partner_admin", "partner_sales"), denied=("partner_finance", "manager", "admin")
    ),
    "deals:queue": Entry(ok=CHANNEL, denied=("finance",)),
    "deals:settings": Entry(ok=("admin",), denied=("finance", "manager", "director")),
    "deals:detail": Entry(ok=(*STAFF, *PARTNER, "distributor"), kwargs=pk("deal")),
    "deals:edit": Entry(
        ok=("partner_admin", "partner_sales"),
        kwargs=pk("deal"),
        denied=("partner_finance", "distributor", "manager"),
    ),
    "deals:submit": post(
        ("partner_admin", "partner_sales"),
        pk("deal"),
        denied=("partner_finance", "distributor", "manager"),
    ),
    # Bulk decisions: an empty selection answers 400 with field messages and changes nothing.
    "deals:queue_bulk": post(CHANNEL, denied=("finance",)),
    "deals:exit_handover": Entry(
        ok=CHANNEL, kwargs=lambda w: {"exit_pk": w.partner_exit.pk}, denied=("finance",)
    ),
    "deals:decide": post(
        CHANNEL, lambda w: {"pk": w.deal.pk, "decision": "approve"}, denied=("finance",)
    ),
    "deals:extension": post(
        ("partner_admin", "partner_sales"),
        pk("deal"),
        denied=("partner_finance", "distributor", "manager"),
    ),
    "deals:extension_decide": post(
        ("director",),
        pk("approved_deal"),
        denied=("finance",),
        data=lambda w: {"decision": "grant"},
    ),
    "deals:close": post(
        ("partner_admin", "partner_sales"),
        lambda w: {"pk": w.approved_deal.pk, "outcome": "won"},
        denied=("partner_finance", "distributor", "manager"),
    ),
    # The distributor lists the leads offered to it, not those offered to its dealer alone.
    "deals:lead_list": Entry(
        ok=(*STAFF, *PARTNER),
        denied=("distributor",),
        marker=lambda w: w.dealer_lead.project_name,
    ),
    "deals:lead_create": Entry(ok=CHANNEL, denied=("finance",)),
    "deals:lead_detail": Entry(ok=STAFF, kwargs=pk("lead")),
    # The lead is offered to the dealer and to its distributor: each answers its own offer.
    "deals:lead_accept": post(
        ("partner_admin", "partner_sales", "distributor"),
        pk("lead"),
        denied=("partner_finance", "manager"),
    ),
    "deals:lead_decline": post(
        ("partner_admin", "partner_sales", "distributor"),
        pk("lead"),
        denied=("partner_finance", "manager"),
    ),
    "deals:lead_withdraw": post(CHANNEL, pk("lead"), scoped=False, denied=("finance",)),
    # rebates: accruals are company finance, hidden from partner sales (DESIGN §1)
    "rebates:accrual_list": Entry(
        ok=(*STAFF, *PARTNER_FINANCE, "distributor"),
        denied=("partner_sales",),
        marker=lambda w: "987.65",
    ),
    "rebates:accrual_detail": Entry(
        ok=(*STAFF, *PARTNER_FINANCE, "distributor"),
        kwargs=pk("accrual"),
        denied=("partner_sales",),
    ),
    "rebates:accrual_run": post(FINANCE, denied=("manager",)),
    "rebates:quarter_close": post(FINANCE, denied=("manager",)),
    "rebates:programme_list": Entry(ok=(*FINANCE, "director"), denied=("manager",)),
    "rebates:programme_create": Entry(ok=(*FINANCE, "director"), denied=("manager",)),
    "rebates:programme_edit": Entry(
        ok=(*FINANCE, "director"), kwargs=pk("programme"), scoped=False, denied=("manager",)
    ),
    "rebates:target_list": Entry(ok=(*FINANCE, "director"), denied=("manager",)),
    # settlement: statements are company finance; a distributor reads its dealers' (DESIGN §1)
    "settlement:statement_list": Entry(
        ok=(*FINANCE, *PARTNER_FINANCE),
        denied=("partner_sales",),
        marker=lambda w: w.statement.number,
    ),
    "settlement:statement_build": post(FINANCE, denied=("manager",)),
    "settlement:statement_detail": Entry(
        ok=(*FINANCE, *PARTNER_FINANCE, "distributor"),
        kwargs=pk("statement"),
        denied=("partner_sales", "manager"),
    ),
    "settlement:statement_export_period": post(FINANCE, denied=("manager",)),
    "settlement:dispute_evidence": Entry(
        ok=(*FINANCE, *PARTNER_FINANCE, "distributor"),
        kwargs=pk("dispute_evidence"),
        denied=("partner_sales", "manager"),
    ),
    "settlement:statement_pdf": Entry(
        ok=(*FINANCE, *PARTNER_FINANCE, "distributor"),
        kwargs=pk("statement"),
        denied=("partner_sales", "manager"),
    ),
    "settlement:statement_csv": Entry(
        ok=(*FINANCE, *PARTNER_FINANCE, "distributor"),
        kwargs=pk("statement"),
        denied=("partner_sales", "manager"),
    ),
    "settlement:statement_xlsx": Entry(
        ok=(*FINANCE, *PARTNER_FINANCE, "distributor"),
        kwargs=pk("statement"),
        denied=("partner_sales", "manager"),
    ),
    "settlement:statement_verify_form": Entry(ok=("anonymous",), public=True),
    # Public check of a printed statement's code.
    "settlement:statement_verify": Entry(
        ok=("anonymous", "other"),
        kwargs=lambda w: {"code": w.statement.verification_code},
        public=True,
    ),
    "settlement:statement_dispute": Entry(
        ok=PARTNER_FINANCE,
        kwargs=pk("statement"),
        denied=("partner_sales", "distributor", "manager"),
    ),
    "settlement:statement_transition": post(
        PARTNER_FINANCE,
        lambda w: {"pk": w.statement.pk, "action": "confirm"},
        denied=("partner_sales", "distributor", "manager"),
    ),
    "settlement:dispute_resolve": post(FINANCE, pk("dispute"), denied=("manager",)),
    "settlement:reconciliation_run_list": Entry(ok=FINANCE, denied=("manager",)),
    "settlement:settings": Entry(ok=FINANCE, denied=("manager", "director", "legal")),
    "settlement:partner_tax_rate": post(FINANCE, denied=("manager", "director")),
    "settlement:reconciliation_run_start": post(FINANCE, denied=("manager",)),
    "settlement:reconciliation_run": Entry(
        ok=FINANCE, kwargs=pk("reconciliation_run"), scoped=False, denied=("manager",)
    ),
    "settlement:reconciliation_orders": Entry(ok=FINANCE, denied=("manager",)),
    "settlement:anomaly_list": Entry(ok=FINANCE, denied=("manager",)),
    "settlement:anomaly_resolve": post(FINANCE, pk("anomaly"), denied=("manager",)),
    "settlement:anomaly_bulk_resolve": post(FINANCE, denied=("manager",)),
    # funds: the MDF ledger and balance are company finance (DESIGN §1, §7)
    "funds:balance": Entry(ok=PARTNER_FINANCE, denied=("partner_sales", "manager")),
    "funds:ledger": Entry(ok=STAFF),
    "funds:roi_report": Entry(ok=STAFF),
    "funds:allocate": Entry(ok=CHANNEL, denied=("finance",)),
    "funds:request_list": Entry(ok=(*STAFF, *PARTNER), marker=lambda w: w.home.legal_name),
    "funds:request_queue": Entry(ok=STAFF),
    "funds:request_queue_bulk": post(STAFF),
    # Partner finance and admins file MDF requests and claims; partner sales does not (DESIGN §1).
    "funds:request_create": Entry(ok=PARTNER_FINANCE, denied=("manager", "partner_sales")),
    # A distributor reads its dealers' deals, accruals and statements, not their MDF (DESIGN §1).
    "funds:request_detail": Entry(
        ok=(*STAFF, *PARTNER),
        kwargs=pk("fund_request"),
        denied=("distributor",),
    ),
    "funds:request_approve": post(CHANNEL, pk("fund_request")),
    "funds:request_reject": post(CHANNEL, pk("fund_request"), data=lambda w: {"note": "No budget"}),
    "funds:result_record": post(PARTNER, pk("fund_request"), denied=("distributor",)),
    "funds:claim_create": Entry(
        ok=PARTNER_FINANCE,
        kwargs=pk("fund_request"),
        denied=("manager", "distributor", "partner_sales"),
    ),
    "funds:claim_list": Entry(
        ok=(*STAFF, *PARTNER_FINANCE),
        denied=("partner_sales",),
        marker=lambda w: w.home.legal_name,
    ),
    "funds:claim_detail": Entry(
        ok=(*STAFF, *PARTNER_FINANCE),
        kwargs=pk("claim"),
        denied=("distributor", "partner_sales"),
    ),
    "funds:claim_validate": post(FINANCE, pk("claim"), denied=("manager",)),
    "funds:claim_reject": post(
        FINANCE, pk("claim"), denied=("manager",), data=lambda w: {"note": "No proof"}
    ),
    "funds:attachment": Entry(
        ok=(*STAFF, *PARTNER),
        kwargs=lambda w: {"kind": "request", "pk": w.fund_request_attachment.pk},
        denied=("distributor",),
    ),
    "healthz": Entry(ok=("anonymous",), public=True),
    # price lists (DESIGN §4.4): administrators, channel directors and finance; never partners
    "deals:price_list_index": Entry(
        ok=PRICE_LISTS, denied=("manager", "legal", "cfo"), marker=product_sku
    ),
    "deals:price_list_detail": Entry(
        ok=PRICE_LISTS, kwargs=product_pk, scoped=False, denied=("manager", "legal", "cfo")
    ),
    "deals:price_list_schedule": Entry(
        ok=PRICE_LISTS, kwargs=product_pk, scoped=False, denied=("manager", "legal", "cfo")
    ),
    # inventory (DESIGN §11)
    # --- inventory stock: figures, alerts and limits (DESIGN §11) ---
    "inventory:stock": Entry(ok=STAFF),
    # --- inventory reports (DESIGN §11): a distributor reads its dealers' reports ---
    "inventory:report_list": Entry(
        ok=(*STAFF, *PARTNER, "distributor"), marker=lambda w: inventory_marker(w)
    ),
    "inventory:report_detail": Entry(
        ok=(*STAFF, *PARTNER, "distributor"),
        kwargs=lambda w: {"pk": inventory_report(w).pk},
    ),
    # --- end of inventory reports ---
    # --- inventory flags (DESIGN §11): the flagged partner reads its flags, never who the other
    # partner of a serial clash is; channel staff review; directors decide freeze proposals.
    "inventory:flag_list": Entry(
        ok=(*STAFF, *PARTNER),
        marker=lambda w: w.inventory_flag.line.product.sku,
        conceal=dict.fromkeys(PARTNER, other_company_name),
    ),
    "inventory:flag_detail": Entry(
        ok=(*STAFF, *PARTNER),
        kwargs=pk("inventory_flag"),
        denied=("distributor",),
        conceal=dict.fromkeys(PARTNER, other_company_name),
    ),
    # Bulk dismissal: an empty selection answers 400 with field messages and changes nothing.
    "inventory:flag_bulk_dismiss": post(
        ("admin", "manager", "director"), denied=("finance", "legal", "cfo")
    ),
    "inventory:flag_confirm": post(
        ("admin", "manager", "director"),
        pk("inventory_flag"),
        data=lambda w: {"reason": "Seen twice"},
        denied=("finance", "legal", "cfo"),
    ),
    "inventory:flag_dismiss": post(
        ("admin", "manager", "director"),
        pk("inventory_flag"),
        data=lambda w: {"reason": "Returned unit"},
        denied=("finance", "legal", "cfo"),
    ),
    "inventory:penalty_list": Entry(ok=STAFF),
    "inventory:penalty_detail": Entry(ok=STAFF, kwargs=pk("inventory_penalty")),
    "inventory:penalty_decide": post(
        ("admin", "director"),
        pk("inventory_penalty"),
        data=lambda w: {"decision": "declined", "reason": "First season"},
        denied=("manager", "finance"),
    ),
    "inventory:flag_settings": Entry(ok=FINANCE, denied=("manager", "director", "legal")),
    # --- end of inventory flags
    # A partner's own positions; a distributor's with its dealers'.
    "inventory:positions": Entry(ok=(*STAFF, *PARTNER, "distributor")),
    "inventory:partner_detail": Entry(ok=(*STAFF, *PARTNER, "distributor"), kwargs=home),
    "inventory:product_detail": Entry(ok=STAFF, kwargs=inventory_product, scoped=False),
    "inventory:alert_list": Entry(ok=(*STAFF, *PARTNER, "distributor")),
    "inventory:alert_limits": Entry(ok=("admin", "director"), denied=("manager", "finance")),
    # --- end inventory stock ---
}


# --- inventory reports (DESIGN §11) -------------------------------------------------------------
INVENTORY_CUSTOMER = "Sweep Inventory Customer"


def inventory_report(w: World):
    """The home partner's sell-through report (and an inventory report), made on first use: each
    sweep test runs in a savepoint of the world, so it is looked up, or made, every time."""
    from inventory.models import InventoryReport
    from tests.inventory.factories import (
        InventoryReportFactory,
        InventorySnapshotFactory,
        SellThroughLineFactory,
    )

    reports = InventoryReport.objects.unrestricted("the sweep's own fixture").filter(
        partner=w.home, is_current=True
    )
    product = w.deal.lines.first().product
    if not reports.filter(kind="inventory").exists():
        InventorySnapshotFactory(
            report__partner=w.home, report__reported_by=w.users["partner_admin"], product=product
        )
    found = reports.filter(kind="sell_through", lines__customer_name=INVENTORY_CUSTOMER).first()
    if found is not None:
        return found
    report = InventoryReportFactory(
        partner=w.home, reported_by=w.users["partner_admin"], month=datetime.date(2026, 10, 1)
    )
    SellThroughLineFactory(report=report, product=product, customer_name=INVENTORY_CUSTOMER)
    return report


def inventory_marker(w: World) -> str:
    inventory_report(w)
    return w.home.legal_name


def inventory_api_marker(w: World) -> str:
    inventory_report(w)
    return f'"partner":{w.home.pk},'


def inventory_line_marker(w: World) -> str:
    inventory_report(w)
    return INVENTORY_CUSTOMER


def inventory_row(model_name: str) -> Callable[[World], dict]:
    def kwargs(w: World) -> dict:
        report = inventory_report(w)
        if model_name == "line":
            return {"id": report.lines.first().pk}
        from inventory.models import InventorySnapshot

        row = InventorySnapshot.objects.unrestricted("the sweep's own fixture").filter(
            partner=w.home
        )
        return {"id": row.first().pk}

    return kwargs


def inventory_payload(w: World) -> dict:
    from django.utils import timezone

    today = timezone.localdate()
    return {
        "partner": w.home.pk,
        "kind": "sell_through",
        "month": f"{today:%Y-%m}",
        "lines": [
            {
                "sold_on": str(today.replace(day=1)),
                "sku": w.deal.lines.first().product.sku,
                "quantity": 1,
                "unit_price": "900.00",
                "currency": "CNY",
                "customer_name": "Sweep API end customer",
                "customer_region": "CN-SH",
            }
        ],
    }


# --- end of inventory reports ---------------------------------------------------------------


def api(ok, kwargs=None, **extra) -> Entry:
    return Entry(ok=ok, kwargs=kwargs, **extra)


V1 = "/api/v1"


def deal_payload(w: World) -> dict:
    return {
        "customer_name": "Sweep API Customer Ltd",
        "customer_region": "CN-SH",
        "project_name": "Sweep API project",
        "currency": "CNY",
        "expected_close_date": "2027-06-30",
        "lines": [
            {"product": w.deal.lines.first().product.sku, "quantity": 1, "unit_price": "900.00"}
        ],
    }


ALL = (*STAFF, *PARTNER)

API: dict[str, Entry] = {
    # deals and leads
    f"GET {V1}/deals/": api((*ALL, "distributor"), marker=lambda w: w.deal.project_name),
    f"POST {V1}/deals/": api(
        ("partner_admin", "partner_sales"), denied=("partner_finance", "manager"), data=deal_payload
    ),
    f"GET {V1}/deals/{{id}}/": api((*ALL, "distributor"), api_id("deal")),
    f"PUT {V1}/deals/{{id}}/": api(
        ("partner_admin", "partner_sales"),
        api_id("deal"),
        denied=("partner_finance", "distributor", "manager"),
        data=deal_payload,
    ),
    f"PATCH {V1}/deals/{{id}}/": api(
        ("partner_admin", "partner_sales"),
        api_id("deal"),
        denied=("partner_finance", "distributor", "manager"),
        data=lambda w: {"notes": "Updated"},
    ),
    f"POST {V1}/deals/{{id}}/approve/": api(CHANNEL, api_id("deal"), denied=("finance",)),
    f"POST {V1}/deals/bulk-decision/": api(CHANNEL, denied=("finance",)),
    f"POST {V1}/deals/{{id}}/reject/": api(
        CHANNEL, api_id("deal"), denied=("finance",), data=lambda w: {"reason": "Duplicate"}
    ),
    f"POST {V1}/deals/{{id}}/submit/": api(
        ("partner_admin", "partner_sales"),
        api_id("deal"),
        denied=("partner_finance", "distributor", "manager"),
    ),
    f"GET {V1}/leads/": api(
        ALL,
        denied=("distributor",),
        marker=lambda w: w.dealer_lead.project_name,
    ),
    f"POST {V1}/leads/": api(CHANNEL, denied=("finance",)),
    # Offered to the dealer and to its distributor: each opens its own company's offer.
    f"GET {V1}/leads/{{id}}/": api(
        (*STAFF, "partner_admin", "partner_sales", "distributor"), api_id("lead")
    ),
    f"POST {V1}/leads/{{id}}/accept/": api(
        ("partner_admin", "partner_sales", "distributor"),
        api_id("lead"),
        denied=("partner_finance", "manager"),
    ),
    f"POST {V1}/leads/{{id}}/decline/": api(
        ("partner_admin", "partner_sales", "distributor"),
        api_id("lead"),
        denied=("partner_finance", "manager"),
    ),
    # price lists (DESIGN §4.4)
    f"GET {V1}/price-list-entries/": api(PRICE_LISTS, denied=("manager", "legal", "cfo")),
    f"POST {V1}/price-list-entries/": api(
        PRICE_LISTS, denied=("manager", "legal", "cfo"), data=price_payload
    ),
    f"GET {V1}/price-list-entries/{{id}}/": api(
        PRICE_LISTS, price_entry_id, scoped=False, denied=("manager", "legal", "cfo")
    ),
    # core
    f"GET {V1}/fx-rates/": api((*FINANCE, "manager", "director"), denied=("legal",)),
    f"GET {V1}/fx-rates/{{id}}/": api(FINANCE, api_id("fx_rate"), scoped=False),
    f"GET {V1}/imports/": api(FINANCE),
    f"POST {V1}/imports/": api(FINANCE),
    f"GET {V1}/imports/{{id}}/": api(FINANCE, api_id("import_batch"), scoped=False),
    f"GET {V1}/jobs/": api(("admin", "partner_admin")),
    # A job that is not stalled: 400 with the reason (permitted), 404 for others.
    f"POST {V1}/jobs/{{id}}/resume/": api(
        ("partner_admin", "admin"), api_id("job"), denied=("partner_sales",)
    ),
    f"GET {V1}/jobs/{{id}}/": api(
        ("partner_admin", "admin"), api_id("job"), denied=("partner_sales",)
    ),
    f"GET {V1}/jobs/{{id}}/download/": api(
        ("partner_admin", "admin"), api_id("job"), denied=("partner_sales",)
    ),
    f"GET {V1}/exports/{{key}}/": api(
        (*ALL, "distributor"),
        lambda w: {"key": "deals"},
        scoped=False,
        marker=lambda w: w.deal.project_name,
    ),
    f"GET {V1}/notifications/": api(ALL),
    f"GET {V1}/notifications/{{id}}/": api(
        ("partner_admin",), api_id("notification"), denied=("partner_sales", "admin")
    ),
    f"POST {V1}/notifications/{{id}}/read/": api(
        ("partner_admin",), api_id("notification"), denied=("partner_sales", "admin")
    ),
    f"POST {V1}/notifications/read-all/": api(ALL),
    f"GET {V1}/me/notification-preferences/": api(ALL),
    f"PATCH {V1}/me/notification-preferences/": api(
        ALL, data=lambda w: {"preferences": {"mdf.decision": "digest"}}
    ),
    f"PUT {V1}/me/notification-preferences/": api(
        ALL, data=lambda w: {"preferences": {"mdf.decision": "email"}}
    ),
    f"GET {V1}/me/": api(ALL),
    f"GET {V1}/search/": api((*ALL, "distributor"), data=search_home, marker=home_link),
    f"PATCH {V1}/me/": api(ALL, data=lambda w: {"language": "en"}),
    # MDF: the balance and ledger are company finance (DESIGN §1)
    # --- inventory stock (DESIGN §11) ---
    f"GET {V1}/inventory/positions/": api((*ALL, "distributor")),
    f"GET {V1}/inventory/stock/": api(STAFF),
    f"GET {V1}/inventory/alerts/": api((*ALL, "distributor")),
    f"GET {V1}/inventory/alert-limits/": api(STAFF),
    f"GET {V1}/inventory/alert-limits/{{id}}/": api(STAFF, inventory_family, scoped=False),
    f"PATCH {V1}/inventory/alert-limits/{{id}}/": api(
        ("admin", "director"),
        inventory_family,
        scoped=False,
        denied=("manager", "finance"),
        data=lambda w: {"ageing_days": 100, "stock_out_days": 5},
    ),
    # --- end inventory stock ---
    f"GET {V1}/mdf/balance/": api(PARTNER_FINANCE, denied=("partner_sales",)),
    f"GET {V1}/deals/settings/": api(("admin",), denied=("manager", "director", "finance")),
    f"PATCH {V1}/deals/settings/": api(
        ("admin",), denied=("manager", "finance"), data=lambda w: {"extension_days": 30}
    ),
    f"GET {V1}/settlement/settings/": api(FINANCE, denied=("manager", "legal")),
    f"PATCH {V1}/settlement/settings/": api(
        FINANCE, denied=("manager", "legal"), data=lambda w: {"match_window_days": 5}
    ),
    f"GET {V1}/mdf/ledger/": api(
        (*STAFF, *PARTNER_FINANCE),
        denied=("partner_sales", "distributor"),
        marker=lambda w: "100000.00",
    ),
    f"GET {V1}/mdf/ledger/{{id}}/": api(
        (*STAFF, *PARTNER_FINANCE),
        api_id("ledger_entry"),
        denied=("partner_sales", "distributor"),
    ),
    f"GET {V1}/mdf/requests/": api(ALL, marker=lambda w: w.home.legal_name),
    f"POST {V1}/mdf/requests/": api(PARTNER, denied=("manager",)),
    f"GET {V1}/mdf/requests/{{id}}/": api(ALL, api_id("fund_request"), denied=("distributor",)),
    f"POST {V1}/mdf/requests/{{id}}/approve/": api(CHANNEL, api_id("fund_request")),
    f"POST {V1}/mdf/requests/bulk-decision/": api(STAFF),
    f"POST {V1}/mdf/requests/{{id}}/reject/": api(
        CHANNEL, api_id("fund_request"), data=lambda w: {"note": "No"}
    ),
    f"POST {V1}/mdf/requests/{{id}}/claim/": api(
        PARTNER_FINANCE, api_id("fund_request"), denied=("manager", "distributor", "partner_sales")
    ),
    f"GET {V1}/mdf/claims/": api(
        (*STAFF, *PARTNER_FINANCE), denied=("partner_sales",), marker=lambda w: w.home.legal_name
    ),
    f"GET {V1}/mdf/claims/{{id}}/": api(
        (*STAFF, *PARTNER_FINANCE), api_id("claim"), denied=("distributor", "partner_sales")
    ),
    f"POST {V1}/mdf/claims/{{id}}/reject/": api(
        FINANCE, api_id("claim"), denied=("manager",), data=lambda w: {"note": "No"}
    ),
    f"POST {V1}/mdf/claims/{{id}}/validate/": api(FINANCE, api_id("claim"), denied=("manager",)),
    # partners
    f"GET {V1}/partners/": api((*ALL, "distributor"), marker=home_name),
    f"GET {V1}/partners/{{id}}/": api(
        (*ALL, "distributor"),
        lambda w: {"id": w.home.pk},
        conceal={"distributor": lambda w: [w.home.tax_id]},
    ),
    # Exits: staff and the leaving company's admin read; channel staff start and complete. The
    # start refused for its past date and the completion of a completed exit answer 400.
    f"GET {V1}/partners/exits/": api(
        (*STAFF, "partner_admin"),
        marker=lambda w: "Sweep exit reason",
        denied=("partner_sales", "partner_finance"),
    ),
    f"POST {V1}/partners/exits/": api(
        CHANNEL,
        data=lambda w: {
            "partner": w.home.pk,
            "kind": "termination",
            "reason": "Sweep",
            "exit_date": "2000-01-01",
        },
        denied=("finance",),
    ),
    f"GET {V1}/partners/exits/{{id}}/": api(
        (*STAFF, "partner_admin"),
        api_id("partner_exit"),
        denied=("partner_sales", "partner_finance"),
    ),
    f"POST {V1}/partners/exits/{{id}}/complete/": api(
        CHANNEL, api_id("partner_exit"), denied=("finance",)
    ),
    f"GET {V1}/partners/agreements/": api(
        (*STAFF, *PARTNER_FINANCE), denied=("partner_sales",), marker=lambda w: w.agreement.number
    ),
    f"GET {V1}/partners/agreements/{{id}}/": api(
        (*STAFF, *PARTNER_FINANCE), api_id("agreement"), denied=("partner_sales", "distributor")
    ),
    f"GET {V1}/partners/applications/": api(CHANNEL, denied=("finance",)),
    f"GET {V1}/partners/applications/{{id}}/": api(
        CHANNEL, api_id("application"), scoped=False, denied=("finance",)
    ),
    f"POST {V1}/partners/applications/bulk-decision/": api(CHANNEL, denied=("finance",)),
    f"POST {V1}/partners/applications/{{id}}/advance/": api(
        CHANNEL, api_id("application"), scoped=False, denied=("finance",)
    ),
    f"POST {V1}/partners/applications/{{id}}/assess/": api(
        CHANNEL, api_id("application"), scoped=False, denied=("finance",)
    ),
    f"POST {V1}/partners/applications/{{id}}/reject/": api(
        CHANNEL,
        api_id("application"),
        scoped=False,
        denied=("finance",),
        data=lambda w: {"reason": "No"},
    ),
    f"GET {V1}/partners/credit/": api(
        (*STAFF, *PARTNER_FINANCE), denied=("partner_sales",), marker=lambda w: "50000.00"
    ),
    f"POST {V1}/partners/credit/": api(("partner_finance",), denied=("partner_sales", "admin")),
    f"GET {V1}/partners/credit/{{id}}/": api(
        (*STAFF, *PARTNER_FINANCE), api_id("credit"), denied=("partner_sales", "distributor")
    ),
    f"POST {V1}/partners/credit/{{id}}/approve/": api(
        FINANCE, api_id("credit"), denied=("manager",)
    ),
    f"POST {V1}/partners/credit/{{id}}/reject/": api(
        FINANCE, api_id("credit"), denied=("manager",), data=lambda w: {"note": "No"}
    ),
    f"GET {V1}/partners/credit/exposure/": api(PARTNER_FINANCE, denied=("partner_sales", "admin")),
    f"GET {V1}/partners/credit-ratings/": api(STAFF, denied=("partner_finance",)),
    f"GET {V1}/partners/credit-ratings/{{id}}/": api(
        STAFF, api_id("credit_rating"), denied=("partner_finance",)
    ),
    f"POST {V1}/partners/credit-ratings/rate/": api(
        FINANCE, denied=("manager", "partner_finance"), data=lambda w: {"partner": w.home.pk}
    ),
    f"GET {V1}/partners/credit-proposals/": api(FINANCE, denied=("manager",)),
    f"GET {V1}/partners/credit-proposals/{{id}}/": api(
        FINANCE, api_id("credit_proposal"), denied=("manager",)
    ),
    f"POST {V1}/partners/credit-proposals/{{id}}/approve/": api(
        FINANCE, api_id("credit_proposal"), denied=("manager",)
    ),
    f"POST {V1}/partners/credit-proposals/{{id}}/reject/": api(
        FINANCE, api_id("credit_proposal"), denied=("manager",), data=lambda w: {"note": "No"}
    ),
    f"GET {V1}/partners/nps-warnings/": api(CHANNEL, denied=("finance",)),
    f"GET {V1}/partners/nps-warnings/{{id}}/": api(
        CHANNEL, api_id("nps_warning"), denied=("finance",)
    ),
    f"GET {V1}/partners/my-users/": api(("partner_admin",), denied=("partner_sales", "admin")),
    f"POST {V1}/partners/my-users/": api(("partner_admin",), denied=("partner_sales", "admin")),
    f"POST {V1}/partners/my-users/{{id}}/deactivate/": api(
        ("partner_admin",),
        lambda w: {"id": w.home_user.pk},
        denied=("partner_sales", "admin", "distributor"),
    ),
    f"POST {V1}/partners/my-users/{{id}}/role/": api(
        ("partner_admin",),
        lambda w: {"id": w.home_user.pk},
        denied=("partner_sales", "admin", "distributor"),
        data=lambda w: {"role": "partner_finance"},
    ),
    f"GET {V1}/partners/nps-responses/": api(STAFF),
    f"POST {V1}/partners/nps-responses/": api(CHANNEL),
    f"GET {V1}/partners/nps-responses/{{id}}/": api(STAFF, api_id("nps_response")),
    f"GET {V1}/partners/reports/": api((*CHANNEL, *PARTNER), marker=lambda w: "Three projects"),
    f"POST {V1}/partners/reports/": api(PARTNER, denied=("admin", "manager")),
    f"GET {V1}/partners/reports/{{id}}/": api(
        (*STAFF, *PARTNER), api_id("report"), denied=("distributor",)
    ),
    f"POST {V1}/partners/reports/{{id}}/review/": api(
        CHANNEL,
        api_id("report"),
        denied=("finance", "partner_admin"),
        data=lambda w: {"decision": "accept", "comment": "Thanks"},
    ),
    f"GET {V1}/partners/scorecard-weight-sets/": api(STAFF),
    f"GET {V1}/partners/scorecard-weight-sets/{{id}}/": api(
        STAFF, api_id("weight_set"), scoped=False
    ),
    f"GET {V1}/partners/scorecards/": api(
        (*STAFF, *PARTNER),
        denied=("distributor",),
        marker=lambda w: "80.00",
    ),
    f"GET {V1}/partners/scorecards/{{id}}/": api(
        (*STAFF, *PARTNER),
        api_id("scorecard"),
        denied=("distributor",),
    ),
    f"GET {V1}/partners/tier-proposals/": api(CHANNEL, denied=("finance",)),
    f"GET {V1}/partners/tier-proposals/{{id}}/": api(
        CHANNEL, api_id("tier_proposal"), denied=("finance",)
    ),
    f"POST {V1}/partners/tier-proposals/bulk-decision/": api(CHANNEL, denied=("finance",)),
    f"POST {V1}/partners/tier-proposals/{{id}}/confirm/": api(
        CHANNEL, api_id("tier_proposal"), denied=("finance",)
    ),
    f"POST {V1}/partners/tier-proposals/{{id}}/reject/": api(
        CHANNEL, api_id("tier_proposal"), denied=("finance",), data=lambda w: {"reason": "Not yet"}
    ),
    # rebates
    f"GET {V1}/rebates/accruals/": api(
        (*STAFF, *PARTNER_FINANCE, "distributor"),
        denied=("partner_sales",),
        marker=lambda w: "987.65",
    ),
    f"GET {V1}/rebates/accruals/{{id}}/": api(
        (*STAFF, *PARTNER_FINANCE, "distributor"),
        api_id("accrual"),
        denied=("partner_sales",),
    ),
    f"GET {V1}/rebates/programmes/": api((*FINANCE, "director")),
    f"GET {V1}/rebates/programmes/{{id}}/": api(
        (*FINANCE, "director"), api_id("programme"), scoped=False
    ),
    # settlement
    f"GET {V1}/settlement/anomalies/": api(FINANCE, denied=("manager",)),
    f"GET {V1}/settlement/anomalies/{{id}}/": api(FINANCE, api_id("anomaly"), denied=("manager",)),
    f"POST {V1}/settlement/anomalies/{{id}}/resolve/": api(
        FINANCE, api_id("anomaly"), denied=("manager",)
    ),
    f"POST {V1}/settlement/anomalies/bulk-resolve/": api(FINANCE, denied=("manager",)),
    f"GET {V1}/settlement/orders/": api(FINANCE, denied=("manager",)),
    f"GET {V1}/settlement/orders/{{id}}/": api(FINANCE, api_id("order"), denied=("manager",)),
    f"GET {V1}/settlement/reconciliation-runs/": api(FINANCE, denied=("manager",)),
    f"POST {V1}/settlement/reconciliation-runs/": api(FINANCE, denied=("manager",)),
    f"GET {V1}/settlement/reconciliation-runs/{{id}}/": api(
        FINANCE, api_id("reconciliation_run"), scoped=False, denied=("manager",)
    ),
    f"GET {V1}/settlement/statements/": api(
        (*FINANCE, *PARTNER_FINANCE),
        denied=("partner_sales",),
        marker=lambda w: w.statement.number,
    ),
    f"GET {V1}/settlement/statements/{{id}}/": api(
        (*FINANCE, *PARTNER_FINANCE, "distributor"),
        api_id("statement"),
        denied=("partner_sales", "manager"),
    ),
    **{
        f"POST {V1}/settlement/statements/{{id}}/{action}/": api(
            FINANCE, api_id("statement"), denied=("manager", "partner_finance")
        )
        for action in ("approve", "close", "mark-paid", "publish", "submit")
    },
    # Finance answers the statement's open dispute, possibly by a re-issued revision (§6.2).
    f"POST {V1}/settlement/statements/{{id}}/resolve-dispute/": api(
        FINANCE,
        api_id("statement"),
        data=lambda w: {"answer": "Agreed"},
        denied=("manager", "partner_finance"),
    ),
    f"POST {V1}/settlement/statements/{{id}}/confirm/": api(
        PARTNER_FINANCE,
        api_id("statement"),
        denied=("partner_sales", "distributor", "manager"),
    ),
    f"POST {V1}/settlement/statements/{{id}}/dispute/": api(
        PARTNER_FINANCE,
        api_id("statement"),
        data=lambda w: {"lines": [w.statement.lines.first().pk], "reason": "Wrong amount"},
        denied=("partner_sales", "distributor", "manager"),
    ),
    # --- inventory flags (DESIGN §11): the partner's view never names the other partner of a clash
    f"GET {V1}/inventory/flags/": api(
        ALL,
        marker=lambda w: w.inventory_flag.line.product.sku,
        conceal=dict.fromkeys(PARTNER, other_company_id),
    ),
    f"GET {V1}/inventory/flags/{{id}}/": api(
        ALL,
        api_id("inventory_flag"),
        denied=("distributor",),
        conceal=dict.fromkeys(PARTNER, other_company_id),
    ),
    f"POST {V1}/inventory/flags/{{id}}/confirm/": api(
        ("admin", "manager", "director"),
        api_id("inventory_flag"),
        data=lambda w: {"reason": "Seen twice"},
        denied=("finance", "partner_admin"),
    ),
    f"POST {V1}/inventory/flags/{{id}}/dismiss/": api(
        ("admin", "manager", "director"),
        api_id("inventory_flag"),
        data=lambda w: {"reason": "Returned unit"},
        denied=("finance", "partner_admin"),
    ),
    f"GET {V1}/inventory/penalties/": api(ALL, marker=lambda w: "freeze_proposal"),
    f"GET {V1}/inventory/penalties/{{id}}/": api(
        ALL, api_id("inventory_penalty"), denied=("distributor",)
    ),
    # --- end of inventory flags
    # --- inventory reports (DESIGN §11): a distributor reads and reports its dealers' ---
    f"GET {V1}/inventory/reports/": api((*ALL, "distributor"), marker=inventory_api_marker),
    f"POST {V1}/inventory/reports/": api(
        ("admin", "manager", "finance", *PARTNER, "distributor"),
        denied=("legal",),
        data=inventory_payload,
    ),
    f"GET {V1}/inventory/reports/{{id}}/": api(
        (*ALL, "distributor"), lambda w: {"id": inventory_report(w).pk}
    ),
    f"GET {V1}/inventory/reports/{{id}}/lines/": api(
        (*ALL, "distributor"), lambda w: {"id": inventory_report(w).pk}
    ),
    f"GET {V1}/inventory/sell-through-lines/": api(
        (*ALL, "distributor"), marker=inventory_line_marker
    ),
    f"GET {V1}/inventory/sell-through-lines/{{id}}/": api(
        (*ALL, "distributor"), inventory_row("line")
    ),
    f"GET {V1}/inventory/snapshots/": api((*ALL, "distributor"), marker=inventory_api_marker),
    f"GET {V1}/inventory/snapshots/{{id}}/": api((*ALL, "distributor"), inventory_row("snapshot")),
    # --- end of inventory reports ---
    # training
    f"GET {V1}/training/certifications/": api(CHANNEL, denied=("finance",)),
    f"GET {V1}/training/certifications/{{id}}/": api(
        CHANNEL, api_id("certification"), denied=("finance",)
    ),
    f"GET {V1}/training/courses/": api(ALL),
    f"GET {V1}/training/courses/{{id}}/": api(ALL, api_id("course"), scoped=False),
    f"GET {V1}/training/courses/progress/": api(PARTNER),
    f"GET {V1}/training/my-certifications/": api(PARTNER, marker=lambda w: w.certification.code),
    # "My" certifications are the caller's own, not their colleagues'.
    f"GET {V1}/training/my-certifications/{{id}}/": api(
        ("partner_sales",), api_id("certification"), denied=("partner_admin", "distributor")
    ),
}
