"""Dependencies between the apps flow one way: down the layers below, never up, never in a cycle.

Layers, bottom first (an app may depend only on apps of a LOWER layer):

0. `core` — the infrastructure at the very bottom: audit, notifications, jobs, imports, money, and
   the roles (`core.roles`) that notifications, jobs and navigation need. It knows no other app.
1. `accounts` — users and scoping, on top of core (its admin and pages are audited); with core
   it is the infrastructure, which knows no domain.
2. `partners` — the companies every other domain belongs to.
3. `training`, `deals` — certifications, and registrations with their leads; neither knows the other.
4. `settlement` — statements and reconciliation; it reads won deals (through `deals_won_line_v`).
5. `inventory` — partners' stock and sell-through, diversion and price flags; its penalties
   settle through settlement (DESIGN §11).
6. `rebates` — the calculation; it closes its quarter and queues entries through settlement, and
   may take revenue from sell-through (`inventory_sell_through_v`).
7. `funds` — MDF; it settles through settlement and reads revenue through rebates and deals.

`prm` (settings, URLs, Celery) sits on top and nobody imports it. Where a lower app must call
something a higher one owns at run time (a partner's tier inputs, the rebate quarter close before a
statement run, the MDF activities a deal may reference), the lower app declares a hook and the
higher app registers into it in its `AppConfig.ready()`.

A dependency is an import (module level or inside a function) or `apps.get_model("<app>", ...)`.
Imports of another app sit at module level (only `AppConfig.ready()` registers hooks from inside a
function), so none hides a cycle; within an app, modules do not import each other in a cycle.
Model relations follow the same layers: the infrastructure relates to the partner company only
through `settings.PRM_PARTNER_MODEL`, core to the user only through `settings.AUTH_USER_MODEL`,
and the one relation that still points up is listed below with its reason. Set-based SQL never
names another app's bare tables: it reads the SQL views (or functions) the owning app defines in
its migrations and documents (`deals_won_line_v`, `partners_partner_v`, `partners_tier_v`);
migrations, tests and the benchmarks are exempt.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"core"}),
    frozenset({"accounts"}),
    frozenset({"partners"}),
    frozenset({"training", "deals"}),
    frozenset({"settlement"}),
    frozenset({"inventory"}),
    frozenset({"rebates"}),
    frozenset({"funds"}),
)
LAYER_OF = {app: index for index, layer in enumerate(LAYERS) for app in layer}
APPS = tuple(LAYER_OF)
# The apps that know no domain: core, and accounts above it.
INFRASTRUCTURE = frozenset({"core", "accounts"})
TOP = "prm"


def _modules(app: str) -> list[Path]:
    root = Path(settings.BASE_DIR) / app
    return [path for path in sorted(root.rglob("*.py")) if "migrations" not in path.parts]


def _where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(settings.BASE_DIR)}:{node.lineno}"


def _dependencies(app: str) -> list[tuple[str, str]]:
    """(other app, module:line) for every import of our apps and every literal `get_model` call."""
    found = []
    for path in _modules(app):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                targets = [node.module]
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "get_model"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                targets = [node.args[0].value.split(".")[0]]
            for target in targets:
                other = target.split(".")[0]
                if other != app and (other in LAYER_OF or other == TOP):
                    found.append((other, _where(path, node)))
    return found


def _graph() -> dict[str, list[tuple[str, str]]]:
    return {app: _dependencies(app) for app in APPS}


def test_every_project_app_has_a_layer():
    # given the installed apps of the project (the ones with code in the repository)
    root = Path(settings.BASE_DIR)
    ours = {
        config.label
        for config in apps.get_app_configs()
        if Path(config.path).resolve().parent == root.resolve()
    }
    # then each of them is placed in a layer
    assert ours == set(APPS)


def test_no_app_depends_on_a_higher_or_sideways_app():
    # given every import between the project's apps
    wrong = [
        f"{where}: {app} (layer {LAYER_OF[app]}) imports {other}"
        + ("" if other == TOP else f" (layer {LAYER_OF[other]})")
        for app, deps in _graph().items()
        for other, where in deps
        if other == TOP or LAYER_OF[other] >= LAYER_OF[app]
    ]
    # then each runs downward
    assert not wrong, "upward or sideways dependencies:\n" + "\n".join(wrong)


def test_the_infrastructure_knows_no_domain():
    wrong = [
        f"{where}: {app} imports the domain app {other}"
        for app in INFRASTRUCTURE
        for other, where in _dependencies(app)
        if other not in INFRASTRUCTURE
    ]
    assert not wrong, "\n".join(wrong)


def _cycle_from(edges: dict[str, dict[str, str]], start: str) -> list[str] | None:
    """A path start -> ... -> start through `edges`, if there is one."""
    stack = [(start, [start])]
    while stack:
        current, trail = stack.pop()
        for nxt in edges.get(current, {}):
            if nxt == start:
                return [*trail, start]
            if nxt not in trail:
                stack.append((nxt, [*trail, nxt]))
    return None


def test_there_is_no_cycle_between_apps():
    # given the app graph, every app its own node (core and accounts too)
    edges: dict[str, dict[str, str]] = defaultdict(dict)
    for app, deps in _graph().items():
        for other, where in deps:
            if other in LAYER_OF:
                edges[app].setdefault(other, where)

    # when walking it depth first from each app
    # then no app reaches itself
    cycles = []
    for start in sorted(APPS):
        cycle = _cycle_from(edges, start)
        if cycle:
            hops = [f"{a} -> {b} ({edges[a][b]})" for a, b in zip(cycle, cycle[1:], strict=False)]
            cycles.append("; ".join(hops))
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def _functions(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def test_imports_of_other_apps_sit_at_module_level():
    # given every import of another project app made inside a function
    hidden = []
    for app in APPS:
        for path in _modules(app):
            if path.name == "apps.py":
                continue  # `ready()` registers hooks once the app registry is loaded
            for function in _functions(ast.parse(path.read_text(), str(path))):
                for node in ast.walk(function):
                    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                        other = node.module.split(".")[0]
                        if other != app and other in LAYER_OF:
                            hidden.append(
                                f"{_where(path, node)}: {node.module} in {function.name}()"
                            )
    # then there is none: with one-way layers nothing needs to dodge a cycle
    assert not hidden, "move these imports to the top of their module:\n" + "\n".join(hidden)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(settings.BASE_DIR).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _module_imports(app: str) -> dict[str, dict[str, str]]:
    """{module: {module of the same app it imports: module:line}}, in-function imports included."""
    paths = {_module_name(path): path for path in _modules(app)}
    found: dict[str, dict[str, str]] = defaultdict(dict)
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    target = ".".join([*base, node.module] if node.module else base)
                else:
                    target = node.module or ""
                candidates = [target, *(f"{target}.{alias.name}" for alias in node.names)]
            elif isinstance(node, ast.Import):
                candidates = [alias.name for alias in node.names]
            else:
                continue
            for candidate in candidates:
                if candidate in paths and candidate != name:
                    found[name].setdefault(candidate, _where(path, node))
    return found


def test_modules_of_an_app_import_each_other_one_way():
    # given the imports between the modules of each app
    cycles: dict[frozenset[str], str] = {}
    for app in APPS:
        edges = _module_imports(app)
        # when walking them depth first from each module
        for module in sorted(edges):
            cycle = _cycle_from(edges, module)
            if cycle:
                hops = [
                    f"{a} -> {b} ({edges[a][b]})" for a, b in zip(cycle, cycle[1:], strict=False)
                ]
                cycles.setdefault(frozenset(cycle), "; ".join(hops))
    # then none comes back to itself
    assert not cycles, "module cycles:\n" + "\n".join(cycles.values())


# Every relation points down the layers (the MDF activity of a deal is kept by funds, above it).
KNOWN_UPWARD_RELATIONS: set[str] = set()


def test_model_relations_point_down_the_layers():
    # given every relation field of the project's models
    partner_model = settings.PRM_PARTNER_MODEL.lower()
    user_model = settings.AUTH_USER_MODEL.lower()
    upward = set()
    for model in apps.get_models():
        app = model._meta.app_label
        if app not in LAYER_OF:
            continue
        for field in model._meta.get_fields():
            if not (field.is_relation and field.concrete and field.related_model):
                continue
            other = field.related_model._meta.app_label
            if other not in LAYER_OF or other == app or LAYER_OF[other] < LAYER_OF[app]:
                continue
            related = field.related_model._meta.label_lower
            if app in INFRASTRUCTURE and related == partner_model:
                continue  # the infrastructure's one way to the company, through the setting
            if app == "core" and related == user_model:
                continue  # core's one way to the user (audit actor, job owner), through the setting
            upward.add(f"{model._meta.label}.{field.name}")
    # then each points to its own layer or below, but for the known one (which must still exist)
    assert upward == KNOWN_UPWARD_RELATIONS, f"relations pointing up: {sorted(upward)}"


def test_the_infrastructure_names_no_app_above_it():
    def names_an_app_above(app: str, text: str) -> bool:
        # "deals", or a dotted path into one: "partners.Partner", "funds.selectors.x"
        other = text.split(".")[0]
        return " " not in text and other in LAYER_OF and LAYER_OF[other] > LAYER_OF[app]

    # when reading the string literals of the infrastructure's modules (core and accounts)
    named = [
        f"{_where(path, node)}: {node.value!r}"
        for app in INFRASTRUCTURE
        for path in _modules(app)
        for node in _strings(ast.parse(path.read_text(), str(path)))
        if names_an_app_above(app, node.value)
    ]
    # then none names an app above its own: the partner and user models come from
    # settings.PRM_PARTNER_MODEL and AUTH_USER_MODEL, the apps from the app registry
    assert not named, "\n".join(named)


def _tables_by_app() -> dict[str, set[str]]:
    tables: dict[str, set[str]] = defaultdict(set)
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label in LAYER_OF and not model._meta.proxy:
            tables[model._meta.app_label].add(model._meta.db_table)
    return tables


def _strings(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node


def test_raw_sql_reads_no_other_apps_bare_tables():
    # given the table names each app owns, from the app registry
    tables = _tables_by_app()
    wrong = []
    for app in APPS:
        foreign = sorted(t for other, names in tables.items() if other != app for t in names)
        pattern = re.compile(r"\b(" + "|".join(map(re.escape, foreign)) + r")\b")
        # when reading every string literal of the app's modules
        for path in _modules(app):
            for node in _strings(ast.parse(path.read_text(), str(path))):
                for match in pattern.finditer(node.value):
                    wrong.append(f"{_where(path, node)}: {app} names {match.group(1)}")
    # then none names another app's table: cross-app SQL goes through the owner's views
    assert not wrong, "raw SQL on another app's tables:\n" + "\n".join(wrong)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from deals.models import Deal\n", ["deals"]),
        ("def f():\n    from funds import selectors\n", ["funds"]),
        ("import settlement.services\n", ["settlement"]),
        ("from django.apps import apps\nM = apps.get_model('rebates', 'Accrual')\n", ["rebates"]),
        ("from .models import Partner\n", []),
    ],
)
def test_the_guard_sees_every_kind_of_dependency(tmp_path, monkeypatch, source, expected):
    # given a module of an app that holds one kind of dependency
    module = tmp_path / "partners" / "probe.py"
    module.parent.mkdir()
    module.write_text(source)
    monkeypatch.setattr(settings, "BASE_DIR", tmp_path)
    # when the guard reads it, then it finds exactly that dependency with its line
    found = _dependencies("partners")
    assert [other for other, _ in found] == expected
    assert all(where.startswith("partners/probe.py:") for _, where in found)


def test_the_apps_above_register_the_hooks_of_the_apps_below():
    # given the started project (every AppConfig.ready() has run)
    from accounts.scoping import companies
    from deals.attribution import _registered as deal_attribution
    from deals.services import lead_offers_withdraw, open_deals_of
    from funds.selectors import attributable_requests_for, deal_activities
    from funds.services import deal_activity_set, fund_requests_release_at_exit
    from partners.companies import COMPANIES
    from partners.exits import exit_steps
    from partners.figures import _figures
    from rebates.services import quarter_close_before_statements
    from settlement.period_hooks import period_preparers
    from settlement.services import statement_build_final
    from training.services import certifications_detach

    # then each hook of a lower app is wired to the app that owns the rule
    assert companies() is COMPANIES
    assert deal_attribution["fund_requests"] is attributable_requests_for
    assert deal_attribution["read"] is deal_activities
    assert deal_attribution["write"] is deal_activity_set
    assert set(_figures) == {
        "revenue",
        "revenue_target",
        "certified_staff",
        "certified_staff_of",
        "certified_staff_retention",
        "marketing_roi",
        "orders",
        "payments",
        "payment_behaviour",
        "inventory_health",
    }
    assert period_preparers() == (quarter_close_before_statements,)
    # a partner's exit checklist reaches the work of each app above partners through its step
    steps = {step.key: step for step in exit_steps()}
    assert steps["deals"].remaining is open_deals_of
    assert steps["leads"].run is lead_offers_withdraw
    assert steps["mdf"].run is fund_requests_release_at_exit
    assert steps["certifications"].run is certifications_detach
    assert steps["final_statement"].run is statement_build_final
    assert set(steps) == {
        "deals",
        "leads",
        "mdf",
        "certifications",
        "final_statement",
        "materials",
        "users",
    }
