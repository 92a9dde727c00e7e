"""Scoping by construction: no view, API or selector reads a partner-owned model unscoped by
accident (NetBox's `restrict(user, action)` pattern).

Every read of such a model's manager in those modules starts from `restrict`, `visible_to`,
`manageable_by` or `none`, goes through `scope_queryset`/`get_scoped_or_404`, is the base
`queryset` of a scoped API viewset — or is marked `unrestricted(reason)`, which is greppable.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

from accounts.api import viewsets
from accounts.scoping import ScopedQuerySet

APPS = ("accounts", "core", "deals", "partners", "rebates", "settlement", "training", "funds")
SCOPING_METHODS = {"restrict", "visible_to", "manageable_by", "unrestricted", "none"}
# A Prefetch's queryset only narrows the related rows of parents that were scoped already.
SCOPING_FUNCTIONS = {"scope_queryset", "get_scoped_or_404", "Prefetch"}
# The API bases whose `get_queryset` narrows their `queryset` (accounts/api/viewsets.py).
SCOPED_VIEWSETS = frozenset(
    name
    for name, cls in inspect.getmembers(viewsets, inspect.isclass)
    if issubclass(cls, viewsets.ScopedQuerysetMixin)
)


def _partner_owned_models() -> dict[str, type]:
    return {
        model.__name__: model
        for model in apps.get_models()
        if getattr(model, "scope_partner_path", None) is not None
    }


def _read_modules() -> list[Path]:
    root = Path(settings.BASE_DIR)
    found = []
    for app in APPS:
        for path in sorted((root / app).rglob("*.py")):
            relative = path.relative_to(root / app)
            if relative.parts[0] == "migrations":
                continue
            # a views or selectors package (partners/views/programme.py) is read module by module
            if (
                relative.name.startswith("views")
                or relative.parts[0] in ("api", "views", "selectors")
                or relative.name in ("selectors.py", "dashboard.py")
            ):
                found.append(path)
    return found


def _is_scoped_viewset(node: ast.ClassDef) -> bool:
    return any(ast.unparse(base).split(".")[-1] in SCOPED_VIEWSETS for base in node.bases)


def unscoped_reads(source: str, models: dict[str, type]) -> list[tuple[int, str]]:
    """(line, model) of each manager read in `source` that no scoping narrows."""
    tree = ast.parse(source)
    parents: dict[ast.AST, ast.AST] = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    found = []
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Attribute)
            and node.attr == "objects"
            and isinstance(node.value, ast.Name)
            and node.value.id in models
        ):
            continue
        expression, scoped = node, False
        while not scoped:
            parent = parents.get(expression)
            if isinstance(parent, ast.Attribute):
                scoped = parent.attr in SCOPING_METHODS
                expression = parent
            elif isinstance(parent, ast.Call) and parent.func is expression:
                expression = parent
            else:
                break
        if not scoped:
            parent = parents.get(expression)
            if isinstance(parent, ast.keyword):
                parent = parents.get(parent)
            if isinstance(parent, ast.Call) and ast.unparse(parent.func).split(".")[-1] in (
                SCOPING_FUNCTIONS
            ):
                scoped = True
            elif isinstance(parent, ast.Assign) and [ast.unparse(t) for t in parent.targets] == [
                "queryset"
            ]:
                owner = parents.get(parent)
                scoped = isinstance(owner, ast.ClassDef) and _is_scoped_viewset(owner)
        if not scoped:
            found.append((node.lineno, node.value.id))
    return found


def test_the_guard_knows_the_scoped_api_bases():
    # given the scoped bases of accounts/api/viewsets.py, then the guard trusts exactly those
    assert {"ScopedQuerysetMixin", "ScopedReadOnlyViewSet", "ScopedModelViewSet"} == SCOPED_VIEWSETS


def test_partner_owned_models_have_restricted_managers():
    # given every model that belongs to a partner
    # then its default manager offers restrict(user, action) and unrestricted(reason)
    for model in _partner_owned_models().values():
        assert isinstance(model._default_manager.all(), ScopedQuerySet), model


def test_the_guard_reads_the_modules_of_views_and_selectors_packages():
    # given the modules the guard reads
    modules = {path.relative_to(settings.BASE_DIR).as_posix() for path in _read_modules()}
    # then a views or selectors package is read module by module, as single modules and api are
    assert {
        "partners/selectors/partner.py",
        "partners/selectors/programme.py",
        "partners/selectors/agreements.py",
        "partners/selectors/credit.py",
        "partners/selectors/relationship.py",
        "partners/selectors/reports.py",
        "partners/selectors/visits.py",
        "partners/views/partner.py",
        "partners/views/programme.py",
        "partners/views/agreements.py",
        "partners/views/credit.py",
        "partners/views/reports.py",
        "partners/views/visits.py",
        "funds/selectors.py",
        "funds/views.py",
        "partners/api/views.py",
        "partners/dashboard.py",
    } <= modules


def test_no_view_api_or_selector_reads_a_partner_owned_model_unscoped():
    # given the partner-owned models and every view, API, selector and dashboard module
    models = _partner_owned_models()
    modules = _read_modules()
    assert len(modules) > 20
    # when each module is read
    found = [
        f"{path.relative_to(settings.BASE_DIR)}:{line} {model}.objects"
        for path in modules
        for line, model in unscoped_reads(path.read_text(encoding="utf-8"), models)
    ]
    # then none reads such a model without a scope (or an explicit, greppable unrestricted())
    assert found == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("Deal.objects.filter(pk=1)", [(1, "Deal")]),
        ("Deal.objects.select_related('x').get(pk=1)", [(1, "Deal")]),
        ("Deal.objects.visible_to(user).filter(pk=1)", []),
        ("Deal.objects.select_related('x').restrict(user, 'manage')", []),
        ("Deal.objects.unrestricted('a service').count()", []),
        ("get_scoped_or_404(Deal.objects.all(), user, pk=1)", []),
        ("Prefetch('lines', queryset=DealLine.objects.all())", []),
        ("class DealApi(ScopedReadOnlyViewSet):\n    queryset = Deal.objects.all()", []),
        ("class DealApi(ReadOnlyModelViewSet):\n    queryset = Deal.objects.all()", [(2, "Deal")]),
        ("class DealApi(ScopedLookingViewSet):\n    queryset = Deal.objects.all()", [(2, "Deal")]),
        ("Product.objects.filter(pk=1)", []),
    ],
)
def test_the_guard_tells_scoped_from_unscoped_reads(source, expected):
    # given a snippet, when the guard reads it, then it finds exactly the unscoped reads
    assert unscoped_reads(source, _partner_owned_models()) == expected


@pytest.mark.django_db
def test_an_unrestricted_read_must_say_why():
    from deals.models import Deal

    with pytest.raises(ValueError):
        Deal.objects.unrestricted(" ")
    assert list(Deal.objects.unrestricted("a test of the marker")) == []
